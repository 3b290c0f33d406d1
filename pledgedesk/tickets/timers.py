"""Persisted SLA timers: the event log replayed through the pure SLA engine.

``timers_recompute`` runs inside the transaction of every ticket change, so the ``SlaTimer``
rows always agree with the ticket's history under the policy version it was opened under.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import connection

from pledgedesk import rowsql, sla
from pledgedesk.policy.errors import PolicyInputError
from pledgedesk.rowput import rows_insert
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import SlaTimer, Ticket, TicketEvent, remember_related
from pledgedesk.versions.policies import policy_for

HELD_REASON = "awaiting authorisation by the primary contact: no clock runs until confirmed"


def sla_events(ticket: Ticket, events: list[TicketEvent]) -> list[sla.Event]:
    """The SLA engine's view of a ticket's history: the kinds ``EventKind`` marks ``sla``. A
    held ticket (FG-10) starts its clocks when it is authorised, not when the unauthorised
    request arrived."""
    out: list[sla.Event] = []
    for event in events:
        kind = EventKind.of(event.kind)
        if kind is None or not kind.sla:
            continue
        new = event.new or {}
        if kind is EventKind.AUTHORISED or (
            kind is EventKind.CREATED and new.get("hold") != Ticket.Hold.AWAITING_AUTHORISATION
        ):
            out.append(_created(new, event.at))
        elif out and kind in CLOCK_EVENTS:  # nothing counts before the clocks start (FG-10)
            mapped = CLOCK_EVENTS[kind](event.at, new)
            if mapped is not None:
                out.append(mapped)
    return out


def _assigned(at: datetime, new: dict) -> sla.Event | None:
    agent = new.get("assignee")
    return None if agent is None else sla.Assigned(at=at, agent=str(agent))


# The engine event for each SLA-relevant kind once the clocks run (``created`` and
# ``authorised`` start them; see sla_events).
CLOCK_EVENTS = {
    EventKind.PRIORITY_CHANGED: lambda at, new: sla.PriorityChanged(
        at=at, priority=new["priority"]),
    EventKind.STATUS_CHANGED: lambda at, new: sla.StatusChanged(at=at, status=new["status"]),
    EventKind.REOPENED: lambda at, new: sla.Reopened(at=at),
    EventKind.ASSIGNED: _assigned,
    EventKind.PUBLIC_REPLY: lambda at, new: sla.AgentReply(at=at, public=True),
    EventKind.INTERNAL_NOTE: lambda at, new: sla.InternalNote(at=at),
    EventKind.CUSTOMER_REPLY: lambda at, new: sla.CustomerReply(at=at),
    EventKind.CALL_LOGGED: lambda at, new: sla.CallLogged(at=at),
    EventKind.EXCLUSION_SET: lambda at, new: sla.ExclusionSet(at=at, reason=new["reason"]),
    EventKind.EXCLUSION_CLEARED: lambda at, new: sla.ExclusionCleared(
        at=at, reason=new["reason"]),
}


# The stored kinds ``sla_events`` reads (``EventKind.sla``); the others never reach the engine.
SLA_KINDS = tuple(str(kind) for kind in EventKind if kind.sla)


def _created(new: dict, at: datetime) -> sla.Created:
    return sla.Created(
        at=at, channel=new["channel"], priority=new["priority"], plan=new["plan"],
        opened_by_agent=bool(new.get("opened_by_agent")), imported=bool(new.get("imported")),
        status=new.get("status"),
    )


def timers_recompute(ticket: Ticket, *, now: datetime) -> list[SlaTimer]:
    """Bring the ticket's timers to the engine's verdict as of ``now``. Only the events the
    engine reads are read, as plain rows (issue 20: building every event of a 500-event
    ticket as a model, notes and attachments included, doubled what a reply cost), and only
    the timers whose verdict changed are written, in place, in one statement; a metric the
    verdict no longer has is deleted, a new one inserted. Both reads and the writes use
    statements built once (``rowsql``): the ORM compiled them again for every change."""
    rows = _verdict(ticket, _sla_facts(ticket.pk), now)
    stored = _stored_timers(ticket.pk)
    changed, fresh = [], []
    for row in rows:
        old = stored.pop(row.metric, None)
        if old is None:
            fresh.append(row)
            continue
        row.pk, row._state.adding, row._state.db = old[0], False, "default"
        if old[1:] != tuple(getattr(row, name) for name in _TIMER_VALUES):
            changed.append(row)
    if stored:
        _delete_timers([pk for pk, *_ in stored.values()])
    _update_timers(changed)
    rows_insert(fresh)
    return rows


# The columns a verdict sets (besides the ticket and the metric, which identify a row).
_TIMER_VALUES = ("state", "due_at", "late_at", "goal_at", "warn_at", "met_at",
                 "breached_by_minutes", "used_seconds", "paused_seconds", "reason")


def _sla_facts(ticket_id: int) -> list[_Fact]:
    """``ticket.events.filter(kind__in=SLA_KINDS).order_by("at", "id")`` as ``_Fact`` rows."""
    sql = rowsql.statement(("timers.facts", len(SLA_KINDS)), lambda q: (
        f"SELECT {q.name(TicketEvent, 'kind')}, {q.name(TicketEvent, 'at')}, "  # noqa: S608
        f"{q.name(TicketEvent, 'new')} FROM {q.table(TicketEvent)} "
        f"WHERE {q.name(TicketEvent, 'ticket')} = %s "
        f"AND {q.name(TicketEvent, 'kind')} IN ({rowsql.holes(len(SLA_KINDS))}) "
        f"ORDER BY {q.name(TicketEvent, 'at')}, {q.name(TicketEvent, 'id')}"))
    at, new = _event_converters(connection.alias)
    return [_Fact(kind, at(when), new(facts))
            for kind, when, facts in rowsql.fetch(sql, [ticket_id, *SLA_KINDS])]


def _stored_timers(ticket_id: int) -> dict[str, tuple]:
    """The ticket's stored timers: metric -> (pk, *the values of ``_TIMER_VALUES``)."""
    sql = rowsql.statement(("timers.stored",), lambda q: (
        f"SELECT {q.name(SlaTimer, 'id')}, {q.name(SlaTimer, 'metric')}, "  # noqa: S608
        + ", ".join(q.name(SlaTimer, name) for name in _TIMER_VALUES)
        + f" FROM {q.table(SlaTimer)} WHERE {q.name(SlaTimer, 'ticket')} = %s"))
    convert = _timer_converters(connection.alias)
    return {metric: (pk, *(f(v) for f, v in zip(convert, values, strict=True)))
            for pk, metric, *values in rowsql.fetch(sql, [ticket_id])}


def _update_timers(rows: list[SlaTimer]) -> None:
    """Write ``rows``' values over their stored rows, by id, in one statement: each column
    set by a ``CASE`` over the ids (typed on PostgreSQL, where a parameter has no type)."""
    if not rows:
        return
    sql = rowsql.statement(("timers.update", len(rows)), lambda q: (
        f"UPDATE {q.table(SlaTimer)} SET "  # noqa: S608
        + ", ".join(f"{q.name(SlaTimer, name)} = CASE {q.name(SlaTimer, 'id')} "
                    + " ".join([f"WHEN %s THEN {q.typed(SlaTimer, name)}"] * len(rows)) + " END"
                    for name in _TIMER_VALUES)
        + f" WHERE {q.name(SlaTimer, 'id')} IN ({rowsql.holes(len(rows))})"))
    params = []
    for name in _TIMER_VALUES:
        for row in rows:
            params += [row.pk, rowsql.saved(SlaTimer, name, getattr(row, name))]
    rowsql.execute(sql, [*params, *(row.pk for row in rows)])


def _delete_timers(ids: list[int]) -> None:
    sql = rowsql.statement(("timers.delete", len(ids)), lambda q: (
        f"DELETE FROM {q.table(SlaTimer)} "  # noqa: S608
        f"WHERE {q.name(SlaTimer, 'id')} IN ({rowsql.holes(len(ids))})"))
    rowsql.execute(sql, ids)


@functools.cache
def _event_converters(_alias: str) -> tuple:
    return rowsql.converter(TicketEvent, "at"), rowsql.converter(TicketEvent, "new")


@functools.cache
def _timer_converters(_alias: str) -> tuple:
    return tuple(rowsql.converter(SlaTimer, name) for name in _TIMER_VALUES)


def timers_first(ticket: Ticket, events: list[TicketEvent], *, now: datetime) -> list[SlaTimer]:
    """The first timers of a ticket being created now, from its first ``events`` (in order),
    as unsaved rows: the engine's verdict needs no database, so the creating transaction can
    work it out before it takes any lock."""
    return _verdict(ticket, events, now)


def timers_save_first(ticket: Ticket, rows: list[SlaTimer]) -> list[SlaTimer]:
    """Write ``timers_first``'s rows for the ticket just inserted: nothing to read back or
    replace. The rows are also left on ``ticket.timers.all()``, so showing the new ticket reads
    nothing again."""
    rows_insert(rows)
    remember_related(ticket, "timers", rows)
    return rows


@dataclass(frozen=True)
class _Fact:
    """A stored event as ``sla_events`` reads it, without building the model."""

    kind: str
    at: datetime
    new: dict | None


def _verdict(ticket: Ticket, events: list[TicketEvent], now: datetime) -> list[SlaTimer]:
    return [_row(ticket, timer) for timer in _timers(ticket, events, now).values()]


def _timers(ticket: Ticket, events: list[TicketEvent], now: datetime) -> dict[str, sla.Timer]:
    policy = policy_for(ticket.policy_version)
    history = sla_events(ticket, events)
    org = ticket.organisation
    if not history:
        timers = {
            metric: sla.Timer(metric, sla.TimerState.NOT_APPLICABLE, reason=HELD_REASON)
            for metric in policy.metric_keys
        }
    else:
        where = sla.Ticket(**asdict(org.location)) if org else sla.Ticket()
        try:
            timers = sla.evaluate(policy, where, history, now)
        except PolicyInputError as exc:
            # A history the policy cannot evaluate is a bug in the desk, not the caller's input.
            which = f"ticket {ticket.number}" if ticket.number else "a new ticket"
            raise RuntimeError(f"{which}: {exc}") from exc
    return timers


def _row(ticket: Ticket, timer: sla.Timer) -> SlaTimer:
    return SlaTimer(
        ticket=ticket,
        metric=timer.metric,
        state=str(timer.state),
        due_at=timer.due,
        late_at=timer.late_at,
        goal_at=timer.goal,
        warn_at=timer.warn_at,
        met_at=timer.met_at,
        breached_by_minutes=timer.breached_by_minutes or None,
        used_seconds=math.floor(timer.business_used.total_seconds()),
        paused_seconds=math.floor(timer.business_paused.total_seconds()),
        reason=timer.reason,
    )
