"""tickets.services.ticket_create: intake rules from the policy, on the real seed policies."""

from datetime import UTC, datetime, timedelta

import pytest

from pledgedesk.accounts.models import AccessGrant, AgentGroup, ContactPhone
from pledgedesk.errors import IntakeRefused, InvalidInput
from pledgedesk.tickets.models import Message, Ticket, TicketEvent, TicketRefusal
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db

RK = "crm-severity-colours"
FG = "fax-server-24x7"
RL = "ecommerce-platform"


def timers(ticket: Ticket) -> dict:
    return {t.metric: t for t in ticket.timers.all()}


def test_rk2_red_ticket_without_the_administrator_is_flagged_and_excluded():
    org = organisation(RK)
    contact(org, role="administrator")
    someone = contact(org)

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=someone, subject="Everything is down",
        description="No user can log in", channel="portal", priority="red"), now=T0)

    assert ticket.administrator_not_included is True
    assert ticket.exclusions == ["administrator_not_included"]
    assert timers(ticket)["resolution"].state == "excluded"
    assert timers(ticket)["first_response"].state == "running"


def test_rk2_administrator_in_cc_is_not_flagged():
    org = organisation(RK)
    admin = contact(org, role="administrator")
    someone = contact(org)

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=someone, cc=[admin], subject="Down", description="x",
        channel="portal", priority="red"), now=T0)

    assert ticket.administrator_not_included is False
    assert ticket.exclusions == []
    assert timers(ticket)["resolution"].state == "running"
    assert list(ticket.cc.all()) == [admin]


def test_rk2_organisation_without_an_administrator_is_flagged():
    org = organisation(RK)
    someone = contact(org)

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=someone, subject="Down", description="x",
        channel="portal", priority="red"), now=T0)

    assert ticket.exclusions == ["no_administrator"]


def test_rk3_red_resolution_is_due_one_business_day_later():
    org = organisation(RK)
    admin = contact(org, role="administrator")

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=admin, subject="Down", description="x", channel="portal",
        priority="red"), now=T0)

    resolution = timers(ticket)["resolution"]
    # Monday 09:00 Central -> Tuesday 09:00 Central (15:00 UTC).
    assert resolution.due_at == datetime(2026, 1, 6, 15, 0, tzinfo=UTC)
    assert resolution.state == "running"
    assert "red" in resolution.reason


def test_rk3_blue_has_no_resolution_target():
    org = organisation(RK)
    admin = contact(org, role="administrator")

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=admin, subject="How do I?", description="x",
        channel="portal", priority="blue"), now=T0)

    resolution = timers(ticket)["resolution"]
    assert resolution.state == "not_applicable"
    assert resolution.due_at is None


def test_rk10_product_services_marker_routes_to_the_team():
    group = AgentGroup.objects.create(key="product_services", name="Product Services")
    org = organisation(RK)
    admin = contact(org, role="administrator")

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=admin, subject="*Product Services* new layout",
        description="x", channel="email"), now=T0)

    assert ticket.group == group


def test_fg10_unauthorised_requester_is_held_with_no_clock_and_nothing_lost():
    org = organisation(FG, timezone="America/Chicago", country="US")
    primary = contact(org, role="primary")
    stranger = contact(org)

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=stranger, subject="Fax down", description="Details",
        channel="portal", priority="urgent"), now=T0)

    assert ticket.hold == Ticket.Hold.AWAITING_AUTHORISATION
    assert {t.state for t in ticket.timers.all()} == {"not_applicable"}
    grant = AccessGrant.objects.get(contact=stranger)
    assert grant.state == AccessGrant.State.PENDING
    asked = TicketEvent.objects.get(ticket=ticket, kind="authorisation_requested")
    assert asked.new["primary_contact"] == primary.pk
    assert Message.objects.get(ticket=ticket).body == "Details"


def test_fg10_authorised_personnel_are_not_held():
    org = organisation(FG, timezone="America/Chicago", country="US")
    contact(org, role="primary")
    listed = contact(org, authorised=True)

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=listed, subject="Fax down", description="x",
        channel="portal", priority="urgent"), now=T0)

    assert ticket.hold == ""
    assert timers(ticket)["first_response"].state == "running"


def test_fg10_confirmed_temporary_access_lets_a_contact_open_tickets():
    org = organisation(FG, timezone="America/Chicago", country="US")
    temp = contact(org)
    AccessGrant.objects.create(contact=temp, state=AccessGrant.State.CONFIRMED,
                               requested_at=T0, expires_at=T0 + timedelta(days=1))

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=temp, subject="Fax", description="x", channel="portal"),
        now=T0)

    assert ticket.hold == ""


def test_fg10_expired_temporary_access_is_held_again():
    org = organisation(FG, timezone="America/Chicago", country="US")
    contact(org, role="primary")
    temp = contact(org)
    AccessGrant.objects.create(contact=temp, state=AccessGrant.State.CONFIRMED,
                               requested_at=T0, expires_at=T0 - timedelta(minutes=1))

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=temp, subject="Fax", description="x", channel="portal"),
        now=T0)

    assert ticket.hold == Ticket.Hold.AWAITING_AUTHORISATION


def test_fg3_email_cannot_set_priority_and_says_why():
    org = organisation(FG, timezone="America/Chicago", country="US")
    listed = contact(org, authorised=True)

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=listed, subject="Fax", description="x", channel="email",
        priority="urgent"), now=T0)

    assert ticket.priority == "medium"
    assert any("cannot set a priority" in note for note in ticket.intake_notes)
    created = TicketEvent.objects.get(ticket=ticket, kind="created")
    assert created.new["requested_priority"] == "urgent"
    assert created.new["priority"] == "medium"


def test_fg4_voicemail_without_a_known_caller_needs_an_account_lookup():
    org = organisation(FG, timezone="America/Chicago", country="US")
    someone = contact(org, authorised=True)
    ContactPhone.objects.create(contact=someone, number="+19525550100")

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=None, caller_number="+19525550199",
        subject="Voicemail from +19525550199", description="", channel="voicemail"), now=T0)

    assert ticket.hold == Ticket.Hold.NEEDS_ACCOUNT_LOOKUP
    assert ticket.caller_number == "+19525550199"


def test_fg8_urgent_portal_ticket_after_hours_on_24x7_pages_on_call():
    org = organisation(FG, plans=["24x7"], timezone="America/Chicago", country="US")
    listed = contact(org, authorised=True)
    night = datetime(2026, 1, 6, 4, 0, tzinfo=UTC)  # 22:00 Central, Monday

    urgent = ticket_create(new=NewTicket(
        organisation=org, requester=listed, subject="Down", description="x", channel="portal",
        priority="urgent"), now=night)
    emailed = ticket_create(new=NewTicket(
        organisation=org, requester=listed, subject="Down", description="x", channel="email",
        priority="urgent"), now=night)

    assert urgent.page_on_call is True
    assert TicketEvent.objects.filter(ticket=urgent, kind="page_on_call").exists()
    assert emailed.page_on_call is False


def test_fg8_standard_plan_never_pages():
    org = organisation(FG, timezone="America/Chicago", country="US")
    listed = contact(org, authorised=True)

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=listed, subject="Down", description="x", channel="portal",
        priority="urgent"), now=datetime(2026, 1, 6, 4, 0, tzinfo=UTC))

    assert ticket.page_on_call is False


def test_rl7_banned_requester_is_refused_and_the_refusal_kept():
    org = organisation(RL)
    abuser = contact(org)
    abuser.banned_at, abuser.ban_reason = T0, "abusive language to staff"
    abuser.save()

    with pytest.raises(IntakeRefused, match="abusive language"):
        ticket_create(new=NewTicket(
            organisation=org, requester=abuser, subject="Again", description="x",
            channel="email"), now=T0)

    assert not Ticket.objects.exists()
    refusal = TicketRefusal.objects.get()
    assert refusal.requester == abuser
    assert refusal.subject == "Again"


def test_rl4_high_priority_non_critical_needs_the_high_priority_plan():
    org = organisation(RL)
    person = contact(org)

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=person, subject="Slow", description="x", channel="portal",
        priority="high_non_critical"), now=T0)

    assert ticket.priority == "normal"
    assert ticket.intake_notes


def test_rl9_out_of_scope_topic_is_flagged_unless_the_plan_covers_it():
    plain = organisation(RL)
    extra = organisation(RL, plans=["standard", "extra_support"])

    a = ticket_create(new=NewTicket(
        organisation=plain, requester=contact(plain), subject="Write my copy", description="x",
        channel="portal", topic="Copywriting"), now=T0)
    b = ticket_create(new=NewTicket(
        organisation=extra, requester=contact(extra), subject="Write my copy", description="x",
        channel="portal", topic="Copywriting"), now=T0)

    assert a.out_of_scope is True
    assert b.out_of_scope is False


def test_ticket_numbers_are_dense_and_unique():
    org = organisation(RL)
    person = contact(org)

    numbers = [ticket_create(new=NewTicket(
        organisation=org, requester=person, subject=f"T{i}", description="x",
        channel="portal"), now=T0).number for i in range(3)]

    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_agent_opened_ticket_records_the_agent_and_not_a_first_response():
    org = organisation(RL)
    person = contact(org)
    engineer = agent()

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=person, subject="Phoned in", description="Customer says",
        channel="chat", created_by=engineer), now=T0)

    assert ticket.created_by_agent == engineer
    assert timers(ticket)["first_response"].state == "running"


@pytest.mark.parametrize(("field", "kwargs"), [
    ("subject", {"subject": "   "}),
    ("subject", {"subject": "x" * 251}),
    ("channel", {"channel": "carrier-pigeon"}),
    ("priority", {"priority": "apocalyptic"}),
])
def test_bad_input_names_the_field_and_writes_nothing(field, kwargs):
    org = organisation(RL)
    person = contact(org)
    values = {"organisation": org, "requester": person, "subject": "Fine", "description": "x",
              "channel": "portal", **kwargs}

    with pytest.raises(InvalidInput) as raised:
        ticket_create(new=NewTicket(**values), now=T0)

    assert raised.value.field == field
    assert not Ticket.objects.exists()


def test_requester_from_another_organisation_is_rejected():
    org, other = organisation(RL), organisation(RL)

    with pytest.raises(InvalidInput) as raised:
        ticket_create(new=NewTicket(
            organisation=org, requester=contact(other), subject="x", description="x",
            channel="portal"), now=T0)

    assert raised.value.field == "requester"
