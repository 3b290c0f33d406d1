"""Reports over the API (issue 19): SLA compliance for support leads and administrators, and
an organisation's own "promises kept" for its primary contact (never another's)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import ConfigDict

from pledgedesk.accounts.models import Agent
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.bounds import Key
from pledgedesk.errors import NotFound, PermissionDenied
from pledgedesk.reports import trends, worktime
from pledgedesk.reports.backlog import backlog_history
from pledgedesk.reports.customer import DAYS, promises_kept
from pledgedesk.reports.period import period_of
from pledgedesk.reports.selectors import compliance
from pledgedesk.versions.policies import policy_in_force

router = Router(tags=["reports"])


class ComplianceQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    start: date | None = None
    end: date | None = None
    by: Literal["priority", "plan", "organisation", "group", "agent"] = "priority"
    metric: Key | None = None


class ComplianceRowOut(Schema):
    metric: str
    promise: str
    key: str | None
    label: str
    measured: int
    met_within_goal: int
    met_within_limit: int
    breached: int
    excluded: int
    running: int
    paused_seconds: int
    median_used_seconds: int | None
    p90_used_seconds: int | None


class ExclusionOut(Schema):
    metric: str
    reason: str
    count: int


class ComplianceOut(Schema):
    start: date
    end: date
    timezone: str
    by: str
    rows: list[ComplianceRowOut]
    exclusions: list[ExclusionOut]


class KeptOut(Schema):
    metric: str
    metric_label: str
    priority: str
    priority_label: str
    promise: str
    is_goal: bool
    measured: int
    kept: int
    breached: int
    excluded: int


class PromisesKeptOut(Schema):
    organisation_id: int
    days: int
    rows: list[KeptOut]


def _lead_period(request, params):
    """The caller, if the support lead or an administrator (as the console's report pages),
    and the query's period in UTC days."""
    caller = caller_of(request)
    agent = caller.principal.agent if caller.is_agent else None
    if agent is None or not (agent.has_role(Agent.Role.SUPPORT_LEAD)
                             or agent.has_role(Agent.Role.ADMINISTRATOR)):
        raise PermissionDenied("only the support lead or an administrator can read reports")
    return caller, period_of(first=params.start, last=params.end, zone="UTC", now=caller.now)


@router.get("/reports/compliance", response={200: ComplianceOut, **s.ERRORS},
            summary="SLA compliance for a period (UTC days), for support leads and administrators")
def compliance_report(request, params: Query[ComplianceQuery]):
    caller, period = _lead_period(request, params)
    report = compliance(start=period.start, end=period.end, by=params.by,
                        metric=params.metric, now=caller.now)
    rows = [ComplianceRowOut(
        metric=r.metric, promise=r.promise, key=None if r.key is None else str(r.key),
        label=r.label, measured=r.measured, met_within_goal=r.met_goal, met_within_limit=r.met,
        breached=r.breached, excluded=r.excluded, running=r.running,
        paused_seconds=r.paused_seconds, median_used_seconds=r.median_seconds,
        p90_used_seconds=r.p90_seconds) for r in report.rows]
    return ComplianceOut(start=period.first, end=period.last, timezone="UTC", by=params.by,
                         rows=rows, exclusions=[ExclusionOut(metric=m, reason=why, count=n)
                                                for m, why, n in report.exclusions])


@router.get("/reports/promises-kept", response={200: PromisesKeptOut, **s.ERRORS},
            summary="Your organisation's promises kept in the last 90 days (primary contact)")
def promises_kept_report(request):
    caller = caller_of(request)
    contact = caller.principal.contact
    if contact is None or contact.organisation.primary_contact_id != contact.pk:
        raise NotFound("no report for you here: only an organisation's primary contact has one")
    org = contact.organisation
    policy = policy_in_force(org.policy_key, now=caller.now)[1]
    rows = promises_kept(organisation_id=org.pk, plans=list(org.plans), policy=policy,
                         now=caller.now)
    return PromisesKeptOut(organisation_id=org.pk, days=DAYS,
                           rows=[KeptOut(**vars(r)) for r in rows])


# --- trends and workload (issue 19): the console's trends page, table by table -------------


class PeriodQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    start: date | None = None
    end: date | None = None


class DatesOut(Schema):
    start: date
    end: date


class PeriodOut(DatesOut):
    timezone: str


class BacklogCellOut(Schema):
    status: str
    priority: str
    open: int


class BacklogDayOut(Schema):
    day: date
    at: datetime
    open: int
    counts: list[BacklogCellOut]


class BacklogOut(PeriodOut):
    days: list[BacklogDayOut]


@router.get("/reports/backlog", response={200: BacklogOut, **s.ERRORS},
            summary="Open tickets at the end of each day by status and priority (UTC days; "
                    "leads and administrators)")
def backlog_report(request, params: Query[PeriodQuery]):
    caller, period = _lead_period(request, params)
    days = [BacklogDayOut(day=d.day, at=d.at, open=d.total, counts=[
        BacklogCellOut(status=st, priority=pr, open=n) for (st, pr), n in d.counts.items()])
        for d in backlog_history(period=period, now=caller.now)]
    return BacklogOut(start=period.first, end=period.last, timezone="UTC", days=days)


class MinutesOut(Schema):
    key: int | None
    name: str | None
    minutes: int
    billable: int
    courtesy: int
    tickets: int


class CourtesyRowOut(Schema):
    key: int | None
    name: str | None
    minutes: int
    tickets: int


class BankRowOut(Schema):
    key: int
    name: str
    banks: int
    bought: int
    balance: int
    drawn: int
    over_zero: int
    tickets: int


class TimeOut(DatesOut):
    by_agent: list[MinutesOut]
    by_group: list[MinutesOut]
    courtesy: list[CourtesyRowOut]
    banks: list[BankRowOut]


@router.get("/reports/time", response={200: TimeOut, **s.ERRORS},
            summary="Time logged per agent and group, courtesy time (RK-11) and hour-bank "
                    "drawdown (RK-10) per organisation (leads and administrators)")
def time_report(request, params: Query[PeriodQuery]):
    _, period = _lead_period(request, params)
    dates = {"first": period.first, "last": period.last}
    logged = worktime.time_logged(**dates)
    return TimeOut(start=period.first, end=period.last, by_agent=logged["by_agent"],
                   by_group=logged["by_group"],
                   courtesy=worktime.courtesy_by_organisation(**dates),
                   banks=worktime.bank_drawdown(**dates))


class WeekOut(Schema):
    week: date
    metric: str
    measured: int
    met: int
    mean_used_seconds: int | None


class DayOut(Schema):
    day: date
    created: int
    solved: int


class HourOut(Schema):
    weekday: int
    hour: int
    breaches: int


class LoadOut(Schema):
    key: int | None
    name: str | None
    tickets: int


class PagesOut(Schema):
    schedule_id: int | None
    schedule: str | None
    pages: int
    acknowledged: int
    mean_seconds_to_acknowledge: int | None


class TrendsOut(PeriodOut):
    weeks: list[WeekOut]
    days: list[DayOut]
    breaches_by_hour_of_week: list[HourOut]
    open_by_agent: list[LoadOut]
    open_by_group: list[LoadOut]
    solved_by_agent: list[LoadOut]
    solved_by_group: list[LoadOut]
    pages: list[PagesOut]


def _load(rows: list[dict], label: str) -> list[LoadOut]:
    return [LoadOut(key=r["key"], name=r[label], tickets=r["n"]) for r in rows]


@router.get("/reports/trends", response={200: TrendsOut, **s.ERRORS},
            summary="Weekly compliance, created and solved per day, breaches by hour of week, "
                    "workload and on-call pages (UTC; leads and administrators)")
def trends_report(request, params: Query[PeriodQuery]):
    caller, period = _lead_period(request, params)
    span = {"start": period.start, "end": period.end}
    now = caller.now
    load = trends.workload(**span)
    return TrendsOut(
        start=period.first, end=period.last, timezone="UTC",
        weeks=[WeekOut(week=w["week"].date(), metric=w["metric"], measured=w["measured"],
                       met=w["met"], mean_used_seconds=None if w["mean_used"] is None
                       else round(w["mean_used"]))
               for w in trends.weekly_compliance(now=now, zone="UTC", **span)],
        days=trends.created_vs_solved(zone="UTC", **span),
        breaches_by_hour_of_week=[HourOut(weekday=h["weekday"], hour=h["hour"], breaches=h["n"])
                                  for h in trends.breaches_by_hour_of_week(
                                      now=now, zone="UTC", **span)],
        **{name: _load(load[name], label) for name, (*_, label) in trends.WORKLOAD.items()},
        pages=[PagesOut(schedule_id=p["key"], schedule=p["schedule_name"], pages=p["pages"],
                        acknowledged=p["acknowledged"],
                        mean_seconds_to_acknowledge=p["mean_ack_seconds"])
               for p in trends.pages_acknowledged(**span)])
