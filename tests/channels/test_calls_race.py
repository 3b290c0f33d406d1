"""Two voicemails of one caller on one line arriving together open one ticket, not two: the
second is appended to the first's ticket (FG-4, docs/calls.md "A caller who calls again").
Both callbacks run at once on their own database connections, and both are held until each
has looked for the caller's open ticket and found none, the race a lock must settle: the
creating transaction looks again under a lock on the caller's row (SQLite: its one write
lock). The same callback posted twice at once is stored once (``(provider, call_id)``
unique) and makes one ticket."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from pledgedesk.channels import calls
from pledgedesk.channels.calls import call_receive
from pledgedesk.channels.models import InboundCall
from pledgedesk.tickets.models import Ticket
from tests.channels.calls_helpers import FG, IN_HOURS, OURS, connect_lines, phone, report, signed
from tests.factories import contact, organisation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def lines(settings, tmp_path):
    connect_lines(settings, tmp_path)


@pytest.fixture
def caller():
    org = organisation(FG, plans=["24x7"], timezone="America/Chicago", country="US")
    person = contact(org, authorised=True)
    phone(person, "+19525550100")
    return person


def _together(call_ids: list[str]) -> list:
    """``call_receive`` for each call id, each on its own thread and connection, at once."""
    start = threading.Barrier(len(call_ids))
    outcomes, errors = [], []

    def receive(call_id):
        try:
            start.wait(timeout=30)
            request = signed(report(call_id), at=IN_HOURS)
            outcomes.append(call_receive(provider=OURS, request=request, now=IN_HOURS))
        except Exception as exc:  # reported below, with the thread's own error
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=receive, args=(c,)) for c in call_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(outcomes) == len(call_ids)
    return outcomes


@pytest.fixture
def both_look_first(monkeypatch):
    """Each thread's first look for the caller's open ticket (before it opens one) waits
    until the other thread has looked too: both find none."""
    looked = threading.Barrier(2)
    seen = threading.local()
    original = calls.call_ticket_open

    def look(**kwargs):
        found = original(**kwargs)
        if not getattr(seen, "once", False):
            seen.once = True
            looked.wait(timeout=30)
        return found

    monkeypatch.setattr(calls, "call_ticket_open", look)
    return looked


def test_two_voicemails_at_once_open_one_ticket(caller, both_look_first):
    outcomes = _together(["race-1", "race-2"])

    assert sorted(o.outcome for o in outcomes) == ["appended", "created"]
    assert len({o.ticket for o in outcomes}) == 1
    ticket = Ticket.objects.get()
    assert ticket.requester == caller
    assert ticket.messages.count() == 2  # the first voicemail's description, then the second
    assert sorted(InboundCall.objects.values_list("state", "ticket__number")) == [
        ("appended", ticket.number), ("created", ticket.number)]
    assert not both_look_first.broken


def test_the_same_callback_twice_at_once_makes_one_call_and_one_ticket(caller):
    outcomes = _together(["same-call", "same-call"])

    created, duplicate = sorted(outcomes, key=lambda o: o.outcome)
    assert (created.outcome, duplicate.outcome) == ("created", "duplicate")
    # The repeat is answered at once: with the ticket, or while the first is still at work.
    assert duplicate.ticket in (created.ticket, None)
    assert InboundCall.objects.get().ticket.number == created.ticket
    assert Ticket.objects.count() == 1
