"""Trends and workload, each one GROUP BY in the database (issue 19).

Days and weeks are the reader's (``zone``): the database truncates in that zone, so a DST
change is a 23 or 25 hour day, never a shifted one. "Solved" is a status change into a status
whose category is solved or closed, read from the ticket events (the status keys are the
policies'; the set of solved keys is read from the tickets, a small DISTINCT)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate, TruncWeek

from pledgedesk.oncall.models import Page
from pledgedesk.reports.selectors import _late, timers_in
from pledgedesk.tickets.models import OPEN_CATEGORIES, SlaTimer, Ticket, TicketEvent

SOLVED = ("solved", "closed")


def weekly_compliance(*, start: datetime, end: datetime, now: datetime, zone: str) -> list[dict]:
    """Per week (Monday, in ``zone``) and metric: measured, met, and the mean business seconds
    used by met first responses."""
    tz = ZoneInfo(zone)
    met, late = Q(state="met"), _late(now)
    return list(timers_in(start=start, end=end)
                .annotate(week=TruncWeek("ticket__received_at", tzinfo=tz))
                .values("week", "metric")
                .annotate(measured=Count("id", filter=met | late),
                          met=Count("id", filter=met),
                          mean_used=Avg("used_seconds", filter=met))
                .order_by("week", "metric"))


def created_vs_solved(*, start: datetime, end: datetime, zone: str) -> list[dict]:
    """Per day in ``zone``: tickets received and tickets solved (those with a status change into
    a solved or closed status that day; a ticket solved twice in a day counts once)."""
    tz = ZoneInfo(zone)
    created = dict(created_in(start, end)
                   .annotate(day=TruncDate("received_at", tzinfo=tz)).values("day")
                   .annotate(n=Count("id")).values_list("day", "n"))
    solved = dict(_solved_events(start, end)
                  .annotate(day=TruncDate("at", tzinfo=tz)).values("day")
                  .annotate(n=Count("ticket_id", distinct=True)).values_list("day", "n"))
    return [{"day": day, "created": created.get(day, 0), "solved": solved.get(day, 0)}
            for day in sorted(created.keys() | solved.keys())]


def created_in(start: datetime, end: datetime) -> QuerySet[Ticket]:
    return Ticket.objects.filter(received_at__gte=start, received_at__lt=end)


def open_now() -> QuerySet[Ticket]:
    return Ticket.objects.filter(status_category__in=OPEN_CATEGORIES, merged_into__isnull=True)


def _solved_events(start: datetime, end: datetime):
    keys = list(Ticket.objects.filter(status_category__in=SOLVED)
                .values_list("status", flat=True).distinct().order_by())
    return TicketEvent.objects.filter(kind="status_changed", at__gte=start, at__lt=end,
                                      new__status__in=keys)


def backlog_now() -> list[dict]:
    """Open tickets now by status and priority."""
    return list(open_now().values("status", "priority").annotate(n=Count("id"))
                .order_by("status", "priority"))


def breaches_by_hour_of_week(*, start: datetime, end: datetime, now: datetime,
                             zone: str) -> list[dict]:
    """When we fail: breached clocks by the weekday (1 Monday .. 7 Sunday) and hour, in
    ``zone``, of the instant they became late."""
    return list(breaches_in(start=start, end=end, now=now, zone=zone)
                .values("weekday", "hour").annotate(n=Count("id")).order_by("weekday", "hour"))


def breaches_in(*, start: datetime, end: datetime, now: datetime,
                zone: str) -> QuerySet[SlaTimer]:
    """The breached clocks of ``breaches_by_hour_of_week``, each with its weekday and hour."""
    tz = ZoneInfo(zone)
    return (timers_in(start=start, end=end).filter(_late(now), late_at__isnull=False)
            .annotate(weekday=ExtractIsoWeekDay("late_at", tzinfo=tz),
                      hour=ExtractHour("late_at", tzinfo=tz)))


def breaches_at(*, start: datetime, end: datetime, now: datetime, zone: str, weekday: int,
                hour: int) -> QuerySet[Ticket]:
    """The tickets behind one figure of ``breaches_by_hour_of_week``: a row per breached clock
    (a ticket with two clocks late that hour is listed twice, as it is counted)."""
    clocks = breaches_in(start=start, end=end, now=now, zone=zone).filter(weekday=weekday,
                                                                          hour=hour)
    return (Ticket.objects.filter(timers__in=clocks.values("pk"))
            .annotate(clock=F("timers__metric"), breached_at=F("timers__late_at"))
            .order_by("-breached_at", "-id"))


# A workload figure -> (its tickets: open now or solved in the period, the column naming its
# agent or group, that agent's or group's name, and the name the table gives it).
WORKLOAD = {
    "open_by_agent": ("open", "assignee_id", "assignee__name", "agent"),
    "open_by_group": ("open", "group_id", "group__name", "group_name"),
    "solved_by_agent": ("solved", "actor_agent_id", "actor_agent__name", "agent"),
    "solved_by_group": ("solved", "ticket__group_id", "ticket__group__name", "group_name"),
}


def _workload_rows(start: datetime, end: datetime, figure: str):
    return open_now() if WORKLOAD[figure][0] == "open" else _solved_events(start, end)

def workload(*, start: datetime, end: datetime) -> dict:
    """Open tickets per agent and per group now; tickets solved in the period per agent who
    solved them and per the ticket's group. Each row carries its agent's or group's id
    (``key``, None for none) for the tickets behind it (``workload_tickets``)."""
    out = {}
    for figure, (source, key, name, label) in WORKLOAD.items():
        counted = "id" if source == "open" else "ticket_id"
        out[figure] = list(_workload_rows(start, end, figure)
                           .values(key=F(key), **{label: F(name)})
                           .annotate(n=Count(counted, distinct=True))
                           .order_by("-n", label, "key"))
    return out


def workload_tickets(*, start: datetime, end: datetime, figure: str,
                     key: int | None) -> QuerySet[Ticket]:
    """The tickets behind one workload figure (``key`` None: unassigned, or no group)."""
    column = WORKLOAD[figure][1]
    rows = _workload_rows(start, end, figure).filter(
        **({f"{column}__isnull": True} if key is None else {column: key}))
    if WORKLOAD[figure][0] == "solved":
        rows = Ticket.objects.filter(pk__in=rows.values("ticket_id"))
    return rows.order_by("-received_at", "-id")


def solved_on(*, start: datetime, end: datetime) -> QuerySet[Ticket]:
    """The tickets solved in [start, end) (one day of ``created_vs_solved``)."""
    return (Ticket.objects.filter(pk__in=_solved_events(start, end).values("ticket_id"))
            .order_by("-received_at", "-id"))


def pages_acknowledged(*, start: datetime, end: datetime) -> list[dict]:
    """On-call pages created in the period per schedule: how many, how many acknowledged, and
    the mean seconds from page to acknowledgement (computed in the database)."""
    rows = (Page.objects.filter(created_at__gte=start, created_at__lt=end)
            .values(key=F("schedule_id"), schedule_name=F("schedule__name"))
            .annotate(pages=Count("id"), acknowledged=Count("id", filter=Q(
                acknowledged_at__isnull=False)),
                mean_ack=Avg(F("acknowledged_at") - F("created_at")))
            .order_by("schedule_name", "key"))
    return [{**r, "mean_ack_seconds": None if r["mean_ack"] is None
             else round(r["mean_ack"].total_seconds())} for r in rows]


def pages_in(*, start: datetime, end: datetime, schedule: int | None,
             acknowledged: bool = False) -> QuerySet[Ticket]:
    """The paged tickets behind one row of ``pages_acknowledged``: a row per page (a ticket
    paged twice is listed twice, as it is counted), newest page first."""
    pages = Page.objects.filter(created_at__gte=start, created_at__lt=end,
                                **({"schedule__isnull": True} if schedule is None
                                   else {"schedule_id": schedule}))
    if acknowledged:
        pages = pages.filter(acknowledged_at__isnull=False)
    return (Ticket.objects.filter(pages__in=pages)
            .annotate(paged_at=F("pages__created_at"), page_id=F("pages__id"))
            .order_by("-paged_at", "-page_id"))
