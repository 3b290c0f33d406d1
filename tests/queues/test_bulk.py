"""Bulk actions (queues.bulk, issue 16): through ticket_update, each ticket at its own
version: a stale one fails alone; tags are added and removed per ticket."""

from __future__ import annotations

import pytest

from pledgedesk.accounts.authorization import Principal
from pledgedesk.errors import InvalidInput
from pledgedesk.queues.bulk import BulkChange, Row, bulk_apply
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Ticket, TicketEvent
from pledgedesk.tickets.services import Actor, NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db
RK = "crm-severity-colours"


@pytest.fixture
def desk():
    org = organisation(RK)
    admin = contact(org, role="administrator")
    ann = agent(name="Ann", groups=("tier2",))
    tickets = [ticket_create(new=NewTicket(organisation=org, requester=admin, subject=f"T{i}",
                                           description="", channel="portal",
                                           tags=["old", f"t{i}"]), now=T0) for i in range(3)]
    return admin, ann, tickets


def run(ann, tickets, change, versions=None):
    rows = [Row(number=t.number, version=(versions or {}).get(t.pk, t.version)) for t in tickets]
    return bulk_apply(principal=Principal(agent=ann), actor=Actor(channel="web", agent=ann),
                      rows=rows, change=change, now=T0)


def test_one_stale_version_fails_only_its_row(desk):
    _, ann, tickets = desk
    results = run(ann, tickets, BulkChange(group="tier2", add_tags=["vip"],
                                           remove_tags=["old"]),
                  versions={tickets[1].pk: tickets[1].version + 5})

    assert [r.ok for r in results] == [True, False, True]
    assert results[1].code == "conflict" and results[1].field == "version"
    for i in (0, 2):
        fresh = Ticket.objects.get(pk=tickets[i].pk)
        assert fresh.group.key == "tier2" and fresh.tags == [f"t{i}", "vip"]
        assert TicketEvent.objects.filter(ticket=fresh, kind=EventKind.TAGS_CHANGED).exists()
    assert Ticket.objects.get(pk=tickets[1].pk).tags == ["old", "t1"]


def test_assign_unassign_status_and_priority_go_through_the_service(desk):
    _, ann, tickets = desk
    assert all(r.ok for r in run(ann, tickets, BulkChange(assignee=str(ann.pk))))
    assert set(Ticket.objects.values_list("assignee_id", flat=True)) == {ann.pk}
    fresh = list(Ticket.objects.order_by("id"))
    results = run(ann, fresh, BulkChange(assignee="unassigned", status="pending",
                                         priority="red"))
    assert all(r.ok for r in results), results
    assert set(Ticket.objects.values_list("assignee_id", "status", "priority")) == {
        (None, "pending", "red")}


def test_an_unknown_status_fails_each_row_with_the_field(desk):
    _, ann, tickets = desk
    results = run(ann, tickets, BulkChange(status="nonsense"))
    assert {(r.ok, r.field) for r in results} == {(False, "status")}


def test_contacts_and_empty_requests_are_refused(desk):
    admin, ann, tickets = desk
    with pytest.raises(InvalidInput):
        bulk_apply(principal=Principal(contact=admin), actor=Actor(channel="web"),
                   rows=[Row(tickets[0].number, 1)], change=BulkChange(status="open"), now=T0)
    with pytest.raises(InvalidInput):
        run(ann, tickets, BulkChange())
    with pytest.raises(InvalidInput):
        run(ann, [], BulkChange(status="open"))
