"""The queue's SLA filters are SQL written to agree with ``sla.timer_state_at`` (issue 12).

Stored timer rows of every kind (each stored state, with and without due and warning instants,
late at the due instant or at a later opening, met or not) are read at instants on and around
their boundaries; for each instant the rows the SQL selects must be exactly the rows the pure
function puts in that state. Runs on SQLite and PostgreSQL like the rest of the suite."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection

from pledgedesk.accounts.authorization import Principal
from pledgedesk.errors import InvalidInput
from pledgedesk.sla import TimerState, timer_state_at
from pledgedesk.tickets.models import SlaTimer
from pledgedesk.tickets.selectors import (
    QueueFilter,
    ticket_queue,
    timer_state_is,
    timers_breaching,
)
from tests.pages import FG, NOW, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db

DUE = NOW + timedelta(hours=2)
LATE = DUE + timedelta(hours=15)  # due at a closing time: late after the next opening
WARN = DUE - timedelta(minutes=15)
MET = NOW + timedelta(minutes=5)
US = timedelta(microseconds=1)
INSTANTS = [NOW, WARN - US, WARN, WARN + US, DUE - US, DUE, DUE + US, LATE - US, LATE,
            LATE + US, DUE + timedelta(days=3)]
STORED = ["running", "paused", "met", "breached", "excluded", "not_applicable"]


@pytest.fixture
def timers():
    """One row per combination the engine can store, on one open ticket (its own timers
    replaced)."""
    org = organisation(FG, timezone="America/Chicago", country="US")
    ticket = open_ticket(org, person(org, role="primary"), priority="medium")
    SlaTimer.objects.filter(ticket=ticket).delete()
    rows = []
    dues = ((None, None), (DUE, DUE), (DUE, LATE))  # (due_at, late_at)
    combos = itertools.product(STORED, dues, (None, WARN), (None, MET))
    for n, (state, (due, late), warn, met) in enumerate(combos):
        if state == "running" and met is not None:
            continue  # the engine never stores a running clock as met
        rows.append(SlaTimer(ticket=ticket, metric=f"m{n}", state=state, due_at=due,
                             late_at=late, warn_at=warn, met_at=met))
    SlaTimer.objects.bulk_create(rows)
    return list(SlaTimer.objects.filter(ticket=ticket))


def state_at(timer, now):
    return timer_state_at(stored_state=timer.state, due_at=timer.due_at,
                          late_at=timer.late_at, warn_at=timer.warn_at, now=now)


@pytest.mark.parametrize("state", list(TimerState))
def test_the_sla_state_filter_selects_what_the_pure_function_says(timers, state):
    for now in INSTANTS:
        expected = {t.pk for t in timers if state_at(t, now) == state}

        selected = set(SlaTimer.objects.filter(timer_state_is(state, now))
                       .values_list("pk", flat=True))

        assert selected == expected, now


def test_every_row_is_in_exactly_one_state_at_every_instant(timers):
    for now in INSTANTS:
        counts = [SlaTimer.objects.filter(timer_state_is(state, now)).count()
                  for state in TimerState]
        assert sum(counts) == len(timers)


def expected_breaching(timers, now, within, include_breached):
    """Unmet timers running or warning and due by ``now + within`` (also when their due
    instant has passed but they are not late yet); with ``include_breached`` also those
    breached at ``now`` and not met."""
    out = set()
    for t in timers:
        state = state_at(t, now)
        due_soon = state in ("running", "warning") and t.due_at is not None \
            and t.due_at <= now + within
        late = include_breached and state == "breached" and t.met_at is None \
            and t.late_at is not None
        if due_soon or late:
            out.add(t.pk)
    return out


@pytest.mark.parametrize("include_breached", [True, False])
def test_breaching_selects_unmet_timers_due_soon_and_those_already_breached(
        timers, include_breached):
    me = Principal(agent=staff())
    for now in INSTANTS:
        for within in (timedelta(0), timedelta(minutes=30), timedelta(hours=16)):
            found = timers_breaching(principal=me, now=now, within=within,
                                     include_breached=include_breached)

            assert {t.pk for t in found} == expected_breaching(
                timers, now, within, include_breached), (now, within)


def plans(action) -> list[str]:
    """The query plans of the statements ``action`` runs, for their parameters as sent
    (SQLite matches a partial index only against literals in the SQL, not parameters)."""
    sent = []

    def keep(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        action()
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    out = []
    with connection.cursor() as cursor:
        for sql, params in sent:
            cursor.execute(prefix + sql, params)
            out.append("\n".join(" ".join(map(str, row)) for row in cursor.fetchall()))
    return out


@pytest.mark.parametrize("include_breached", [True, False])
def test_the_breaching_queries_can_read_the_partial_index_on_late_at(timers, include_breached):
    """The queries are written so that ``sla_timer_unmet_late``'s condition is implied by
    them; with sequential scans priced out (PostgreSQL; SQLite picks it on its own) their
    plans read it. The queue's filter reads it when breached timers are left out (with them,
    it checks each ticket in queue order instead: ``_with_breaching_timer``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    me = Principal(agent=staff())

    [listed] = plans(lambda: list(timers_breaching(principal=me, now=DUE, within=timedelta(
        hours=1), include_breached=include_breached)))
    queue = plans(lambda: ticket_queue(principal=me, cursor=None, limit=25, now=DUE,
                                       filters=QueueFilter(breaching_within=60,
                                                           include_breached=include_breached)))

    assert "sla_timer_unmet_late" in listed, listed
    if not include_breached:
        assert "sla_timer_unmet_late" in queue[-1], queue


def test_breaching_lists_nothing_of_a_closed_ticket(timers):
    from pledgedesk.tickets.models import Ticket

    Ticket.objects.filter(pk=timers[0].ticket_id).update(status="closed",
                                                         status_category="closed")

    found = timers_breaching(principal=Principal(agent=staff()), now=DUE + US,
                             within=timedelta(days=1))

    assert list(found) == []


def test_an_unknown_state_is_a_clear_error_naming_the_filter():
    with pytest.raises(InvalidInput) as raised:
        timer_state_is("late", NOW)

    assert raised.value.field == "sla_state"
