"""Applying a policy version to open tickets (PR-9; Zammad#534, #4353, osTicket#5160: editing a
policy must be able to recompute the tickets it governs, and must not do so silently).

Open tickets keep the version they were opened under. Asked to, ``open_tickets_apply`` moves
the open tickets of the organisations on the version's key to it and recomputes their timers
from their event log under it, recording each move as a ``policy_version_applied`` event (old
version -> new, which timers moved from what to what). ``open_tickets_plan`` is the dry run:
the same computation, nothing written. Both take the same ``now``: applying right after a dry
run at that instant moves exactly the tickets and timers it listed; ``expected`` (a plan's
``digest``) makes the apply refuse when the open tickets changed since the dry run.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from pledgedesk.errors import Conflict
from pledgedesk.policy.errors import PolicyInputError
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.history import ticket_event_record
from pledgedesk.tickets.models import OPEN_CATEGORIES, SlaTimer, Ticket, TicketEvent
from pledgedesk.tickets.timers import timers_first, timers_recompute
from pledgedesk.versions.models import PolicyVersion
from pledgedesk.versions.policies import policy_for


@dataclass(frozen=True)
class TimerMove:
    metric: str
    before: str
    after: str


@dataclass(frozen=True)
class TicketMove:
    ticket_id: int
    number: int
    from_version: str
    from_version_id: int
    timers: tuple[TimerMove, ...] = ()
    refused: str = ""  # why this ticket cannot run under the new version (it stays)


@dataclass(frozen=True)
class ApplyPlan:
    key: str
    to_version: str
    moves: tuple[TicketMove, ...]

    @property
    def moving(self) -> tuple[TicketMove, ...]:
        return tuple(m for m in self.moves if not m.refused)

    @property
    def digest(self) -> str:
        """What the plan moves: tickets, from which version, which timers to what."""
        text = repr([(m.ticket_id, m.from_version_id, m.timers, m.refused) for m in self.moves])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def open_tickets_plan(*, version: PolicyVersion, now: datetime) -> ApplyPlan:
    """The dry run: which open tickets would move to ``version`` (stored, or a draft's unsaved
    one) and how their timers would move, at ``now``. Writes nothing."""
    return _plan(list(_open(version)), version, now)


def open_tickets_apply(*, version: PolicyVersion, now: datetime,
                       expected: str | None = None) -> ApplyPlan:
    """Move the open tickets ``open_tickets_plan`` lists (under their row locks, in one
    transaction) and return that plan. Refused tickets stay where they are."""
    with transaction.atomic():
        tickets = list(_open(version).select_for_update(of=("self",)))
        plan = _plan(tickets, version, now)
        if expected is not None and plan.digest != expected:
            raise Conflict("the open tickets changed since the dry run: run it again",
                           field="expected")
        by_id = {t.pk: t for t in tickets}
        policy = policy_for(version)
        for move in plan.moving:
            _move(by_id[move.ticket_id], version, policy.priority(
                by_id[move.ticket_id].priority).rank, move, now)
    return plan


def _open(version: PolicyVersion):
    found = (Ticket.objects.filter(organisation__policy_key=version.key,
                                   policy_version__key=version.key,
                                   status_category__in=OPEN_CATEGORIES)
             .select_related("policy_version", "organisation").order_by("number"))
    return found.exclude(policy_version_id=version.pk) if version.pk else found


def _plan(tickets: list[Ticket], version: PolicyVersion, now: datetime) -> ApplyPlan:
    ids = [t.pk for t in tickets]
    events: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in TicketEvent.objects.filter(ticket_id__in=ids).order_by("ticket_id", "at", "id"):
        events[event.ticket_id].append(event)
    stored: dict[int, dict[str, str]] = defaultdict(dict)
    for timer in SlaTimer.objects.filter(ticket_id__in=ids):
        stored[timer.ticket_id][timer.metric] = timer_text(timer)
    moves = tuple(_ticket_move(t, version, events[t.pk], stored[t.pk], now) for t in tickets)
    return ApplyPlan(key=version.key, to_version=version.version, moves=moves)


def _ticket_move(ticket: Ticket, version: PolicyVersion, events: list[TicketEvent],
                 before: dict[str, str], now: datetime) -> TicketMove:
    old = ticket.policy_version
    base = {"ticket_id": ticket.pk, "number": ticket.number, "from_version": old.version,
            "from_version_id": old.pk}
    refused = _refusal(ticket, version)
    if refused:
        return TicketMove(**base, refused=refused)
    ticket.policy_version = version  # in memory only: the verdict under the new version
    try:
        after = {row.metric: timer_text(row) for row in timers_first(ticket, events, now=now)}
    except RuntimeError as exc:
        return TicketMove(**base, refused=str(exc))
    finally:
        ticket.policy_version = old
    metrics = sorted(set(before) | set(after))
    timers = tuple(TimerMove(m, before.get(m, "none"), after.get(m, "none"))
                   for m in metrics if before.get(m) != after.get(m))
    return TicketMove(**base, timers=timers)


def _refusal(ticket: Ticket, version: PolicyVersion) -> str:
    policy = policy_for(version)
    try:
        policy.priority(ticket.priority)
        policy.status(ticket.status)
        policy.check_plan(ticket.plan)
    except PolicyInputError as exc:
        return f"stays on version {ticket.policy_version.version}: {exc}"
    return ""


def timer_text(timer: SlaTimer) -> str:
    """A timer as the dry run and the ticket's event show it."""
    text = timer.state.replace("_", " ")
    if timer.met_at is not None:
        return f"{text}, met {timer.met_at.astimezone(UTC).isoformat()}"
    if timer.due_at is not None:
        return f"{text}, due {timer.due_at.astimezone(UTC).isoformat()}"
    return text


def _move(ticket: Ticket, version: PolicyVersion, rank: int, move: TicketMove,
          now: datetime) -> None:
    at = max(now, ticket.updated_at)
    ticket.policy_version, ticket.priority_rank = version, rank
    ticket.version += 1
    ticket.updated_at = at
    ticket.save(update_fields=["policy_version", "priority_rank", "version", "updated_at"])
    timers_recompute(ticket, now=at)
    ticket_event_record(ticket=ticket, kind=EventKind.POLICY_VERSION_APPLIED, now=at, new={
        "from_version": move.from_version, "to_version": version.version,
        "from_version_id": move.from_version_id, "to_version_id": version.pk,
        "timers": [{"metric": t.metric, "from": t.before, "to": t.after}
                   for t in move.timers]})
