"""tickets.services: every change is one transaction with its events and recomputed timers."""

from datetime import UTC, datetime, timedelta

import pytest

from pledgedesk.accounts.models import AccessGrant
from pledgedesk.errors import Conflict, InvalidInput, PermissionDenied
from pledgedesk.tickets.models import Message, Ticket, TicketEvent
from pledgedesk.tickets.services import (
    Actor,
    Change,
    NewTicket,
    ticket_authorise,
    ticket_create,
    ticket_customer_reply,
    ticket_log_call,
    ticket_note,
    ticket_reopen,
    ticket_reply,
    ticket_request_escalation,
    ticket_set_exclusion,
    ticket_update,
)
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db

RK = "crm-severity-colours"
FG = "fax-server-24x7"
PR = "crm-regional"
H = timedelta(hours=1)


def timers(ticket: Ticket) -> dict:
    return {t.metric: t for t in ticket.timers.all()}


@pytest.fixture
def rk():
    org = organisation(RK)
    admin = contact(org, role="administrator", login=True)
    engineer = agent()

    def open_ticket(priority="yellow"):
        return ticket_create(new=NewTicket(
            organisation=org, requester=admin, subject="Reports broken", description="x",
            channel="portal", priority=priority), now=T0)

    return open_ticket, Actor(channel="console", agent=engineer), Actor(
        channel="portal", contact=admin)


def test_priority_change_rederives_resolution_from_the_original_start(rk):
    open_ticket, engineer, _ = rk
    ticket = open_ticket("yellow")
    # Yellow: 1-3 business days, goal Tuesday 09:00 Central, limit Thursday 09:00 Central.
    assert timers(ticket)["resolution"].due_at == datetime(2026, 1, 8, 15, 0, tzinfo=UTC)

    ticket = ticket_update(ticket=ticket, actor=engineer, change=Change(priority="red"),
                           expected_version=ticket.version, now=T0 + 2 * H)

    # Red: 1 business day from the original start (Monday 09:00), not from the change.
    assert ticket.priority == "red"
    assert ticket.priority_rank == 0
    assert timers(ticket)["resolution"].due_at == datetime(2026, 1, 6, 15, 0, tzinfo=UTC)
    event = TicketEvent.objects.get(ticket=ticket, kind="priority_changed")
    assert (event.old, event.new) == ({"priority": "yellow"}, {"priority": "red"})
    assert event.actor_agent == engineer.agent
    assert event.channel == "console"


def test_pending_pauses_resolution_and_the_customer_reply_resumes_it(rk):
    open_ticket, engineer, customer = rk
    ticket = open_ticket("red")

    ticket_reply(ticket=ticket, actor=engineer, body="Can you send a screenshot?",
                 change=Change(status="pending"), expected_version=ticket.version,
                 now=T0 + H)
    paused = timers(Ticket.objects.get(pk=ticket.pk))["resolution"]
    ticket_customer_reply(ticket=ticket, actor=customer, body="Here", now=T0 + 3 * H)
    ticket.refresh_from_db()

    assert paused.state == "paused"
    assert ticket.status == "open"  # RK: a customer reply moves Pending to Open
    resolution = timers(ticket)["resolution"]
    assert resolution.state == "running"
    assert resolution.paused_seconds == 2 * 3600
    # One business day plus the two paused hours: Tuesday 11:00 Central.
    assert resolution.due_at == datetime(2026, 1, 6, 17, 0, tzinfo=UTC)


def test_reply_with_pending_in_one_action_meets_first_response(rk):
    """Zammad#3551."""
    open_ticket, engineer, _ = rk
    ticket = open_ticket("red")

    ticket_reply(ticket=ticket, actor=engineer, body="Looking", change=Change(status="pending"),
                 expected_version=ticket.version, now=T0 + H)

    first = timers(Ticket.objects.get(pk=ticket.pk))["first_response"]
    assert first.state == "met"
    assert first.met_at == T0 + H


def test_internal_note_is_not_a_first_response(rk):
    open_ticket, engineer, _ = rk
    ticket = open_ticket("red")

    ticket_note(ticket=ticket, actor=engineer, body="Checking logs",
                expected_version=ticket.version, now=T0 + H)

    assert timers(Ticket.objects.get(pk=ticket.pk))["first_response"].state == "running"
    assert Message.objects.get(ticket=ticket, visibility="internal").body == "Checking logs"


def test_logged_call_is_a_first_touch(rk):
    """RK-1: an agent may ask for a call, logged on the ticket; RL-2 counts it as first touch."""
    open_ticket, engineer, _ = rk
    ticket = open_ticket("red")

    ticket_log_call(ticket=ticket, actor=engineer, summary="Screen share, found the cause",
                    expected_version=ticket.version, now=T0 + H)

    assert timers(Ticket.objects.get(pk=ticket.pk))["first_response"].state == "met"


def test_two_agents_editing_the_same_version_conflict(rk):
    open_ticket, engineer, _ = rk
    ticket = open_ticket()
    loaded = ticket.version

    ticket_update(ticket=ticket, actor=engineer, change=Change(priority="red"),
                  expected_version=loaded, now=T0 + H)
    with pytest.raises(Conflict) as raised:
        ticket_update(ticket=ticket, actor=engineer, change=Change(priority="blue"),
                      expected_version=loaded, now=T0 + H)

    assert raised.value.field == "version"
    assert Ticket.objects.get(pk=ticket.pk).priority == "red"


def test_closed_is_final(rk):
    open_ticket, engineer, customer = rk
    ticket = open_ticket()
    ticket = ticket_update(ticket=ticket, actor=engineer, change=Change(status="closed"),
                           expected_version=ticket.version, now=T0 + H)

    with pytest.raises(Conflict):
        ticket_update(ticket=ticket, actor=engineer, change=Change(status="open"),
                      expected_version=ticket.version, now=T0 + 2 * H)
    with pytest.raises(Conflict):
        ticket_customer_reply(ticket=ticket, actor=customer, body="Hello?", now=T0 + 2 * H)
    with pytest.raises(Conflict):
        ticket_reopen(ticket=ticket, actor=customer, now=T0 + 2 * H)


def test_customer_reply_on_solved_reopens_and_solved_time_does_not_count(rk):
    """RK-7: Solved, the customer may reopen; osTicket#5955: no old breach fires at once."""
    open_ticket, engineer, customer = rk
    ticket = open_ticket("red")
    ticket = ticket_reply(ticket=ticket, actor=engineer, body="Fixed", change=Change(
        status="solved"), expected_version=ticket.version, now=T0 + H).ticket

    # Reopened three business days later, long after the original due instant.
    later = datetime(2026, 1, 9, 15, 0, tzinfo=UTC)
    ticket_customer_reply(ticket=ticket, actor=customer, body="Broken again", now=later)
    ticket.refresh_from_db()

    assert ticket.status == "open"
    resolution = timers(ticket)["resolution"]
    assert resolution.state == "running"
    assert resolution.used_seconds == 3600
    kinds = list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "id")
                 .values_list("kind", flat=True))
    assert kinds[-2:] == ["reopened", "customer_reply"]


def test_only_solved_tickets_reopen(rk):
    open_ticket, _, customer = rk
    ticket = open_ticket()

    with pytest.raises(Conflict):
        ticket_reopen(ticket=ticket, actor=customer, now=T0 + H)


def test_exclusion_reason_takes_resolution_out_without_a_breach(rk):
    """RK-4: waiting on other parties."""
    open_ticket, engineer, _ = rk
    ticket = open_ticket("red")

    ticket = ticket_set_exclusion(ticket=ticket, actor=engineer, reason="waiting_on_parties",
                                  active=True, expected_version=ticket.version, now=T0 + H)
    much_later = T0 + timedelta(days=10)
    ticket = ticket_note(ticket=ticket, actor=engineer, body="still waiting",
                         expected_version=ticket.version, now=much_later).ticket

    resolution = timers(ticket)["resolution"]
    assert resolution.state == "excluded"
    assert resolution.breached_by_minutes is None


def test_unknown_exclusion_reason_names_the_field(rk):
    open_ticket, engineer, _ = rk
    ticket = open_ticket()

    with pytest.raises(InvalidInput) as raised:
        ticket_set_exclusion(ticket=ticket, actor=engineer, reason="felt_like_it", active=True,
                             expected_version=ticket.version, now=T0)

    assert raised.value.field == "reason"


def test_contacts_cannot_make_agent_changes(rk):
    open_ticket, _, customer = rk
    ticket = open_ticket()

    with pytest.raises(PermissionDenied):
        ticket_update(ticket=ticket, actor=customer, change=Change(priority="red"),
                      expected_version=None, now=T0)
    with pytest.raises(PermissionDenied):
        ticket_note(ticket=ticket, actor=customer, body="sneaky", expected_version=None, now=T0)


def test_pr6_escalation_request_is_recorded_once():
    org = organisation(PR, timezone="Europe/Berlin", country="DE")
    requester = contact(org)
    customer = Actor(channel="widget", contact=requester)
    ticket = ticket_create(new=NewTicket(organisation=org, requester=requester,
                                         subject="Import fails", description="x",
                                         channel="widget"), now=T0)

    ticket = ticket_request_escalation(ticket=ticket, actor=customer, reason="Blocking payroll",
                                       now=T0 + H)
    again = ticket_request_escalation(ticket=ticket, actor=customer, reason="Still blocking",
                                      now=T0 + 2 * H)

    assert again.escalation_requested_at == T0 + H
    assert TicketEvent.objects.filter(ticket=ticket, kind="escalation_requested").count() == 1


def test_every_change_is_in_the_event_log_with_actor_and_channel(rk):
    open_ticket, engineer, _ = rk
    ticket = open_ticket()
    new_agent = agent()

    ticket_update(ticket=ticket, actor=engineer, change=Change(
        status="open", assignee=new_agent, tags=["billing", "billing", "urgent"]),
        expected_version=ticket.version, now=T0 + H)

    events = {e.kind: e for e in TicketEvent.objects.filter(ticket=ticket)}
    assert events["assigned"].new == {"assignee": new_agent.pk}
    assert events["status_changed"].old == {"status": "new"}
    assert events["tags_changed"].new == {"tags": ["billing", "urgent"]}
    assert all(e.at == T0 + H for k, e in events.items() if k != "created")


@pytest.fixture
def fg_held():
    org = organisation(FG, timezone="America/Chicago", country="US")
    primary = contact(org, role="primary", login=True)
    stranger = contact(org)
    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=stranger, subject="Fax down", description="x",
        channel="portal", priority="medium"), now=T0)
    return ticket, Actor(channel="portal", contact=primary), stranger


def test_fg10_primary_contact_confirms_and_the_clock_starts_then(fg_held):
    ticket, primary, stranger = fg_held
    confirmed_at = T0 + 3 * H

    ticket = ticket_authorise(ticket=ticket, actor=primary, approve=True, now=confirmed_at)

    assert ticket.hold == ""
    first = timers(ticket)["first_response"]
    assert first.state == "running"
    # FG-7: callback within 2 business hours of the confirmation (12:00 -> 14:00 Central).
    assert first.due_at == confirmed_at + 2 * H
    grant = AccessGrant.objects.get(contact=stranger)
    assert grant.state == AccessGrant.State.CONFIRMED
    assert grant.decided_by == primary.contact


def test_fg10_rejected_request_is_closed_and_kept(fg_held):
    ticket, primary, stranger = fg_held

    ticket = ticket_authorise(ticket=ticket, actor=primary, approve=False, now=T0 + H)

    assert ticket.status_category == "closed"
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert AccessGrant.objects.get(contact=stranger).state == AccessGrant.State.REJECTED


def test_fg10_only_the_primary_contact_may_authorise(fg_held):
    ticket, _, stranger = fg_held

    with pytest.raises(PermissionDenied):
        ticket_authorise(ticket=ticket, actor=Actor(channel="portal", contact=stranger),
                         approve=True, now=T0)
