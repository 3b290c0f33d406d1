"""The backlog over a period (issue 19, "Trends"): open tickets at the end of each day, by the
status and priority they had then, computed from the ticket events in the database.

Every status or priority a ticket ever had was written as an event (``created``,
``status_changed``, ``reopened``, ``priority_changed``), so the backlog at an instant is the
backlog now with the changes made since undone. The database groups those changes by day (in
the reader's zone), status and priority; Python only adds up the day totals (at most two years
of days, a handful of statuses and priorities). A status is "open" when its category in the
ticket's policy is one of ``OPEN_CATEGORIES``.

The tickets behind one figure (status S, priority P at the end of day D) come from the same
history: per ticket, the last status and the last priority recorded at or before that instant.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import TruncDate

from pledgedesk.reports.period import Period
from pledgedesk.tickets.models import OPEN_CATEGORIES, Ticket, TicketEvent

STATUS_KINDS = ("created", "status_changed", "reopened")
PRIORITY_KINDS = ("created", "priority_changed")


@dataclass(frozen=True)
class BacklogDay:
    day: date
    at: datetime  # the instant counted: the end of ``day`` in the reader's zone (or now)
    counts: dict[tuple[str, str], int]  # (status, priority) -> open tickets

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _before(kinds: tuple[str, ...], key: str, *, strictly: bool) -> Subquery:
    """The ``key`` value (text) of the ticket's last event of ``kinds`` before the outer event
    (``strictly``: earlier in (at, id) order) or at or before the outer instant ``at``."""
    earlier = (Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), id__lt=OuterRef("id"))
               if strictly else Q(at__lte=OuterRef("at")))
    return Subquery(TicketEvent.objects.filter(earlier, ticket_id=OuterRef("ticket_id"),
                                               kind__in=kinds)
                    .order_by("-at", "-id").annotate(v=KT(f"new__{key}")).values("v")[:1])


def _changes(since: datetime, now: datetime, zone: ZoneInfo) -> QuerySet:
    """Status and priority changes in [since, now], each with the state it left and entered."""
    return (TicketEvent.objects
            .filter(at__gte=since, at__lte=now, kind__in=STATUS_KINDS + PRIORITY_KINDS,
                    ticket__merged_into__isnull=True)
            .annotate(day=TruncDate("at", tzinfo=zone), version=F("ticket__policy_version_id"),
                      new_status=KT("new__status"), new_priority=KT("new__priority"),
                      old_status=KT("old__status"), old_priority=KT("old__priority"),
                      status_then=_before(STATUS_KINDS, "status", strictly=True),
                      priority_then=_before(PRIORITY_KINDS, "priority", strictly=True)))


def _deltas(since: datetime, now: datetime, zone: ZoneInfo) -> Counter:
    """Per (day, version, status, priority): tickets that entered that state that day minus
    those that left it. One GROUP BY per kind of change, by the columns of both its sides (the
    state it entered, +1, and the one it left, -1): the state a change kept (the priority of a
    status change, the status of a priority change) is looked up once for both sides (a
    correlated subquery per event, most of the report's time: 13 s of 17 s at 1M tickets over
    a quarter when each side was its own query, issue 19)."""
    changes = _changes(since, now, zone)
    out: Counter = Counter()
    kinds = (
        # (the events; per side, its sign and the status and priority it counts at)
        (changes.filter(kind="created"), ((1, "new_status", "new_priority"),)),
        (changes.filter(kind__in=("status_changed", "reopened")),
         ((1, "new_status", "priority_then"), (-1, "old_status", "priority_then"))),
        (changes.filter(kind="priority_changed"),
         ((1, "status_then", "new_priority"), (-1, "status_then", "old_priority"))),
    )
    for rows, sides in kinds:
        columns = list(dict.fromkeys(c for _, status, priority in sides
                                     for c in (status, priority)))
        for row in rows.values("day", "version", *columns).annotate(n=Count("id")).order_by():
            for sign, status, priority in sides:
                out[(row["day"], row["version"], row[status], row[priority])] += sign * row["n"]
    return out


def _now_counts() -> Counter:
    rows = (Ticket.objects.filter(merged_into__isnull=True)
            .values_list("policy_version_id", "status", "priority")
            .annotate(n=Count("id")).order_by())
    return Counter({(v, s, p): n for v, s, p, n in rows})


def _open_statuses(versions: Iterable[int]) -> dict[int, set[str]]:
    """Per policy version, its status keys whose category is open."""
    from pledgedesk.versions.models import PolicyVersion
    from pledgedesk.versions.policies import policy_for

    out = {}
    for version in PolicyVersion.objects.filter(pk__in=set(versions)):
        policy = policy_for(version)
        out[version.pk] = {k for k, s in policy.statuses.items() if s.category in OPEN_CATEGORIES}
    return out


def backlog_history(*, period: Period, now: datetime) -> list[BacklogDay]:
    """Open tickets at the end of each day of ``period`` (at ``now`` for today; days after now
    are left out), by the status and priority they had then."""
    zone = ZoneInfo(period.zone)
    days = [period.first + timedelta(days=i) for i in range((period.last - period.first).days + 1)]
    ends = [(d, min(now, datetime.combine(d + timedelta(days=1), datetime.min.time(), zone)))
            for d in days if datetime.combine(d, datetime.min.time(), zone) <= now]
    if not ends:
        return []
    state = _now_counts()
    deltas = _deltas(ends[0][1], now, zone)
    opens = _open_statuses({v for v, _, _ in state} | {k[1] for k in deltas})
    by_day: dict[date, Counter] = {}
    for (day, version, s, p), n in deltas.items():
        by_day.setdefault(day, Counter())[(version, s, p)] += n
    out = []
    # Walk back from now: the state at the end of day D is the state now without the changes
    # made after that end, i.e. on the days after D (today's end is now: nothing undone).
    undone = max(by_day, default=ends[-1][0])
    for d, at in reversed(ends):
        while undone > d:
            state.subtract(by_day.get(undone, Counter()))
            undone -= timedelta(days=1)
        counts: Counter = Counter()
        for (version, s, p), n in state.items():
            if n and s in opens.get(version, ()):
                counts[(s, p)] += n
        out.append(BacklogDay(day=d, at=at, counts=dict(sorted(counts.items()))))
    out.reverse()
    return out


def backlog_tickets(*, at: datetime, now: datetime, status: str,
                    priority: str) -> QuerySet[Ticket]:
    """The tickets behind one figure of ``backlog_history``: not merged, whose last recorded
    status and priority before ``at`` (at or before ``now`` when ``at`` is now) were ``status``
    and ``priority``, oldest first."""
    upto = {"at__lte": now} if at >= now else {"at__lt": at}

    def last(kinds, key):
        return Subquery(TicketEvent.objects.filter(ticket_id=OuterRef("pk"), kind__in=kinds,
                                                   **upto)
                        .order_by("-at", "-id").annotate(v=KT(f"new__{key}")).values("v")[:1])

    return (Ticket.objects.filter(received_at__lte=min(at, now), merged_into__isnull=True)
            .annotate(status_then=last(STATUS_KINDS, "status"),
                      priority_then=last(PRIORITY_KINDS, "priority"))
            .filter(status_then=status, priority_then=priority)
            .order_by("received_at", "id"))
