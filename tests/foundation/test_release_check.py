"""The judge of ``benchmarks/release_check.py``'s load-and-kill run, against a real database:
it passes what the services stored as acknowledged, and it catches a lost, duplicated, refused-
yet-stored or never-sent write, and a ticket without its timers. (The run itself starts servers
for minutes: it is run by hand before a release, not here.)"""

from __future__ import annotations

import importlib.util
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from pledgedesk.tickets.models import SlaTimer
from pledgedesk.tickets.services import (
    Actor,
    Change,
    NewTicket,
    ticket_create,
    ticket_note,
    ticket_update,
)
from tests.factories import T0, agent, contact, organisation

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "release_check.py"
_spec = importlib.util.spec_from_file_location("release_check", SCRIPT)
release_check = importlib.util.module_from_spec(_spec)
sys.modules["release_check"] = release_check  # its dataclasses look their module up
_spec.loader.exec_module(release_check)

RUN = "0badf00d"


def marker(n: int) -> str:
    return f"rc{RUN}w{n}"


def stored_desk():
    """Three writes as the API would make them: a ticket, a note, a topic change."""
    org = organisation("crm-severity-colours")
    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=contact(org, role="administrator"),
        subject=f"{marker(0)} load check", description="x", channel="portal",
        priority="yellow"), now=T0)
    actor = Actor(channel="api", agent=agent())
    note = ticket_note(ticket=ticket, actor=actor, body=f"{marker(1)} says hello.",
                       expected_version=None, now=T0 + timedelta(minutes=1))
    ticket_update(ticket=ticket, actor=actor, change=Change(topic=marker(2)),
                  expected_version=None, now=T0 + timedelta(minutes=2))
    return ticket, note


def write(kind, n, verdict, number, message=None):
    return {"kind": kind, "marker": marker(n), "verdict": verdict, "number": number,
            "message": message, "status": 201}


def judged(writes):
    failures: list[str] = []
    stored = release_check._stored(release_check.re.compile(rf"rc{RUN}w\d+"), RUN)
    counts = release_check._check_writes(writes, stored, failures)
    counts.update(release_check._check_order(failures))
    counts.update(release_check._check_timers(failures))
    return counts, failures


@pytest.mark.django_db
def test_what_was_acknowledged_and_stored_once_passes():
    ticket, note = stored_desk()

    counts, failures = judged([
        write("create", 0, "ack", ticket.number), write("note", 1, "ack", ticket.number, note.pk),
        write("patch", 2, "ack", ticket.number), write("reply", 3, "unknown", None),
    ])

    assert failures == []
    assert counts["create ack stored"] == counts["note ack stored"] == 1
    assert counts["patch ack stored"] == 1
    assert counts["tickets with wrong timers"] == 0


@pytest.mark.django_db
def test_lost_refused_unsent_and_unknown_writes_are_failures():
    ticket, note = stored_desk()

    _, failures = judged([
        write("create", 0, "refused", None),  # refused, yet stored
        write("note", 1, "ack", ticket.number, note.pk + 1),  # answered as another message
        write("reply", 4, "ack", ticket.number, 999),  # acknowledged, never stored
        # marker 2 (the topic) is stored but no client sent it
    ])

    text = "\n".join(failures)
    assert "refused, yet stored 1 time(s)" in text
    assert f"answered as {note.pk + 1}" in text
    assert "acknowledged but not stored" in text
    assert f"topic {marker(2)} is stored but no client sent it" in text


@pytest.mark.django_db
def test_a_ticket_missing_a_timer_is_a_failure():
    ticket, _ = stored_desk()
    SlaTimer.objects.filter(ticket=ticket).first().delete()

    counts, failures = judged([write("create", 0, "ack", ticket.number),
                               write("note", 1, "unknown", None),
                               write("patch", 2, "unsent", None)])

    assert counts["tickets with wrong timers"] == 1
    assert any(f"ticket {ticket.number}: timers" in f for f in failures)
    assert any("unsent, yet stored 1 time(s)" in f for f in failures)
