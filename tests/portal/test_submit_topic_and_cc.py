"""The portal's submit form as a door for scope and the Administrator rule: the request type
the policy lists (PR-4; out-of-scope topics flagged and routed, RK-9, RL-9, PR-8) and copying
the organisation's Administrator (RK-2)."""

import re

import pytest

from pledgedesk.accounts.models import AgentGroup
from pledgedesk.tickets.models import Ticket
from tests.pages import PR, RK, organisation, person

pytestmark = pytest.mark.django_db

SUBMIT = "/portal/requests/new/"


def signed_in(client, org, **kwargs):
    someone = person(org, **kwargs)
    client.force_login(someone.user)
    return someone


def _pr_org():
    return organisation(PR, plans=("standard",), timezone="Europe/Berlin", country="DE")


def test_pr4_the_form_offers_the_policys_request_types(client, at_now):
    signed_in(client, _pr_org())

    page = client.get(SUBMIT).content.decode()

    assert "Request type" in page
    assert "Technical assistance: navigating the platform" in page
    assert '<optgroup label="Outside standard support">' in page
    assert "Outdated, unsupported versions of the platform" in page


def test_pr4_the_chosen_request_type_is_the_tickets_topic(client, at_now):
    signed_in(client, _pr_org())
    topic = ("Feature support: use and capabilities of features, modules and tools")

    response = client.post(SUBMIT, {"subject": "Where is the export?", "description": "x",
                                    "priority": "normal", "topic": topic})

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.topic, ticket.out_of_scope) == (topic, False)


def test_rk9_an_out_of_scope_topic_chosen_in_the_portal_is_flagged_and_routed(client,
                                                                             at_now):
    AgentGroup.objects.create(key="product_services", name="Product Services")
    signed_in(client, organisation(RK))

    client.post(SUBMIT, {"subject": "A new field please", "description": "x",
                         "priority": "blue", "topic": "Creating a new field"})

    ticket = Ticket.objects.get()
    assert ticket.out_of_scope is True
    assert ticket.group.key == "product_services"


def test_a_topic_the_policy_does_not_list_is_refused_on_its_field(client, at_now):
    signed_in(client, _pr_org())

    response = client.post(SUBMIT, {"subject": "x", "description": "x", "priority": "normal",
                                    "topic": "Free text the form never offered"})

    assert response.status_code == 400
    assert 'id="id_topic_error"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_rk2_someone_else_may_copy_the_administrator_and_the_ticket_is_not_flagged(client,
                                                                                    at_now):
    org = organisation(RK)
    admin = person(org, role="administrator", name="Ada Admin")
    signed_in(client, org)
    page = client.get(SUBMIT).content.decode()
    assert "Copy our Administrator, Ada Admin" in page
    # The policy asks for the Administrator (RK-2): the box starts ticked.
    assert re.search(r'<input type="checkbox" name="copy_administrator"[^>]* checked>', page)

    client.post(SUBMIT, {"subject": "Reports empty", "description": "x", "priority": "yellow",
                         "copy_administrator": "on"})

    ticket = Ticket.objects.get()
    assert list(ticket.cc.all()) == [admin]
    assert ticket.administrator_not_included is False and ticket.exclusions == []


def test_rk2_not_copying_the_administrator_flags_the_ticket(client, at_now):
    org = organisation(RK)
    person(org, role="administrator")
    signed_in(client, org)

    client.post(SUBMIT, {"subject": "Reports empty", "description": "x", "priority": "yellow"})

    ticket = Ticket.objects.get()
    assert ticket.cc.count() == 0
    assert ticket.exclusions == ["administrator_not_included"]


@pytest.mark.parametrize("has_admin", [True, False])
def test_rk2_no_checkbox_for_the_administrator_themself_or_without_one(client, at_now,
                                                                        has_admin):
    org = organisation(RK)
    signed_in(client, org, role="administrator" if has_admin else "end_user")

    page = client.get(SUBMIT).content.decode()

    assert "copy_administrator" not in page
