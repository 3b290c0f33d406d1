"""Reading saved views and the tickets they show. Tickets go through the tickets selectors,
which narrow through ``visible_tickets``; a view only chooses filters, sort and columns."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from pledgedesk.accounts.authorization import Principal
from pledgedesk.accounts.models import Agent
from pledgedesk.errors import InvalidInput, NotFound
from pledgedesk.queues.models import SavedView
from pledgedesk.tickets.models import SlaTimer, Ticket
from pledgedesk.tickets.selectors import Page, QueueFilter, queue_tickets, ticket_queue

BREACHING_MINUTES = 60  # "breaching soon", as the console's queue filter says it
COUNT_CAP = 500  # a view's count reads at most this many rows and one more: "500+"


def views_visible(*, agent: Agent) -> QuerySet:
    """The agent's own views and every shared one, shared ones last, by name."""
    return (SavedView.objects.filter(Q(owner=agent) | Q(shared=True))
            .select_related("owner").order_by("shared", "name", "id"))


def view_for(*, agent: Agent, view_id: int) -> SavedView:
    """A view the agent may use: theirs, or shared. Anyone else's is "not found"."""
    try:
        return views_visible(agent=agent).get(pk=view_id)
    except SavedView.DoesNotExist:
        raise NotFound(f"view {view_id} not found") from None


def view_filter(view_filters: dict) -> QueueFilter:
    f = view_filters
    return QueueFilter(
        status=f.get("status"), priority=f.get("priority"), group=f.get("group"),
        assignee=f.get("assignee"), organisation=f.get("organisation"),
        sla_state=f.get("sla_state"),
        breaching_within=BREACHING_MINUTES if f.get("breaching") else None,
        escalated=True if f.get("escalated") else None)


@dataclass(frozen=True)
class Count:
    value: int
    capped: bool

    def __str__(self) -> str:
        return f"{self.value}+" if self.capped else str(self.value)


def view_count(*, principal: Principal, view: SavedView, now: datetime,
               cap: int = COUNT_CAP) -> Count:
    """How many tickets the view shows, reading at most ``cap + 1`` of them (never a COUNT
    over the whole table): ``500+`` past the cap."""
    tickets = queue_tickets(principal=principal, filters=view_filter(view.filters), now=now)
    seen = tickets.values("pk")[: cap + 1].count()
    return Count(value=min(seen, cap), capped=seen > cap)


def view_page(*, principal: Principal, view: SavedView, cursor: str | None, limit: int,
              now: datetime) -> Page:
    filters = view_filter(view.filters)
    if view.sort == SavedView.Sort.SLA_DUE:
        return sla_due_page(principal=principal, filters=filters, cursor=cursor, limit=limit,
                            now=now)
    return ticket_queue(principal=principal, filters=filters, cursor=cursor, limit=limit,
                        now=now)


# --- SLA due, soonest first ------------------------------------------------------------------
# Tickets with an SLA timer still to meet come first, by the instant their earliest such timer
# is late (``late_at``: breached ones lead); tickets with none follow in queue order. Keyset
# cursors: "s|late_at|timer id" in the first part, "q|<queue cursor>" in the second.


def _unmet() -> Q:
    return Q(met_at__isnull=True, late_at__isnull=False, state__in=("running", "breached"))


def sla_due_page(*, principal: Principal, filters: QueueFilter, cursor: str | None,
                 limit: int, now: datetime) -> Page:
    """One page in SLA-due order: at most two statements (timers first, then the tickets with
    none when the first part runs out on this page)."""
    part, key = _decode(cursor) if cursor else ("s", None)
    tickets = queue_tickets(principal=principal, filters=filters, now=now)
    found: list[Ticket] = []
    if part == "s":
        timers = list(_earliest_timers(tickets, key)[: limit + 1])
        found = [t.ticket for t in timers]
        if len(found) > limit:
            last = timers[limit - 1]
            return Page(tickets=found[:limit], next_cursor=_encode(
                "s", last.late_at.isoformat(), last.pk))
        key = None
    rest = tickets.exclude(Exists(SlaTimer.objects.filter(_unmet(), ticket=OuterRef("pk"))))
    if key is not None:
        rank, received, pk = int(key[0]), datetime.fromisoformat(key[1]), int(key[2])
        rest = rest.filter(Q(priority_rank__gt=rank)
                           | Q(priority_rank=rank, received_at__gt=received)
                           | Q(priority_rank=rank, received_at=received, id__gt=pk))
    wanted = limit - len(found)
    more = list(_with_relations(rest).order_by("priority_rank", "received_at", "id")
                [: wanted + 1])
    if len(more) > wanted:
        last = more[wanted - 1] if wanted else None
        cursor = (_encode("q", str(last.priority_rank), last.received_at.isoformat(),
                          last.pk) if last else _encode("q", "", "", ""))
        return Page(tickets=found + more[:wanted], next_cursor=cursor)
    return Page(tickets=found + more, next_cursor=None)


def _with_relations(tickets: QuerySet) -> QuerySet:
    return tickets.select_related("organisation", "requester", "assignee", "group") \
        .defer("description")


def _earliest_timers(tickets: QuerySet, key) -> QuerySet:
    """Each ticket's earliest unmet timer, in late_at order after ``key``."""
    earlier = SlaTimer.objects.filter(_unmet(), ticket=OuterRef("ticket")).filter(
        Q(late_at__lt=OuterRef("late_at")) | Q(late_at=OuterRef("late_at"), id__lt=OuterRef("id")))
    timers = SlaTimer.objects.filter(_unmet(), ticket__in=tickets.values("pk")).exclude(
        Exists(earlier))
    if key is not None:
        late, pk = datetime.fromisoformat(key[0]), int(key[1])
        timers = timers.filter(Q(late_at__gt=late) | Q(late_at=late, id__gt=pk))
    return timers.select_related("ticket", "ticket__organisation", "ticket__requester",
                                 "ticket__assignee", "ticket__group") \
        .defer("ticket__description").order_by("late_at", "id")


def _encode(part: str, *values) -> str:
    raw = "|".join([part, *map(str, values)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, list[str] | None]:
    """A cursor this module made; a forged one is an InvalidInput naming ``cursor``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        part, *values = raw.split("|")
        if part == "s" and len(values) == 2:
            at = datetime.fromisoformat(values[0])
            if at.tzinfo is None or not 1 <= int(values[1]) <= 2**63 - 1:
                raise ValueError
            at.astimezone(UTC)
            return part, values
        if part == "q" and values == ["", "", ""]:
            return part, None
        if part == "q" and len(values) == 3:
            at = datetime.fromisoformat(values[1])
            if at.tzinfo is None or not (0 <= int(values[0]) <= 32767
                                         and 1 <= int(values[2]) <= 2**63 - 1):
                raise ValueError
            at.astimezone(UTC)
            return part, values
        raise ValueError
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this view returned", field="cursor") from None
