"""Saved views (queues, issue 16): personal vs shared, validated filters, a capped count and
the SLA-due order with its cursor across tickets with and without a timer to meet."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.accounts.authorization import Principal
from pledgedesk.errors import InvalidInput, NotFound, PermissionDenied
from pledgedesk.queues import selectors, services
from pledgedesk.tickets.models import SlaTimer
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db
RK = "crm-severity-colours"


@pytest.fixture
def desk():
    org = organisation(RK)
    return org, contact(org, role="administrator"), agent(name="Ann"), agent(name="Bob")


def make(org, requester, n, **extra):
    return [ticket_create(new=NewTicket(organisation=org, requester=requester,
                                        subject=f"T{i}", description="", channel="portal",
                                        **extra), now=T0 + timedelta(minutes=i))
            for i in range(n)]


def test_personal_views_are_hidden_and_shared_ones_read_only_to_others(desk):
    _, _, ann, bob = desk
    personal = services.view_create(agent=ann, name="Mine", filters={}, now=T0)
    shared = services.view_create(agent=ann, name="Team", filters={}, shared=True, now=T0)

    assert list(selectors.views_visible(agent=bob)) == [shared]
    with pytest.raises(NotFound):
        selectors.view_for(agent=bob, view_id=personal.pk)
    with pytest.raises(PermissionDenied):
        services.view_update(agent=bob, view_id=shared.pk, name="Ours", filters={},
                             sort="queue", columns=[], shared=True, now=T0)
    with pytest.raises(NotFound):
        services.view_delete(agent=bob, view_id=personal.pk)
    services.view_delete(agent=ann, view_id=shared.pk)
    assert list(selectors.views_visible(agent=bob)) == []


@pytest.mark.parametrize(("filters", "field"), [
    ({"colour": "red"}, "filters.colour"), ({"assignee": "someone"}, "filters.assignee"),
    ({"organisation": "x"}, "filters.organisation"), ({"sla_state": "late"}, "filters.sla_state"),
    ({"breaching": "maybe"}, "filters.breaching"), ({"status": "a\x00"}, "filters.status"),
])
def test_bad_filters_name_their_field(desk, filters, field):
    with pytest.raises(InvalidInput) as raised:
        services.view_create(agent=desk[2], name="V", filters=filters, now=T0)
    assert raised.value.field == field


def test_columns_keep_the_queue_order_and_default_when_none(desk):
    view = services.view_create(agent=desk[2], name="V", filters={"breaching": "1"},
                                columns=["sla", "number"], now=T0)
    assert view.columns == ["number", "sla"] and view.filters == {"breaching": True}
    assert services.view_create(agent=desk[2], name="W", filters={}, now=T0).columns


def test_the_count_reads_no_more_than_its_cap(desk):
    org, admin, ann, _ = desk
    make(org, admin, 4)
    view = services.view_create(agent=ann, name="All", filters={}, now=T0)
    principal = Principal(agent=ann)

    assert str(selectors.view_count(principal=principal, view=view, now=T0, cap=10)) == "4"
    assert str(selectors.view_count(principal=principal, view=view, now=T0, cap=3)) == "3+"


def test_sla_due_lists_the_soonest_late_first_then_tickets_with_no_timer_to_meet(desk):
    org, admin, ann, _ = desk
    tickets = make(org, admin, 5)
    # Give each ticket's timers a known late instant, reversed against creation order; the
    # last ticket's are all met, so it follows the others.
    for i, t in enumerate(tickets[:4]):
        SlaTimer.objects.filter(ticket=t).update(
            state="running", met_at=None, due_at=T0 + timedelta(hours=10 - i),
            late_at=T0 + timedelta(hours=10 - i))
    SlaTimer.objects.filter(ticket=tickets[4]).update(met_at=T0, state="met")
    view = services.view_create(agent=ann, name="Due", filters={}, sort="sla_due", now=T0)
    principal = Principal(agent=ann)

    seen, cursor = [], None
    for _ in range(5):
        page = selectors.view_page(principal=principal, view=view, cursor=cursor, limit=2,
                                   now=T0)
        seen += [t.pk for t in page.tickets]
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = [tickets[3].pk, tickets[2].pk, tickets[1].pk, tickets[0].pk, tickets[4].pk]
    assert seen == expected


def test_a_forged_cursor_names_the_field(desk):
    view = services.view_create(agent=desk[2], name="Due", filters={}, sort="sla_due", now=T0)
    for forged in ("nonsense", "cXx8eA", "cXwxfDJ8Mw"):
        with pytest.raises(InvalidInput) as raised:
            selectors.view_page(principal=Principal(agent=desk[2]), view=view, cursor=forged,
                                limit=2, now=T0)
        assert raised.value.field == "cursor"
