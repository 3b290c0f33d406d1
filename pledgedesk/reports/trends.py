"""Trends and workload, each one GROUP BY in the database (issue 19).

Days and weeks are the reader's (``zone``): the database truncates in that zone, so a DST
change is a 23 or 25 hour day, never a shifted one. "Solved" is a status change into a status
whose category is solved or closed, read from the ticket events (the status keys are the
policies'; the set of solved keys is read from the tickets, a small DISTINCT)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate, TruncWeek

from pledgedesk.oncall.models import Page
from pledgedesk.reports.selectors import _late, timers_in
from pledgedesk.tickets.models import OPEN_CATEGORIES, Ticket, TicketEvent

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
    """Per day in ``zone``: tickets received and tickets solved (status changes into a solved
    or closed status)."""
    tz = ZoneInfo(zone)
    created = dict(Ticket.objects.filter(received_at__gte=start, received_at__lt=end)
                   .annotate(day=TruncDate("received_at", tzinfo=tz)).values("day")
                   .annotate(n=Count("id")).values_list("day", "n"))
    solved = dict(_solved_events(start, end)
                  .annotate(day=TruncDate("at", tzinfo=tz)).values("day")
                  .annotate(n=Count("id")).values_list("day", "n"))
    return [{"day": day, "created": created.get(day, 0), "solved": solved.get(day, 0)}
            for day in sorted(created.keys() | solved.keys())]


def _solved_events(start: datetime, end: datetime):
    keys = list(Ticket.objects.filter(status_category__in=SOLVED)
                .values_list("status", flat=True).distinct().order_by())
    return TicketEvent.objects.filter(kind="status_changed", at__gte=start, at__lt=end,
                                      new__status__in=keys)


def backlog_now() -> list[dict]:
    """Open tickets now by status and priority."""
    return list(Ticket.objects.filter(status_category__in=OPEN_CATEGORIES,
                                      merged_into__isnull=True)
                .values("status", "priority").annotate(n=Count("id"))
                .order_by("status", "priority"))


def breaches_by_hour_of_week(*, start: datetime, end: datetime, now: datetime,
                             zone: str) -> list[dict]:
    """When we fail: breached clocks by the weekday (1 Monday .. 7 Sunday) and hour, in
    ``zone``, of the instant they became late."""
    tz = ZoneInfo(zone)
    return list(timers_in(start=start, end=end).filter(_late(now), late_at__isnull=False)
                .annotate(weekday=ExtractIsoWeekDay("late_at", tzinfo=tz),
                          hour=ExtractHour("late_at", tzinfo=tz))
                .values("weekday", "hour").annotate(n=Count("id")).order_by("weekday", "hour"))


def workload(*, start: datetime, end: datetime) -> dict:
    """Open tickets per agent and per group now; tickets solved in the period per agent who
    solved them and per the ticket's group."""
    open_ = Ticket.objects.filter(status_category__in=OPEN_CATEGORIES, merged_into__isnull=True)
    solved = _solved_events(start, end)
    return {
        "open_by_agent": list(open_.values(agent=F("assignee__name")).annotate(n=Count("id"))
                              .order_by("-n", "agent")),
        "open_by_group": list(open_.values(group_name=F("group__name")).annotate(n=Count("id"))
                              .order_by("-n", "group_name")),
        "solved_by_agent": list(solved.values(agent=F("actor_agent__name"))
                                .annotate(n=Count("ticket_id", distinct=True))
                                .order_by("-n", "agent")),
        "solved_by_group": list(solved.values(group_name=F("ticket__group__name"))
                                .annotate(n=Count("ticket_id", distinct=True))
                                .order_by("-n", "group_name")),
    }


def pages_acknowledged(*, start: datetime, end: datetime) -> list[dict]:
    """On-call pages created in the period per schedule: how many, how many acknowledged, and
    the mean seconds from page to acknowledgement (computed in the database)."""
    rows = (Page.objects.filter(created_at__gte=start, created_at__lt=end)
            .values(schedule_name=F("schedule__name"))
            .annotate(pages=Count("id"), acknowledged=Count("id", filter=Q(
                acknowledged_at__isnull=False)),
                mean_ack=Avg(F("acknowledged_at") - F("created_at")))
            .order_by("schedule_name"))
    return [{**r, "mean_ack_seconds": None if r["mean_ack"] is None
             else round(r["mean_ack"].total_seconds())} for r in rows]
