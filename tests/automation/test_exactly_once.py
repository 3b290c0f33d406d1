"""Each warning and breach is recorded once per (ticket, metric, cycle), and each escalation
step runs once, however many sweeps or workers race (a unique key, never check-then-insert)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections

from pledgedesk import clock
from pledgedesk.automation import sweep
from pledgedesk.automation.models import SlaCrossing, StepRun, SweepMark
from pledgedesk.automation.services import escalation_step_run, sweep_sla
from pledgedesk.automation.tasks import sweep_sla_every_minute
from pledgedesk.outbox.models import Delivery
from pledgedesk.sla import Timer, TimerState
from pledgedesk.tickets.models import TicketEvent
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.automation.helpers import agent, escalation_mail
from tests.factories import contact, organisation
from tests.outbox.helpers import drain

M = timedelta(minutes=1)
MONDAY_9_ET = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
# RL-2: first touch within 2 business hours, warned 30 minutes before: 10:30 ET, late 11:00.
WARNED, LATE = MONDAY_9_ET + 91 * M, MONDAY_9_ET + 121 * M


def tickets(n: int, *, assignee=None) -> list:
    org = organisation("ecommerce-platform")
    requester = contact(org)
    made = []
    for _ in range(n):
        ticket = ticket_create(new=NewTicket(organisation=org, requester=requester,
                                             subject="Down", description="x", channel="portal",
                                             priority="critical"), now=MONDAY_9_ET)
        if assignee is not None:
            type(ticket).objects.filter(pk=ticket.pk).update(assignee=assignee)
        made.append(ticket)
    return made


def recorded(kind: str) -> int:
    return TicketEvent.objects.filter(kind=kind).count()


@pytest.mark.django_db
def test_repeated_and_overlapping_sweeps_record_each_crossing_once():
    made = tickets(3)
    first = sweep_sla(now=WARNED)
    again = sweep_sla(now=WARNED)
    # A sweep that crashed before moving its mark, or overlapped another: the same window.
    SweepMark.objects.update(swept_to=WARNED - 30 * M)
    late = sweep_sla(now=WARNED + M)

    assert (first.warnings, again.warnings, late.warnings) == (3, 0, 0)
    assert recorded("sla_warning") == 3
    assert SlaCrossing.objects.count() == 3
    assert sweep_sla(now=LATE).breaches == 3
    SweepMark.objects.update(swept_to=MONDAY_9_ET)
    assert sweep_sla(now=LATE + M).breaches == 0
    assert recorded("sla_breached") == 3
    assert {e.ticket_id for e in TicketEvent.objects.filter(kind="sla_breached")} == {
        t.pk for t in made}


@pytest.mark.django_db
def test_the_sweep_moves_its_mark_forward_only():
    tickets(1)
    sweep_sla(now=WARNED)
    sweep_sla(now=WARNED - 10 * M)  # a sweep that started earlier and finished later
    assert SweepMark.objects.get().swept_to == WARNED


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_on_separate_connections_record_each_breach_once():
    tickets(4)
    sweep_sla(now=WARNED)
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            results.append(sweep_sla(now=LATE))
        except Exception as exc:  # reported below, with the thread's result
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(r.breaches for r in results) in ([0, 4], [1, 3], [2, 2])
    assert sum(r.breaches for r in results) == 4
    assert recorded("sla_breached") == 4


@pytest.mark.django_db
def test_an_escalation_step_delivered_twice_runs_once():
    erin = agent("Erin Engineer")
    ticket, = tickets(1, assignee=erin)
    sweep_sla(now=WARNED)
    drain(now=WARNED)
    row = Delivery.objects.get(topic="escalation.step", key__endswith=":1")

    again = escalation_step_run(key=row.key, payload=row.payload, now=WARNED + M)

    assert again == "done"
    assert StepRun.objects.filter(key=row.key).count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, kind="escalation_step",
                                      new__step=1).count() == 1
    assert len(escalation_mail()) == 1


def timer(**fields) -> Timer:
    base = {"metric": "first_response", "state": TimerState.RUNNING, "reason": "r",
            "started_at": MONDAY_9_ET, "target": timedelta(hours=2),
            "warn_at": MONDAY_9_ET + 90 * M, "late_at": MONDAY_9_ET + 120 * M}
    return Timer(**{**base, **fields})


def test_a_target_no_longer_than_its_warning_never_warns():
    # The engine puts such a warning at the clock's start: firing it would escalate a ticket
    # the moment it arrives (django-helpdesk#8).
    short = timer(target=timedelta(minutes=30), warn_at=MONDAY_9_ET)
    found = sweep.crossings({"first_response": short},
                            warn_before={"first_response": timedelta(hours=1)},
                            since=MONDAY_9_ET - M, now=MONDAY_9_ET + M)
    assert found == []


def test_only_instants_inside_the_window_cross():
    warned = timer()
    kwargs = {"warn_before": {"first_response": timedelta(minutes=30)}}
    assert sweep.crossings({"first_response": warned}, since=MONDAY_9_ET + 89 * M,
                           now=MONDAY_9_ET + 91 * M, **kwargs)[0].kind == "warning"
    assert sweep.crossings({"first_response": warned}, since=MONDAY_9_ET + 90 * M,
                           now=MONDAY_9_ET + 95 * M, **kwargs) == []
    late = timer(state=TimerState.BREACHED)
    kinds = [c.kind for c in sweep.crossings({"first_response": late},
                                             since=MONDAY_9_ET + 80 * M,
                                             now=MONDAY_9_ET + 121 * M, **kwargs)]
    assert kinds == ["warning", "breach"]
    paused = timer(state=TimerState.PAUSED)
    assert sweep.crossings({"first_response": paused}, since=MONDAY_9_ET,
                           now=MONDAY_9_ET + 200 * M, **kwargs) == []


@pytest.mark.django_db
def test_the_worker_task_reads_the_clock_once_and_sweeps():
    tickets(1)
    with clock.use(clock.FixedClock(WARNED)):
        assert sweep_sla_every_minute.call_local() == {"candidates": 1, "warnings": 1,
                                                       "breaches": 0}
    assert SweepMark.objects.get().swept_to == WARNED
