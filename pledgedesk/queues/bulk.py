"""Bulk actions on queue rows (issue 16): one change (assignee, group, status, priority, tags
added or removed) applied to each selected ticket through ``tickets.services.ticket_update``,
each in its own transaction with its own version check, so one ticket that moved on since the
queue was loaded fails alone and the others go through. Every row gets a result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pledgedesk.accounts.authorization import Principal, visible_tickets
from pledgedesk.accounts.models import Agent, AgentGroup
from pledgedesk.errors import DeskError, InvalidInput
from pledgedesk.tickets import services
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import Actor, Change

MAX_ROWS = 100
MAX_TAGS = 20


@dataclass(frozen=True)
class BulkChange:
    """What to do to every selected ticket; None (or empty) leaves that property alone.
    ``assignee`` is an agent id or "unassigned"; ``group`` a group key."""

    assignee: str | None = None
    group: str | None = None
    status: str | None = None
    priority: str | None = None
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()

    @property
    def empty(self) -> bool:
        return not (self.assignee or self.group or self.status or self.priority
                    or self.add_tags or self.remove_tags)


@dataclass(frozen=True)
class Row:
    number: int
    version: int


@dataclass(frozen=True)
class RowResult:
    number: int
    ok: bool
    version: int | None = None  # the ticket's version after the change
    code: str = ""
    message: str = ""
    field: str | None = None


def bulk_apply(*, principal: Principal, actor: Actor, rows: Sequence[Row], change: BulkChange,
               now: datetime) -> list[RowResult]:
    """``change`` on each row's ticket at the version the agent saw; results in row order."""
    if not principal.is_agent:
        raise InvalidInput("only an agent can change tickets in bulk")
    if not rows:
        raise InvalidInput("select at least one ticket", field="tickets")
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"at most {MAX_ROWS} tickets at a time", field="tickets")
    if change.empty:
        raise InvalidInput("choose something to change", field="change")
    base = _base_change(change)
    found = {t.number: t for t in visible_tickets(principal, Ticket.objects.filter(
        number__in=[r.number for r in rows])).select_related("policy_version")}
    return [_one(found.get(row.number), row, actor, base, change, now) for row in rows]


def _base_change(change: BulkChange) -> Change:
    """The parts of ``change`` that are the same for every ticket, looked up once: an unknown
    agent or group fails the whole request before any ticket changes."""
    assignee, unassign = None, False
    if change.assignee == "unassigned":
        unassign = True
    elif change.assignee:
        try:
            assignee = Agent.objects.get(pk=int(change.assignee), active=True)
        except (ValueError, Agent.DoesNotExist):
            raise InvalidInput(f"no active agent {change.assignee}", field="assignee") from None
    group = None
    if change.group:
        group = AgentGroup.objects.filter(key=change.group).first()
        if group is None:
            raise InvalidInput(f"no group {change.group!r}", field="group")
    if len(change.add_tags) > MAX_TAGS or len(change.remove_tags) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} tags at a time", field="tags")
    return Change(assignee=assignee, unassign=unassign, group=group,
                  status=change.status or None, priority=change.priority or None)


def _one(ticket: Ticket | None, row: Row, actor: Actor, base: Change, change: BulkChange,
         now: datetime) -> RowResult:
    if ticket is None:
        return RowResult(number=row.number, ok=False, code="not_found",
                         message=f"ticket {row.number} not found")
    tags = None
    if change.add_tags or change.remove_tags:
        tags = sorted((set(ticket.tags) | set(change.add_tags)) - set(change.remove_tags))
    try:
        done = services.ticket_update(
            ticket=ticket, actor=actor, expected_version=row.version, now=now,
            change=Change(assignee=base.assignee, unassign=base.unassign, group=base.group,
                          status=base.status, priority=base.priority, tags=tags))
    except DeskError as error:
        return RowResult(number=row.number, ok=False, code=str(error.code),
                         message=error.message, field=error.field)
    return RowResult(number=row.number, ok=True, version=done.version)
