"""RowGet (pledgedesk/rowget.py) returns what select_related(...).get(...) returns: the same
field values after the database's converters (SQLite hands back datetimes and JSON as text),
the same relations cached both ways, a missing relation cached as missing, the same errors,
in one statement. Checked against the ORM itself, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledgedesk.accounts.authorization import AGENT_RELATION
from pledgedesk.accounts.models import ApiToken, Contact, Organisation
from pledgedesk.rowget import RowGet
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db

RL = "ecommerce-platform"
TOKEN = RowGet(ApiToken, related=("user", f"user__{AGENT_RELATION}"), equal=("prefix",),
               null=("revoked_at",))


def _fields(obj) -> dict:
    return {k: v for k, v in vars(obj).items() if k != "_state"}


def _token(user, prefix: str, **extra) -> ApiToken:
    return ApiToken.objects.create(user=user, name="t", prefix=prefix, digest="d" * 64,
                                   created_at=T0, last_used_at=T0 + timedelta(minutes=3),
                                   **extra)


def test_token_with_its_user_and_agent_matches_select_related_in_one_statement():
    person = agent(roles=("engineer", "support_lead"))
    _token(person.user, "a1b2c3d4e5f6")
    expected = ApiToken.objects.select_related("user", f"user__{AGENT_RELATION}").get(
        prefix="a1b2c3d4e5f6", revoked_at__isnull=True)

    with CaptureQueriesContext(connection) as captured:
        token = TOKEN.get(prefix="a1b2c3d4e5f6")
        user, found_agent = token.user, token.user.agent

    assert len(captured) == 1
    assert _fields(token) == _fields(expected)
    assert _fields(user) == _fields(expected.user)
    assert _fields(found_agent) == _fields(expected.user.agent)
    assert found_agent.roles == ["engineer", "support_lead"]  # JSON decoded on both databases
    assert token.last_used_at == T0 + timedelta(minutes=3)  # an aware datetime on both
    assert found_agent.active is True
    assert found_agent.user is user  # cached both ways, as select_related does
    assert token._state.adding is False
    assert token._state.db == "default"


def test_a_user_without_an_agent_is_known_to_have_none_without_another_query():
    user = get_user_model().objects.create_user("contact-login")
    _token(user, "0123456789ab")

    with CaptureQueriesContext(connection) as captured:
        token = TOKEN.get(prefix="0123456789ab")
        with pytest.raises(get_user_model().agent.RelatedObjectDoesNotExist):
            token.user.agent  # noqa: B018

    assert len(captured) == 1


def test_conditions_and_errors_are_those_of_get():
    person = agent()
    _token(person.user, "ffffffffffff", revoked_at=T0)

    with pytest.raises(ApiToken.DoesNotExist):
        TOKEN.get(prefix="ffffffffffff")  # revoked: IS NULL holds it back
    with pytest.raises(ApiToken.DoesNotExist):
        TOKEN.get(prefix="eeeeeeeeeeee")

    org = organisation(RL)
    contact(org)
    contact(org)
    with pytest.raises(Contact.MultipleObjectsReturned):
        RowGet(Contact, equal=("organisation",)).get(organisation=org.pk)


def test_requester_lookup_by_id_and_organisation_matches_the_orm():
    org = organisation(RL, plans=("standard", "premium"), timezone="America/Chicago")
    other = organisation(RL)
    person = contact(org, role="primary", authorised=True)
    lookup = RowGet(Contact, related=("organisation",), equal=("id", "organisation"))

    found = lookup.get(id=person.pk, organisation=org.pk)
    expected = Contact.objects.select_related("organisation").get(pk=person.pk,
                                                                  organisation=org.pk)

    assert _fields(found) == _fields(expected)
    assert _fields(found.organisation) == _fields(expected.organisation)
    assert found.organisation.plans == ["standard", "premium"]
    with pytest.raises(Contact.DoesNotExist):
        lookup.get(id=person.pk, organisation=other.pk)


def test_a_null_foreign_key_joins_as_missing_without_another_query():
    org = organisation(RL)
    lookup = RowGet(Organisation, related=("primary_contact", "primary_contact__organisation"),
                    equal=("id",))

    with CaptureQueriesContext(connection) as captured:
        found = lookup.get(id=org.pk)
        assert found.primary_contact is None

    assert len(captured) == 1
    person = contact(org, role="primary")
    found = lookup.get(id=org.pk)
    assert found.primary_contact == person
    assert found.primary_contact.organisation == org


def test_only_to_one_relations_and_exact_arguments():
    with pytest.raises(ValueError, match="to-one relations only"):
        RowGet(Organisation, related=("contacts",), equal=("id",)).get(id=1)
    with pytest.raises(TypeError, match="needs exactly prefix"):
        TOKEN.get(name="t")
