"""Reports over the API (issue 19): SLA compliance for support leads and administrators, and
an organisation's own "promises kept" for its primary contact (never another's)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import ConfigDict

from pledgedesk.accounts.models import Agent
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.bounds import Key
from pledgedesk.errors import NotFound, PermissionDenied
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


@router.get("/reports/compliance", response={200: ComplianceOut, **s.ERRORS},
            summary="SLA compliance for a period (UTC days), for support leads and administrators")
def compliance_report(request, params: Query[ComplianceQuery]):
    caller = caller_of(request)
    agent = caller.principal.agent if caller.is_agent else None
    if agent is None or not (agent.has_role(Agent.Role.SUPPORT_LEAD)
                             or agent.has_role(Agent.Role.ADMINISTRATOR)):
        raise PermissionDenied("only the support lead or an administrator can read reports")
    period = period_of(first=params.start, last=params.end, zone="UTC", now=caller.now)
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
