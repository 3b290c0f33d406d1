"""accounts.services: phone numbers in E.164 on every path (FG-4), the checks admin forms
call before creating, and RL-7 bans of contacts and organisations."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password

from pledgedesk.accounts.models import Contact, ContactPhone, Organisation
from pledgedesk.accounts.services import (
    contact_by_phone,
    contact_check,
    contact_create,
    may_ban,
    organisation_ban,
    organisation_check,
    organisation_create,
    organisation_unban,
    phone_normalise,
)
from pledgedesk.errors import Conflict, IntakeRefused, InvalidInput, PermissionDenied
from pledgedesk.tickets.models import TicketRefusal
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db
FG, RL = "fax-server-24x7", "ecommerce-platform"


@pytest.mark.parametrize("typed", [
    "(952) 555-0100", "952-555-0100", "952.555.0100", "+1 952 555 0100", "1-952-555-0100",
    "+1 (952) 555-0100", "tel:+1-952-555-0100", " 9525550100 ",
])
def test_fg4_a_north_american_number_in_any_common_format_is_one_e164(typed):
    assert phone_normalise(typed) == "+19525550100"


def test_a_number_without_country_code_is_read_in_the_organisations_country():
    # The old hand-written rule made this "+015123456789", which no caller id ever matches.
    assert phone_normalise("0151 23456789", region="DE") == "+4915123456789"
    assert phone_normalise("001 952 555 0100", region="DE") == "+19525550100"


@pytest.mark.parametrize("typed", ["555-0100", "12345", "call me", "", "+999 123"])
def test_a_number_no_country_could_dial_is_refused_naming_phones(typed):
    with pytest.raises(InvalidInput) as raised:
        phone_normalise(typed)

    assert raised.value.field == "phones"


def test_fg4_a_number_typed_in_admin_style_is_found_by_a_caller_id_in_another():
    org = organisation(FG, country="US")
    pat = contact_create(organisation=org, name="Pat", phones=["(952) 555-0100"], now=T0)

    assert ContactPhone.objects.get(contact=pat).number == "+19525550100"
    assert contact_by_phone("+19525550100") == pat
    assert contact_by_phone("952.555.0100") == pat
    assert contact_by_phone("not a number") is None


def test_a_number_already_on_a_contact_in_another_format_is_a_conflict_on_phones():
    org = organisation(FG, country="US")
    contact_create(organisation=org, name="Pat", phones=["+19525550100"], now=T0)

    with pytest.raises(Conflict) as raised:
        contact_check(organisation=org, name="Sam", phones=["952 555 0100"])

    assert raised.value.field == "phones"
    assert Contact.objects.filter(name="Sam").count() == 0


def test_an_email_already_on_a_contact_in_another_case_is_a_conflict_on_emails():
    org = organisation(FG)
    contact_create(organisation=org, name="Pat", emails=["pat@example.com"], now=T0)

    with pytest.raises(Conflict) as raised:
        contact_check(organisation=org, name="Sam", emails=["PAT@example.com"])

    assert raised.value.field == "emails"


def test_a_password_hash_made_once_signs_the_contact_in_with_that_password(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org = organisation(FG)

    pat = contact_create(organisation=org, name="Pat", emails=["pat@example.com"],
                         password_hash=make_password("shared demo password"), now=T0)

    assert authenticate(username="pat@example.com", password="shared demo password") == pat.user


def test_organisation_check_names_the_field_and_writes_nothing():
    with pytest.raises(InvalidInput) as raised:
        organisation_check(name="Acme", policy_key=FG, plans=["gold"], now=T0)

    assert raised.value.field == "plans"
    assert not Organisation.objects.exists()


def test_organisation_create_keeps_country_and_subdivision_upper_case():
    org = organisation_create(name=" Acme ", policy_key=FG, country=" us", subdivision="mn",
                              now=T0)

    assert (org.name, org.country, org.subdivision) == ("Acme", "US", "MN")


@pytest.mark.parametrize(("roles", "allowed"), [
    (["support_lead"], True), (["administrator"], True), (["engineer"], False),
    (["senior_technician", "account_manager"], False),
])
def test_rl7_who_may_ban(roles, allowed):
    assert may_ban(agent(roles=roles)) is allowed


def test_rl7_an_inactive_support_lead_or_nobody_may_not_ban():
    lead = agent(roles=["support_lead"])
    lead.active = False

    assert may_ban(lead) is False
    assert may_ban(None) is False


def test_rl7_a_banned_organisation_refuses_requests_from_all_its_people():
    org = organisation(RL)
    someone = contact(org)

    organisation_ban(organisation=org, by=agent(roles=["support_lead"]),
                     reason="phishing campaign", now=T0)

    with pytest.raises(IntakeRefused):
        ticket_create(new=NewTicket(organisation=org, requester=someone, subject="x",
                                    description="x", channel="email"), now=T0)
    assert TicketRefusal.objects.get().reason == "organisation is banned: phishing campaign"


def test_rl7_lifting_an_organisation_ban_lets_requests_in_again():
    org = organisation(RL)
    lead = agent(roles=["support_lead"])
    organisation_ban(organisation=org, by=lead, reason="spam", now=T0)

    organisation_unban(organisation=org, by=lead)

    org.refresh_from_db()
    assert (org.banned_at, org.ban_reason) == (None, "")
    assert ticket_create(new=NewTicket(organisation=org, requester=contact(org), subject="x",
                                       description="x", channel="email"), now=T0)


def test_rl7_an_engineer_cannot_ban_an_organisation():
    org = organisation(RL)

    with pytest.raises(PermissionDenied):
        organisation_ban(organisation=org, by=agent(), reason="spam", now=T0)

    org.refresh_from_db()
    assert org.banned_at is None


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_rl7_a_ban_needs_a_reason_of_sensible_length(reason):
    with pytest.raises(InvalidInput) as raised:
        organisation_ban(organisation=organisation(RL), by=agent(roles=["support_lead"]),
                         reason=reason, now=T0)

    assert raised.value.field == "reason"
