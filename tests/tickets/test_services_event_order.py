"""A ticket's history is in the same order by id and by instant (issue 13: on SQLite under load,
events went back by up to 60 ms in id order). A door reads its clock before the service waits
for the ticket's lock, so the service records the change at the later of that instant and the
ticket's last change."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from django.db import connections

from pledgedesk.tickets.models import Ticket, TicketEvent
from pledgedesk.tickets.services import Actor, NewTicket, ticket_create, ticket_note, ticket_reply
from tests.factories import T0, agent, contact, organisation

RK = "crm-severity-colours"


def opened(org):
    return ticket_create(new=NewTicket(
        organisation=org, requester=contact(org, role="administrator"), subject="Race",
        description="x", channel="portal", priority="yellow"), now=T0)


def instants_in_id_order(ticket) -> list:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("id")
                .values_list("at", flat=True))


@pytest.mark.django_db
def test_a_writer_whose_clock_was_read_before_the_last_change_records_after_it():
    org = organisation(RK)
    ticket = opened(org)
    actor = Actor(channel="web", agent=agent())
    ticket_note(ticket=ticket, actor=actor, body="first", expected_version=None,
                now=T0 + timedelta(minutes=10))

    # This request read its clock at 09:05, then waited while the note above was written.
    message = ticket_reply(ticket=ticket, actor=actor, body="second", expected_version=None,
                           now=T0 + timedelta(minutes=5))

    at = instants_in_id_order(ticket)
    assert at == sorted(at)
    assert at[-1] == T0 + timedelta(minutes=10)
    assert message.created_at == T0 + timedelta(minutes=10)
    assert Ticket.objects.get(pk=ticket.pk).updated_at == T0 + timedelta(minutes=10)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_a_history_ordered_by_id_and_instant():
    org = organisation(RK)
    ticket = opened(org)
    engineers = [agent() for _ in range(6)]
    # Each writer's clock was read at a different instant, in no relation to the order in
    # which they will get the lock.
    offsets = random.Random(7).sample(range(1, 600), len(engineers))
    start = threading.Barrier(len(engineers))
    errors: list[BaseException] = []

    def write(engineer, seconds):
        try:
            start.wait(timeout=10)
            ticket_note(ticket=ticket, actor=Actor(channel="web", agent=engineer),
                        body=f"at +{seconds}s", expected_version=None,
                        now=T0 + timedelta(seconds=seconds))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=pair) for pair in zip(engineers, offsets,
                                                                        strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    at = instants_in_id_order(ticket)
    assert len(at) == 1 + len(engineers)
    assert at == sorted(at)
