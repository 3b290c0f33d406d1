"""Two agents PATCH the same ticket at the same version at once, through the API on separate
connections: one gets 200, the other a 409, and the history holds exactly one change."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from pledgedesk import clock
from pledgedesk.tickets.models import Ticket, TicketEvent
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.api.conftest import RK, Api, token_for
from tests.factories import T0, agent, contact, organisation


@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_at_the_same_version_cannot_both_win(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org = organisation(RK)
    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=contact(org, role="administrator"), subject="Race",
        description="x", channel="portal", priority="yellow"), now=T0)
    apis = [Api(token_for(agent().user)), Api(token_for(agent().user))]
    start = threading.Barrier(2)
    statuses: list[int] = []

    def patch(api, priority):
        try:
            start.wait(timeout=10)
            response = api.patch(f"tickets/{ticket.number}", {"priority": priority,
                                                              "version": ticket.version})
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    with clock.use(clock.FixedClock(T0)):
        threads = [threading.Thread(target=patch, args=(apis[0], "red")),
                   threading.Thread(target=patch, args=(apis[1], "blue"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert sorted(statuses) == [200, 409]
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.version == ticket.version + 1
    changes = TicketEvent.objects.filter(ticket=ticket, kind="priority_changed")
    assert [c.new for c in changes] == [{"priority": fresh.priority}]
