"""Persisted SLA timers: the event log replayed through the pure SLA engine.

``timers_recompute`` runs inside the transaction of every ticket change, so the ``SlaTimer``
rows always agree with the ticket's history under the policy version it was opened under.
"""

from __future__ import annotations

import math
from datetime import datetime

from pledgedesk import sla
from pledgedesk.policy.errors import PolicyInputError
from pledgedesk.tickets.models import SlaTimer, Ticket, TicketEvent, remember_related
from pledgedesk.versions.policies import policy_for

HELD_REASON = "awaiting authorisation by the primary contact: no clock runs until confirmed"


def sla_events(ticket: Ticket, events: list[TicketEvent]) -> list[sla.Event]:
    """The SLA engine's view of a ticket's history. A held ticket (FG-10) starts its clocks
    when it is authorised, not when the unauthorised request arrived."""
    out: list[sla.Event] = []
    for event in events:
        new = event.new or {}
        kind = event.kind
        if kind == "authorised" or (
            kind == "created" and new.get("hold") != Ticket.Hold.AWAITING_AUTHORISATION
        ):
            out.append(_created(new, event.at))
        elif not out:
            continue  # nothing counts before the clocks start (a held request, FG-10)
        elif kind == "priority_changed":
            out.append(sla.PriorityChanged(at=event.at, priority=new["priority"]))
        elif kind == "status_changed":
            out.append(sla.StatusChanged(at=event.at, status=new["status"]))
        elif kind == "reopened":
            out.append(sla.Reopened(at=event.at))
        elif kind == "assigned" and new.get("assignee") is not None:
            out.append(sla.Assigned(at=event.at, agent=str(new["assignee"])))
        elif kind == "public_reply":
            out.append(sla.AgentReply(at=event.at, public=True))
        elif kind == "internal_note":
            out.append(sla.InternalNote(at=event.at))
        elif kind == "customer_reply":
            out.append(sla.CustomerReply(at=event.at))
        elif kind == "call_logged":
            out.append(sla.CallLogged(at=event.at))
        elif kind == "exclusion_set":
            out.append(sla.ExclusionSet(at=event.at, reason=new["reason"]))
        elif kind == "exclusion_cleared":
            out.append(sla.ExclusionCleared(at=event.at, reason=new["reason"]))
    return out


def _created(new: dict, at: datetime) -> sla.Created:
    return sla.Created(
        at=at, channel=new["channel"], priority=new["priority"], plan=new["plan"],
        opened_by_agent=bool(new.get("opened_by_agent")), imported=bool(new.get("imported")),
        status=new.get("status"),
    )


def timers_recompute(ticket: Ticket, *, now: datetime) -> list[SlaTimer]:
    """Replace the ticket's timers with the engine's verdict as of ``now``."""
    events = list(ticket.events.order_by("at", "id"))
    rows = _verdict(ticket, events, now)
    SlaTimer.objects.filter(ticket=ticket).delete()
    SlaTimer.objects.bulk_create(rows)
    return rows


def timers_first(ticket: Ticket, events: list[TicketEvent], *, now: datetime) -> list[SlaTimer]:
    """The first timers of a ticket being created now, from its first ``events`` (in order),
    as unsaved rows: the engine's verdict needs no database, so the creating transaction can
    work it out before it takes any lock."""
    return _verdict(ticket, events, now)


def timers_save_first(ticket: Ticket, rows: list[SlaTimer]) -> list[SlaTimer]:
    """Write ``timers_first``'s rows for the ticket just inserted: nothing to read back or
    replace. The rows are also left on ``ticket.timers.all()``, so showing the new ticket reads
    nothing again."""
    SlaTimer.objects.bulk_create(rows)
    remember_related(ticket, "timers", rows)
    return rows


def _verdict(ticket: Ticket, events: list[TicketEvent], now: datetime) -> list[SlaTimer]:
    policy = policy_for(ticket.policy_version)
    history = sla_events(ticket, events)
    org = ticket.organisation
    if not history:
        timers = {
            metric: sla.Timer(metric, sla.TimerState.NOT_APPLICABLE, reason=HELD_REASON)
            for metric in policy.metric_keys
        }
    else:
        where = sla.Ticket(
            timezone=(org.timezone or None) if org else None,
            country=(org.country or None) if org else None,
            subdiv=(org.subdivision or None) if org else None,
        )
        try:
            timers = sla.evaluate(policy, where, history, now)
        except PolicyInputError as exc:
            # A history the policy cannot evaluate is a bug in the desk, not the caller's input.
            which = f"ticket {ticket.number}" if ticket.number else "a new ticket"
            raise RuntimeError(f"{which}: {exc}") from exc
    return [_row(ticket, timer) for timer in timers.values()]


def _row(ticket: Ticket, timer: sla.Timer) -> SlaTimer:
    return SlaTimer(
        ticket=ticket,
        metric=timer.metric,
        state=str(timer.state),
        due_at=timer.due,
        goal_at=timer.goal,
        warn_at=timer.warn_at,
        met_at=timer.met_at,
        breached_by_minutes=timer.breached_by_minutes or None,
        used_seconds=math.floor(timer.business_used.total_seconds()),
        paused_seconds=math.floor(timer.business_paused.total_seconds()),
        reason=timer.reason,
    )
