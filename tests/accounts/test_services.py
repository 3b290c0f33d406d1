"""accounts.services: organisations, contacts, authorised personnel, bans."""

import pytest

from pledgedesk.accounts.models import AccessGrant
from pledgedesk.accounts.services import (
    access_grant_decide,
    contact_ban,
    contact_by_email,
    contact_by_phone,
    contact_create,
    contact_set_authorised,
    contact_unban,
    organisation_create,
)
from pledgedesk.errors import Conflict, IntakeRefused, InvalidInput, PermissionDenied
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import (
    Actor,
    NewTicket,
    ticket_create,
    ticket_identify_requester,
    ticket_verify_identity,
)
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db
FG = "fax-server-24x7"


def test_organisation_on_a_policy_with_its_plans():
    org = organisation_create(name="Acme", policy_key=FG, plans=["24x7"],
                              timezone="America/Denver", country="us", now=T0)

    assert (org.policy_key, org.plans, org.country) == (FG, ["24x7"], "US")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"policy_key": "no-such-policy"}, "policy_key"),
    ({"plans": ["platinum"]}, "plans"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"name": "  "}, "name"),
])
def test_organisation_bad_input_names_the_field(kwargs, field):
    values = {"name": "Acme", "policy_key": FG, **kwargs}

    with pytest.raises(InvalidInput) as raised:
        organisation_create(now=T0, **values)

    assert raised.value.field == field


def test_contact_with_login_email_and_phone_is_found_by_either():
    org = organisation(FG)

    person = contact_create(organisation=org, name="Dana", emails=["Dana@Example.com"],
                            phones=["(952) 555-0100"], password="correct horse battery",
                            now=T0)

    assert contact_by_email("dana@example.COM") == person
    assert contact_by_phone("+1 952 555 0100") == person
    assert person.user.check_password("correct horse battery")
    assert person.user.password.startswith("argon2")


def test_an_email_belongs_to_one_contact():
    org = organisation(FG)
    contact_create(organisation=org, name="A", emails=["a@example.com"], now=T0)

    with pytest.raises(Conflict):
        contact_create(organisation=org, name="B", emails=["A@example.com"], now=T0)


def test_bad_email_is_rejected():
    with pytest.raises(InvalidInput) as raised:
        contact_create(organisation=organisation(FG), name="A", emails=["nope"], now=T0)

    assert raised.value.field == "emails"


def test_fg10_primary_contact_adds_and_removes_authorised_personnel():
    org = organisation(FG)
    primary = contact(org, role="primary")
    person = contact(org)

    person = contact_set_authorised(organisation=org, by=primary, contact_id=person.pk,
                                    authorised=True)
    assert person.authorised is True
    person = contact_set_authorised(organisation=org, by=primary, contact_id=person.pk,
                                    authorised=False)
    assert person.authorised is False


def test_fg10_only_the_primary_contact_manages_personnel():
    org = organisation(FG)
    contact(org, role="primary")
    someone, person = contact(org), contact(org)

    with pytest.raises(PermissionDenied):
        contact_set_authorised(organisation=org, by=someone, contact_id=person.pk,
                               authorised=True)


def test_fg10_temporary_access_request_is_decided_once():
    org = organisation(FG)
    primary = contact(org, role="primary")
    person = contact(org)
    grant = AccessGrant.objects.create(contact=person, requested_at=T0, expires_at=T0)

    access_grant_decide(organisation=org, by=primary, grant=grant, approve=True, now=T0)
    with pytest.raises(Conflict):
        access_grant_decide(organisation=org, by=primary, grant=grant, approve=False, now=T0)

    assert AccessGrant.objects.get(pk=grant.pk).state == AccessGrant.State.CONFIRMED


def test_rl7_support_lead_bans_and_the_ban_refuses_new_requests():
    org = organisation("ecommerce-platform")
    abuser = contact(org)
    lead = agent(roles=["support_lead"])

    contact_ban(contact=abuser, by=lead, reason="threatened staff", now=T0)

    with pytest.raises(IntakeRefused):
        ticket_create(new=NewTicket(organisation=org, requester=abuser, subject="x",
                                    description="x", channel="email"), now=T0)
    contact_unban(contact=abuser, by=lead)
    assert ticket_create(new=NewTicket(organisation=org, requester=abuser, subject="x",
                                       description="x", channel="email"), now=T0)


def test_rl7_an_engineer_cannot_ban():
    with pytest.raises(PermissionDenied):
        contact_ban(contact=contact(organisation("ecommerce-platform")), by=agent(),
                    reason="x", now=T0)


def test_fg4_voicemail_from_a_known_number_is_matched_to_its_contact():
    org = organisation(FG, timezone="America/Chicago", country="US")
    caller = contact_create(organisation=org, name="Pat", phones=["+19525550100"],
                            authorised=True, now=T0)

    ticket = ticket_create(new=NewTicket(
        organisation=org, caller_number="952-555-0100", subject="Voicemail", description="",
        channel="voicemail"), now=T0)

    assert ticket.requester == caller
    assert ticket.hold == ""


def test_fg4_account_lookup_names_the_caller_and_releases_the_hold():
    org = organisation(FG, timezone="America/Chicago", country="US")
    ticket = ticket_create(new=NewTicket(
        organisation=org, caller_number="+19525550199", subject="Voicemail", description="",
        channel="voicemail"), now=T0)
    caller = contact(org, authorised=True)

    ticket = ticket_identify_requester(ticket=ticket, actor=Actor("console", agent=agent()),
                                       requester=caller, expected_version=ticket.version,
                                       now=T0)

    assert ticket.hold == ""
    assert ticket.requester == caller
    assert ticket.events.filter(kind="requester_identified").exists()


def test_rl6_identity_verification_is_recorded_with_its_method():
    org = organisation("ecommerce-platform")
    ticket = ticket_create(new=NewTicket(organisation=org, requester=contact(org),
                                         subject="Invoice?", description="x",
                                         channel="email"), now=T0)

    ticket = ticket_verify_identity(ticket=ticket, actor=Actor("console", agent=agent()),
                                    method="last four digits of card", expected_version=None,
                                    now=T0)

    assert Ticket.objects.get(pk=ticket.pk).identity_verified is True
    assert ticket.events.get(kind="identity_verified").new == {
        "method": "last four digits of card"}
