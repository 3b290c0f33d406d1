"""tickets.selectors: the queue order, keyset pages, filters and the breach query."""

from datetime import timedelta

import pytest

from pledgedesk.accounts.authorization import Principal
from pledgedesk.errors import InvalidInput
from pledgedesk.tickets.selectors import (
    QueueFilter,
    ticket_history,
    ticket_messages,
    ticket_queue,
    timers_breaching,
)
from pledgedesk.tickets.services import (
    Actor,
    Change,
    NewTicket,
    ticket_create,
    ticket_note,
    ticket_update,
)
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db
M = timedelta(minutes=1)


@pytest.fixture
def desk():
    org = organisation("crm-named-severities")
    admin = contact(org, role="administrator")
    engineer = agent()

    def open_ticket(priority, at):
        return ticket_create(new=NewTicket(
            organisation=org, requester=admin, subject=f"{priority} at {at}", description="x",
            channel="portal", priority=priority), now=at)

    return open_ticket, Principal(agent=engineer), engineer


def test_rt4_queue_orders_by_severity_then_time_received(desk):
    open_ticket, me, _ = desk
    normal_early = open_ticket("normal", T0)
    urgent_late = open_ticket("urgent", T0 + 10 * M)
    high = open_ticket("high", T0 + 5 * M)
    urgent_early = open_ticket("urgent", T0 + 1 * M)

    page = ticket_queue(principal=me, filters=QueueFilter(), cursor=None, limit=10,
                        now=T0 + 20 * M)

    assert page.tickets == [urgent_early, urgent_late, high, normal_early]
    assert page.next_cursor is None


def test_keyset_pages_cover_the_queue_once_in_order(desk):
    open_ticket, me, _ = desk
    made = [open_ticket(p, T0 + i * M) for i, p in enumerate(
        ["normal", "urgent", "high", "urgent", "normal", "high", "urgent"])]
    expected = sorted(made, key=lambda t: (t.priority_rank, t.received_at, t.pk))

    seen, cursor = [], None
    while True:
        page = ticket_queue(principal=me, filters=QueueFilter(), cursor=cursor, limit=3,
                            now=T0 + 20 * M)
        seen += page.tickets
        cursor = page.next_cursor
        if cursor is None:
            break

    assert seen == expected


def test_filters_combine(desk):
    open_ticket, me, engineer = desk
    mine = open_ticket("urgent", T0)
    ticket_update(ticket=mine, actor=Actor(channel="console", agent=engineer),
                  change=Change(assignee=engineer), expected_version=mine.version, now=T0)
    open_ticket("urgent", T0 + M)

    def queue(**filters):
        return ticket_queue(principal=me, filters=QueueFilter(**filters), cursor=None,
                            limit=10, now=T0 + 2 * M).tickets

    assert [t.pk for t in queue(assignee="me")] == [mine.pk]
    assert len(queue(assignee="unassigned")) == 1
    assert len(queue(priority="urgent")) == 2
    assert queue(priority="normal") == []


def test_closed_tickets_leave_the_queue_unless_asked_for(desk):
    open_ticket, me, engineer = desk
    ticket = open_ticket("high", T0)
    ticket_update(ticket=ticket, actor=Actor(channel="console", agent=engineer),
                  change=Change(status="closed"), expected_version=ticket.version, now=T0)

    def queue(**filters):
        return ticket_queue(principal=me, filters=QueueFilter(**filters), cursor=None,
                            limit=10, now=T0).tickets

    assert queue() == []
    assert len(queue(include_closed=True)) == 1


def test_breaching_query_finds_running_timers_due_soon(desk):
    open_ticket, me, _ = desk
    ticket = open_ticket("urgent", T0)
    due = {t.metric: t.due_at for t in ticket.timers.filter(state="running")}
    soonest = min(due.values())

    found = timers_breaching(principal=me, now=soonest - 30 * M, within=timedelta(hours=1))
    none_yet = timers_breaching(principal=me, now=soonest - 2 * timedelta(hours=1),
                                within=timedelta(hours=1))

    assert soonest in [t.due_at for t in found]
    assert list(none_yet) == []


def test_breaching_query_respects_visibility(desk):
    open_ticket, _, _ = desk
    ticket = open_ticket("urgent", T0)
    outsider = contact(organisation("crm-named-severities"))

    found = timers_breaching(principal=Principal(contact=outsider), now=T0,
                             within=timedelta(days=30))

    assert ticket.timers.exists()
    assert list(found) == []


def test_contacts_get_no_internal_notes_or_internal_events(desk):
    open_ticket, me, engineer = desk
    ticket = open_ticket("high", T0)
    ticket_note(ticket=ticket, actor=Actor(channel="console", agent=engineer), body="secret",
                expected_version=ticket.version, now=T0 + M)
    customer = Principal(contact=ticket.requester)

    assert [m.body for m in ticket_messages(principal=customer, ticket=ticket)] == ["x"]
    assert "secret" in [m.body for m in ticket_messages(principal=me, ticket=ticket)]
    kinds = [e.kind for e in ticket_history(principal=customer, ticket=ticket)]
    assert "internal_note" not in kinds
    assert "internal_note" in [e.kind for e in ticket_history(principal=me, ticket=ticket)]


@pytest.mark.parametrize("cursor", ["garbage", "bm90fGF8Y3Vyc29y", "MXwyMDI2LTAxLTA1fDE"])
def test_a_forged_cursor_is_a_clear_error(desk, cursor):
    _, me, _ = desk

    with pytest.raises(InvalidInput) as raised:
        ticket_queue(principal=me, filters=QueueFilter(), cursor=cursor, limit=10, now=T0)

    assert raised.value.field == "cursor"


def test_page_size_is_bounded(desk):
    _, me, _ = desk

    with pytest.raises(InvalidInput):
        ticket_queue(principal=me, filters=QueueFilter(), cursor=None, limit=1000, now=T0)


def _cursor(raw: str) -> str:
    import base64

    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("raw", [
    "0|0001-01-01T00:00:00+14:00|1",       # an instant before year 1 in UTC
    "0|9999-12-31T23:59:59-14:00|1",       # an instant after year 9999 in UTC
    "99999|2026-01-05T15:00:00+00:00|1",   # a rank no column can hold
    "0|2026-01-05T15:00:00+00:00|0",       # no such id
    "0|2026-01-05T15:00:00+00:00|99999999999999999999",
])
def test_a_cursor_the_database_cannot_compare_is_refused_before_the_query(desk, raw):
    _, me, _ = desk

    with pytest.raises(InvalidInput) as raised:
        ticket_queue(principal=me, filters=QueueFilter(), cursor=_cursor(raw), limit=10, now=T0)

    assert raised.value.field == "cursor"
