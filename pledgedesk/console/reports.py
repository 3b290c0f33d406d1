"""The console's reports (issue 19), for support leads and administrators: SLA compliance for
a period by one dimension, every figure linking to the tickets behind it, a server-drawn SVG
chart beside its table, and streamed CSV of the report and of each figure's tickets."""

from __future__ import annotations

from datetime import date
from typing import Literal
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from pledgedesk.accounts.models import Agent
from pledgedesk.bounds import Key
from pledgedesk.console.views import _base, agent_required
from pledgedesk.errors import InvalidInput
from pledgedesk.reports import trends
from pledgedesk.reports.export import compliance_csv, tickets_csv
from pledgedesk.reports.period import period_of
from pledgedesk.reports.selectors import OUTCOMES, compliance, tickets_behind
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


@require_safe
@agent_required
def compliance_page(request):
    _lead(request)
    read, problem = _read(request, ReportQuery)
    if problem:
        return HttpResponseBadRequest(problem)
    q, period = read
    report = compliance(start=period.start, end=period.end, by=q.by, metric=q.metric,
                        now=request.now)
    rows = _decorate(report, q, period)
    return render(request, "console/report_compliance.html", _base(
        request, section="reports", q=q, period=period, report=report, rows=rows, bar=BAR,
        chart_height=16 + 26 * len(rows),
        csv=f"{reverse('console:report_compliance_csv')}?{_params(q, period)}"))


@require_safe
@agent_required
def compliance_export(request):
    _lead(request)
    read, problem = _read(request, ReportQuery)
    if problem:
        return HttpResponseBadRequest(problem)
    q, period = read
    report = compliance(start=period.start, end=period.end, by=q.by, metric=q.metric,
                        now=request.now)
    return _csv(compliance_csv(report), f"compliance-{period.first}-{period.last}.csv")


@require_safe
@agent_required
def tickets_page(request):
    _lead(request)
    read, problem = _read(request, FigureQuery)
    if problem:
        return HttpResponseBadRequest(problem)
    q, period = read
    if not q.metric:
        return HttpResponseBadRequest("metric: required")
    timers = tickets_behind(start=period.start, end=period.end, metric=q.metric,
                            outcome=q.outcome, now=request.now, by=q.by, key=q.key)
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


@require_safe
@agent_required
def trends_page(request):
    """Weekly compliance, created vs solved per day, backlog now, breaches by hour of week,
    workload and on-call acknowledgement, for the period (default: the last 90 days)."""
    _lead(request)
    read, problem = _read(request, ReportQuery)
    if problem:
        return HttpResponseBadRequest(problem)
    _, period = read
    span = {"start": period.start, "end": period.end}
    weeks = trends.weekly_compliance(**span, now=request.now, zone=request.zone)
    for w in weeks:
        w["pct"] = round(100 * w["met"] / w["measured"], 1) if w["measured"] else None
    return render(request, "console/report_trends.html", _base(
        request, section="reports", period=period, weeks=weeks,
        days=trends.created_vs_solved(**span, zone=request.zone),
        backlog=trends.backlog_now(),
        hours=trends.breaches_by_hour_of_week(**span, now=request.now, zone=request.zone),
        load=trends.workload(**span), pages=trends.pages_acknowledged(**span)))
