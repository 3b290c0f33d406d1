"""The console's reports (issue 19), for support leads and administrators: SLA compliance for
a period by one dimension, every figure linking to the tickets behind it, a server-drawn SVG
chart beside its table, and streamed CSV of the report and of each figure's tickets."""

from __future__ import annotations

from datetime import date, timedelta
from functools import wraps
from typing import Annotated, Literal
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe
from pydantic import Field

from pledgedesk.accounts.models import Agent
from pledgedesk.bounds import Id, Key
from pledgedesk.console.views import _base, agent_required
from pledgedesk.errors import InvalidInput
from pledgedesk.reports import trends, trends_tables
from pledgedesk.reports.backlog import backlog_tickets
from pledgedesk.reports.export import compliance_csv, rows_csv, ticket_rows_csv, tickets_csv
from pledgedesk.reports.period import Period, period_of
from pledgedesk.reports.selectors import OUTCOMES, compliance, tickets_behind
from pledgedesk.reports.worktime import tickets_with_time
from pledgedesk.web.query import PageQuery, parse_query

SHOWN = 200
FIGURES = ("measured", "met_goal", "met", "breached", "excluded", "running")
BAR = 320  # chart bar width for 100 %


class ReportQuery(PageQuery):
    start: date | None = None
    end: date | None = None
    by: Literal["priority", "plan", "organisation", "group", "agent"] = "priority"
    metric: Key | None = None


class FigureQuery(ReportQuery):
    outcome: Literal[OUTCOMES] = "measured"  # type: ignore[valid-type]
    key: Key | None = None


def _lead(request) -> None:
    agent = request.agent
    if not (agent.has_role(Agent.Role.SUPPORT_LEAD) or agent.has_role(Agent.Role.ADMINISTRATOR)):
        raise PermissionDenied("reports are for the support lead and administrators")


def _read(request, model):
    parsed = parse_query(request.GET, model)
    if parsed.problems:
        return None, parsed.describe()
    q = parsed.values
    try:
        period = period_of(first=q.start, last=q.end, zone=request.zone, now=request.now)
    except InvalidInput as exc:
        return None, exc.message
    return (q, period), None


def _report(model):
    """A report door: leads and administrators only, GET; the view gets the query parsed
    into ``model`` and its period, or the reader a 400 naming the field."""
    def wrap(view):
        @require_safe
        @agent_required
        @wraps(view)
        def door(request):
            _lead(request)
            read, problem = _read(request, model)
            if problem:
                return HttpResponseBadRequest(problem)
            return view(request, *read)
        return door
    return wrap


def _params(q, period, **extra) -> str:
    base = {"start": period.first.isoformat(), "end": period.last.isoformat(), "by": q.by,
            "metric": q.metric}
    return urlencode({k: v for k, v in {**base, **extra}.items() if v is not None})


def _queue_link(by: str, key) -> str | None:
    """The console queue with the same filter, where the queue has it (open tickets)."""
    if key is None or by not in ("priority", "organisation"):
        return None
    return f"{reverse('console:queue')}?{urlencode({by: key})}"


def _decorate(report, q, period) -> list[dict]:
    figures = reverse("console:report_tickets")
    out = []
    for i, row in enumerate(report.rows):
        key = "none" if row.key is None else row.key
        links = {name: f"{figures}?"
                 + _params(q, period, metric=row.metric, outcome=name, key=key)
                 for name in FIGURES}
        pct = row.compliance
        out.append({"row": row, "links": links, "queue": _queue_link(q.by, row.key),
                    "pct": None if pct is None else round(100 * pct, 1),
                    "bar": 0 if pct is None else round(BAR * pct), "y": 8 + 26 * i})
    return out


@_report(ReportQuery)
def compliance_page(request, q, period):
    report = compliance(start=period.start, end=period.end, by=q.by, metric=q.metric,
                        now=request.now)
    rows = _decorate(report, q, period)
    return render(request, "console/report_compliance.html", _base(
        request, section="reports", q=q, period=period, report=report, rows=rows, bar=BAR,
        chart_height=16 + 26 * len(rows),
        csv=f"{reverse('console:report_compliance_csv')}?{_params(q, period)}"))


@_report(ReportQuery)
def compliance_export(request, q, period):
    report = compliance(start=period.start, end=period.end, by=q.by, metric=q.metric,
                        now=request.now)
    return _csv(compliance_csv(report), f"compliance-{period.first}-{period.last}.csv")


@_report(FigureQuery)
def tickets_page(request, q, period):
    if not q.metric:
        return HttpResponseBadRequest("metric: required")
    # Without ``key`` the figure is the metric's over every value (the trends page's weeks);
    # a figure of the "(none)" row names key=none.
    timers = tickets_behind(start=period.start, end=period.end, metric=q.metric,
                            outcome=q.outcome, now=request.now,
                            by=q.by if q.key is not None else None, key=q.key)
    if request.GET.get("format") == "csv":
        return _csv(tickets_csv(timers), f"{q.metric}-{q.outcome}-{period.first}.csv")
    shown = list(timers[:SHOWN + 1])
    return render(request, "console/report_tickets.html", _base(
        request, section="reports", q=q, period=period, timers=shown[:SHOWN],
        more=len(shown) > SHOWN, shown=SHOWN,
        back=f"{reverse('console:reports')}?{_params(q, period)}",
        csv=f"{request.path}?{request.GET.urlencode()}&format=csv"))


def _csv(lines, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class BacklogQuery(PageQuery):
    day: date | None = None  # each required: checked by the view, which names the field
    status: Key | None = None
    priority: Key | None = None


class TimeQuery(ReportQuery):
    subject: Literal["agent", "group", "organisation", "bank"] | None = None
    key: Id | None = None
    kind: Literal["all", "billable", "courtesy", "bank"] = "all"


TREND_FIGURES = ("created", "solved", "breaches", "pages", "pages_acknowledged",
                 *trends.WORKLOAD)


class TrendQuery(ReportQuery):
    """One figure of the trends page: a day's created or solved tickets, an hour of week's
    breaches, a workload row (``key``: the agent's or group's id, absent for none), or an
    on-call schedule's pages (``key``: the schedule's id)."""
    figure: Literal[TREND_FIGURES] | None = None  # type: ignore[valid-type]
    day: date | None = None
    weekday: Annotated[int, Field(ge=1, le=7)] | None = None
    hour: Annotated[int, Field(ge=0, le=23)] | None = None
    key: Id | None = None


class TableQuery(ReportQuery):
    table: Literal[tuple(trends_tables.TABLES)] | None = None  # type: ignore[valid-type]


def _trends(request, period) -> dict:
    """Every table of the trends page, computed in the database for the period."""
    span = {"start": period.start, "end": period.end}
    return trends_tables.all_tables(period=period, now=request.now, **span)


@_report(ReportQuery)
def trends_page(request, _q, period):
    """Weekly compliance, the backlog per day, created vs solved per day, breaches by hour of
    week, workload, time logged and on-call acknowledgement for the period (default: the last
    90 days): each chart beside its numbers, each figure linked to its tickets."""
    tables = _trends(request, period)
    params = urlencode({"start": period.first.isoformat(), "end": period.last.isoformat()})
    _week_links(tables["weeks"], period)
    _figure_links(tables, period)
    return render(request, "console/report_trends.html", _base(
        request, section="reports", period=period, params=params, **tables,
        charts=trends_tables.charts(tables),
        backlog_rows=_backlog_rows(tables["backlog"], tables["backlog_keys"]),
        time_links=reverse("console:report_time_tickets") + "?" + params))


def _week_links(weeks: list[dict], period) -> None:
    """Each week's measured and met counts link to the compliance report's tickets for that
    week's days inside the period (the same zone, so the same tickets)."""
    base = reverse("console:report_tickets")
    for w in weeks:
        monday = w["week"].date()
        first, last = max(monday, period.first), min(monday + timedelta(days=6), period.last)
        for outcome in ("measured", "met"):
            w[f"{outcome}_link"] = f"{base}?" + urlencode({
                "start": first.isoformat(), "end": last.isoformat(), "metric": w["metric"],
                "outcome": outcome})


def _figure_links(tables: dict, period) -> None:
    """The tickets' URL beside each figure of the created/solved, hours, workload and on-call
    tables: the same period, the figure's name and its row (issue 19)."""
    base = f"{reverse('console:report_trend_tickets')}?" + urlencode(
        {"start": period.first.isoformat(), "end": period.last.isoformat()})

    def link(figure, **row):
        return f"{base}&" + urlencode({"figure": figure, **{k: v for k, v in row.items()
                                                            if v is not None}})
    for d in tables["days"]:
        for figure in ("created", "solved"):
            d[f"{figure}_link"] = link(figure, day=d["day"].isoformat())
    for h in tables["hours"]:
        h["link"] = link("breaches", weekday=h["weekday"], hour=h["hour"])
    for figure in trends.WORKLOAD:
        for r in tables["load"][figure]:
            r["link"] = link(figure, key=r["key"])
    for p in tables["pages"]:
        p["link"], p["ack_link"] = (link(f, key=p["key"]) for f in ("pages", "pages_acknowledged"))


def _backlog_rows(history, keys) -> list[dict]:
    """The backlog table: per day, per (status, priority), the count and its tickets' URL."""
    base = reverse("console:report_backlog_tickets")
    return [{"day": d.day, "total": d.total,
             "cells": [(d.counts.get((s, p), 0), f"{base}?" + urlencode(
                 {"day": d.day.isoformat(), "status": s, "priority": p})) for s, p in keys]}
            for d in history]


@_report(TableQuery)
def trends_export(request, q, period):
    """One table of the trends page as streamed CSV (``table=``)."""
    if q.table is None:
        return HttpResponseBadRequest("table: required, one of "
                                      + ", ".join(trends_tables.TABLES))
    header, rows = trends_tables.table_rows(q.table, _trends(request, period))
    return _csv(rows_csv(header, rows), f"{q.table}-{period.first}-{period.last}.csv")


@require_safe
@agent_required
def backlog_tickets_page(request):
    """The tickets open at the end of a day with one status and priority."""
    _lead(request)
    parsed = parse_query(request.GET, BacklogQuery)
    if parsed.problems:
        return HttpResponseBadRequest(parsed.describe())
    q = parsed.values
    missing = next((f for f in ("day", "status", "priority") if getattr(q, f) is None), None)
    if missing:
        return HttpResponseBadRequest(f"{missing}: required")
    period = period_of(first=q.day, last=q.day, zone=request.zone, now=request.now)
    at = min(period.end, request.now)
    tickets = backlog_tickets(at=at, now=request.now, status=q.status, priority=q.priority)
    title = f"Open at the end of {q.day}: {q.status}, {q.priority}"
    return _ticket_list(request, tickets, title, f"backlog-{q.day}", minutes=False)


@_report(TimeQuery)
def time_tickets_page(request, q, period):
    """The tickets with time logged in the period behind one figure of the time tables."""
    tickets = tickets_with_time(first=period.first, last=period.last, subject=q.subject,
                                key=q.key, kind=q.kind)
    title = f"Time logged ({q.kind}) {period.first} to {period.last}"
    if q.subject:
        title += f", {q.subject} {q.key if q.key is not None else '(none)'}"
    return _ticket_list(request, tickets, title, f"time-{period.first}-{period.last}",
                        minutes=True)


def _trend_tickets(q, period, request):
    """The tickets behind one figure of ``TrendQuery`` and its title, or the missing field."""
    needs = {"created": ("day",), "solved": ("day",), "breaches": ("weekday", "hour")}
    missing = next((f for f in needs.get(q.figure, ()) if getattr(q, f) is None), None)
    if missing:
        return None, f"{missing}: required"
    span = {"start": period.start, "end": period.end}
    if q.figure in ("created", "solved"):
        if not period.first <= q.day <= period.last:
            return None, "day: outside the period"
        one = Period(q.day, q.day, period.zone)
        day = {"start": one.start, "end": one.end}
        tickets = (trends.created_in(**day).order_by("-received_at", "-id")
                   if q.figure == "created" else trends.solved_on(**day))
        return (tickets, f"{q.figure.capitalize()} on {q.day}"), None
    if q.figure == "breaches":
        return (trends.breaches_at(now=request.now, zone=period.zone, weekday=q.weekday,
                                   hour=q.hour, **span),
                f"Clocks late on weekday {q.weekday} at {q.hour}:00"), None
    if q.figure in trends.WORKLOAD:
        return (trends.workload_tickets(figure=q.figure, key=q.key, **span),
                f"{q.figure.replace('_', ' ').capitalize()}: {q.key or '(none)'}"), None
    return (trends.pages_in(schedule=q.key, acknowledged=q.figure == "pages_acknowledged",
                            **span), f"On-call {q.figure.replace('_', ' ')}: "
            f"schedule {q.key or '(none)'}"), None


@_report(TrendQuery)
def trend_tickets_page(request, q, period):
    """The tickets behind one figure of the trends page's created/solved, hours, workload and
    on-call tables, from the same selectors as the figure (exactly the rows it counts)."""
    if q.figure is None:
        return HttpResponseBadRequest("figure: required, one of " + ", ".join(TREND_FIGURES))
    found, problem = _trend_tickets(q, period, request)
    if problem:
        return HttpResponseBadRequest(problem)
    tickets, title = found
    title += f" ({period.first} to {period.last})"
    return _ticket_list(request, tickets, title, f"{q.figure}-{period.first}-{period.last}",
                        minutes=False)


def _ticket_list(request, tickets, title: str, filename: str, *, minutes: bool):
    if request.GET.get("format") == "csv":
        return _csv(ticket_rows_csv(tickets), f"{filename}.csv")
    shown = list(tickets[:SHOWN + 1])
    return render(request, "console/report_ticket_list.html", _base(
        request, section="reports", title=title, tickets=shown[:SHOWN], minutes=minutes,
        more=len(shown) > SHOWN, shown=SHOWN, back=reverse("console:report_trends"),
        csv=f"{request.path}?{request.GET.urlencode()}&format=csv"))
