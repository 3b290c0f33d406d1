"""Two agents saving the same ticket at once, on real separate connections: one wins, the
other gets a Conflict, and nothing is half-written."""

import threading

import pytest
from django.db import connection, connections

from pledgedesk.errors import Conflict
from pledgedesk.tickets.models import Ticket, TicketEvent
from pledgedesk.tickets.services import Actor, Change, NewTicket, ticket_create, ticket_update
from tests.factories import T0, agent, contact, organisation


@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_at_the_same_version_cannot_both_win():
    org = organisation("crm-named-severities")
    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=contact(org, role="administrator"), subject="Race",
        description="x", channel="portal", priority="normal"), now=T0)
    loaded = ticket.version
    engineers = [agent(), agent()]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def save(engineer, priority):
        try:
            start.wait(timeout=10)
            ticket_update(ticket=ticket, actor=Actor(channel="console", agent=engineer),
                          change=Change(priority=priority), expected_version=loaded, now=T0)
            outcomes.append("saved")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(engineers[0], "urgent")),
               threading.Thread(target=save, args=(engineers[1], "high"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["conflict", "saved"]
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.version == loaded + 1
    changes = TicketEvent.objects.filter(ticket=ticket, kind="priority_changed")
    assert changes.count() == 1
    assert changes.get().new == {"priority": fresh.priority}
    assert connection.vendor in ("sqlite", "postgresql")
