"""Professional Services through the API (issue 17): time on tickets, hour banks (RK-10),
courtesy (RK-11), Professional Services cases, exceptions (RL-11) and engagements (FG-12).

Agents see every organisation's; a contact sees only their own organisation's banks and
engagements, and only as its primary contact or Administrator (``proservices.selectors``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, StringConstraints, WithJsonSchema

from pledgedesk.accounts.models import Agent
from pledgedesk.api import lookup
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.api.lookup import Number
from pledgedesk.errors import InvalidInput, NotFound, PermissionDenied
from pledgedesk.proservices import defects, selectors, services
from pledgedesk.proservices import engagements as pipeline
from pledgedesk.proservices.models import Engagement, TimeEntry
from pledgedesk.web import downloads
from pledgedesk.web.uploads import accepts_files

router = Router(tags=["professional services"])
OrgId = Annotated[int, Path(ge=1, le=s.MAX_ID)]
EngagementId = Annotated[int, Path(ge=1, le=s.MAX_ID)]
Day = Annotated[date, WithJsonSchema({"type": "string", "format": "date", "maxLength": 10})]
Short = Annotated[str, StringConstraints(max_length=200)]
Long = Annotated[str, StringConstraints(max_length=services.MAX_TEXT)]
MOVE_FIELDS = {"stage", "version", "po_number", "project_manager", "engineer", "meeting_at",
               "scheduled_at"}


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class TimeIn(In):
    minutes: int = Field(ge=1, le=services.MAX_MINUTES)
    worked_on: Day
    billable: bool = False
    note: Long = ""
    courtesy_reason: Long | None = Field(default=None, description=(
        "Marks the time as courtesy work (RK-11), never billable, with this reason."))


class TimeOut(Schema):
    id: int
    agent: str
    minutes: int
    worked_on: Day
    billable: bool
    courtesy: bool
    courtesy_reason: str
    note: str
    bank: int | None
    over_zero: bool


class TimeLogged(Schema):
    entry: TimeOut
    warning: str | None
    replenish_notice: bool


class TicketTimeOut(Schema):
    total_minutes: int
    ps_case: bool
    entries: list[TimeOut]


class CaseIn(In):
    reason: Long


class CaseOut(Schema):
    ticket: int
    source: str
    opened_at: s.Instant


class BankIn(In):
    tier: Annotated[str, StringConstraints(max_length=50)]
    starts_on: Day


class BankBought(Schema):
    id: int
    tier: str
    minutes_bought: int
    starts_on: date
    ends_on: date


class NoticeOut(Schema):
    crossing: int
    balance_minutes: int
    created_at: s.Instant


class BankOut(Schema):
    id: int
    tier: str
    minutes_bought: int
    balance_minutes: int
    balance: str
    starts_on: date
    ends_on: date
    active: bool
    below_line: bool
    flagged: bool
    notices: list[NoticeOut]
    statement: list[TimeOut]


class ExceptionIn(In):
    kind: Annotated[str, StringConstraints(max_length=20)] = Field(
        description="priority, out_of_scope or target_waived")
    reason: Long
    ticket: int | None = Field(default=None, ge=1, le=s.MAX_ID)


class ExceptionOut(Schema):
    id: int
    organisation: int
    ticket: int | None
    agent: str
    kind: str
    reason: str
    created_at: s.Instant


class ExceptionQuery(In):
    organisation: int | None = Field(default=None, ge=1, le=s.MAX_ID)
    agent: int | None = Field(default=None, ge=1, le=s.MAX_ID)
    limit: int = Field(default=50, ge=1, le=200)


class CourtesyOut(Schema):
    organisation: int
    name: str
    minutes: int
    tickets: int


class EngagementIn(In):
    organisation: int | None = Field(default=None, ge=1, le=s.MAX_ID)
    kind: Annotated[str, StringConstraints(max_length=50)]
    title: Short
    ticket: int | None = Field(default=None, ge=1, le=s.MAX_ID, description="Ticket number")


class MoveOut(Schema):
    from_stage: str
    to_stage: str
    agent: str | None
    contact: str | None
    facts: dict
    at: s.Instant


class DocumentOut(Schema):
    id: int
    stage: str
    stage_label: str
    filename: str
    size: int
    uploaded_at: s.Instant
    download_url: str


class EngagementOut(Schema):
    id: int
    organisation: int
    kind: str
    title: str
    stage: str
    passed: list[str]
    po_number: str
    version: int
    stage_changed_at: s.Instant
    moves: list[MoveOut]
    documents: list[DocumentOut]


def _time(e: TimeEntry) -> TimeOut:
    return TimeOut(id=e.pk, agent=e.agent.name, minutes=e.minutes, worked_on=e.worked_on,
                   billable=e.billable, courtesy=e.courtesy, courtesy_reason=e.courtesy_reason,
                   note=e.note, bank=e.bank_id, over_zero=e.over_zero)


def _engagement(e: Engagement, now: datetime) -> EngagementOut:
    documents = [DocumentOut(
        id=d.document.pk, stage=d.document.stage, stage_label=d.stage_label,
        filename=d.document.filename, size=d.document.size, uploaded_at=d.document.uploaded_at,
        download_url=reverse("api-v1:ps_document_download", args=[e.pk, d.document.pk]))
        for d in selectors.documents_of(e, now=now)]
    moves = [MoveOut(from_stage=m.from_stage, to_stage=m.to_stage,
                     agent=m.agent.name if m.agent else None,
                     contact=m.contact.name if m.contact else None, facts=m.facts, at=m.at)
             for m in e.moves.select_related("agent", "contact").order_by("at", "pk")]
    return EngagementOut(id=e.pk, organisation=e.organisation_id, kind=e.kind, title=e.title,
                         stage=e.stage, passed=e.passed, po_number=e.po_number,
                         version=e.version, stage_changed_at=e.stage_changed_at, moves=moves,
                         documents=documents)


# --- time and cases --------------------------------------------------------------------------


@router.post("/tickets/{number}/time", response={201: TimeLogged, **s.ERRORS},
             summary="Log time on a ticket (agents; courtesy with a reason, RK-11)")
def time_log(request, number: Number, body: TimeIn):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)  # an unseen ticket is a 404 before a 403
    caller.require_agent("log time")
    logged = services.time_log(ticket=ticket, agent=caller.principal.agent,
                               minutes=body.minutes, worked_on=body.worked_on,
                               billable=body.billable, note=body.note,
                               courtesy_reason=body.courtesy_reason, now=caller.now)
    return Status(201, TimeLogged(entry=_time(logged.entry), warning=logged.warning,
                                  replenish_notice=logged.notice is not None))


@router.get("/tickets/{number}/time", response={200: TicketTimeOut, **s.ERRORS},
            summary="A ticket's time and its total (agents)")
def time_list(request, number: Number):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)  # an unseen ticket is a 404 before a 403
    caller.require_agent("read time")
    entries, total = selectors.ticket_time(ticket)
    return TicketTimeOut(total_minutes=total, ps_case=selectors.ps_case_of(ticket) is not None,
                         entries=[_time(e) for e in entries])


@router.post("/tickets/{number}/ps-case", response={201: CaseOut, **s.ERRORS},
             summary="Turn a request into a Professional Services case (agents, RK-9/RK-10)")
def case_open(request, number: Number, body: CaseIn):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)  # an unseen ticket is a 404 before a 403
    caller.require_agent("open a Professional Services case")
    case = services.ps_case_open(ticket=ticket, agent=caller.principal.agent,
                                 reason=body.reason, now=caller.now)
    return Status(201, CaseOut(ticket=ticket.number, source=case.source,
                               opened_at=case.opened_at))


# --- hour banks ------------------------------------------------------------------------------


@router.get("/organisations/{org_id}/hour-banks", response={200: list[BankOut], **s.ERRORS},
            summary="An organisation's hour banks with statements (agents; its primary "
                    "contact or Administrator)")
def banks_list(request, org_id: OrgId):
    caller = caller_of(request)
    org = selectors.organisation_for(caller.principal, org_id)
    return [BankOut(id=v.bank.pk, tier=v.bank.tier, minutes_bought=v.bank.minutes_bought,
                    balance_minutes=v.bank.balance_minutes, balance=v.balance,
                    starts_on=v.bank.starts_on, ends_on=v.bank.ends_on, active=v.active,
                    below_line=v.below_line, flagged=v.bank.flagged_at is not None,
                    notices=[NoticeOut(crossing=n.crossing, balance_minutes=n.balance_minutes,
                                       created_at=n.created_at) for n in v.notices],
                    statement=[_time(e) for e in v.entries])
            for v in selectors.banks_of(org, now=caller.now)]


@router.post("/organisations/{org_id}/hour-banks", response={201: BankBought, **s.ERRORS},
             summary="An organisation buys an hour bank tier (agents, RK-10)")
def bank_buy(request, org_id: OrgId, body: BankIn):
    caller = caller_of(request)
    caller.require_agent("sell hour banks")
    org = selectors.organisation_for(caller.principal, org_id)
    bank = services.bank_buy(organisation=org, tier=body.tier, starts_on=body.starts_on,
                             agent=caller.principal.agent, now=caller.now)
    return Status(201, BankBought(id=bank.pk, tier=bank.tier, minutes_bought=bank.minutes_bought,
                                  starts_on=bank.starts_on, ends_on=bank.ends_on))


# --- exceptions and courtesy -----------------------------------------------------------------


@router.post("/organisations/{org_id}/exceptions", response={201: ExceptionOut, **s.ERRORS},
             summary="Record an exception to policy with its reason (agents, RL-11)")
def exception_record(request, org_id: OrgId, body: ExceptionIn):
    caller = caller_of(request)
    caller.require_agent("make exceptions")
    org = selectors.organisation_for(caller.principal, org_id)
    ticket = lookup.ticket(caller, body.ticket) if body.ticket else None
    made = services.exception_record(organisation=org, ticket=ticket,
                                     agent=caller.principal.agent, kind=body.kind,
                                     reason=body.reason, now=caller.now)
    return Status(201, _exception(made))


def _exception(e) -> ExceptionOut:
    return ExceptionOut(id=e.pk, organisation=e.organisation_id,
                        ticket=e.ticket.number if e.ticket else None, agent=e.agent.name,
                        kind=e.kind, reason=e.reason, created_at=e.created_at)


@router.get("/exceptions", response={200: list[ExceptionOut], **s.ERRORS},
            summary="Exceptions to policy per organisation or agent (agents, RL-11)")
def exceptions_list(request, query: Query[ExceptionQuery]):
    caller = caller_of(request)
    caller.require_agent("read exceptions")
    rows = selectors.exceptions_list(organisation_id=query.organisation, agent_id=query.agent)
    return [_exception(e) for e in rows[: query.limit]]


@router.get("/reports/courtesy", response={200: list[CourtesyOut], **s.ERRORS},
            summary="Courtesy time per organisation (agents, RK-11)")
def courtesy_report(request):
    caller = caller_of(request)
    caller.require_agent("read reports")
    return [CourtesyOut(organisation=r["ticket__organisation_id"],
                        name=r["ticket__organisation__name"], minutes=r["minutes"],
                        tickets=r["tickets"]) for r in selectors.courtesy_report()[:200]]


# --- engagements -----------------------------------------------------------------------------


@router.get("/engagements", response={200: list[EngagementOut], **s.ERRORS},
            summary="Engagements the caller may see, oldest stage change first (FG-12)")
def engagements_list(request):
    caller = caller_of(request)
    rows = selectors.engagements_visible(caller.principal).order_by("stage_changed_at", "pk")
    return [_engagement(e, caller.now) for e in rows[:200]]


@router.post("/engagements", response={201: EngagementOut, **s.ERRORS},
             summary="Ask for an engagement (agents name the organisation; FG-12)")
def engagement_request(request, body: EngagementIn):
    caller = caller_of(request)
    if caller.is_agent:
        if body.organisation is None:
            raise InvalidInput("name the organisation", field="organisation")
        org = selectors.organisation_for(caller.principal, body.organisation)
    else:
        org = selectors.own_organisation(caller.principal)
    ticket = lookup.ticket(caller, body.ticket) if body.ticket else None
    made = pipeline.engagement_request(organisation=org, kind=body.kind, title=body.title,
                                       ticket=ticket, actor=caller.actor, now=caller.now)
    return Status(201, _engagement(made, caller.now))


@router.get("/engagements/{engagement_id}", response={200: EngagementOut, **s.ERRORS},
            summary="One engagement with its moves (FG-12)")
def engagement_get(request, engagement_id: EngagementId):
    caller = caller_of(request)
    return _engagement(selectors.engagement_for(caller.principal, engagement_id), caller.now)


@router.get("/engagements/{engagement_id}/documents/{document_id}",
            response={200: None, **s.ERRORS}, url_name="ps_document_download",
            summary="Download an engagement's document (agents; the organisation's primary "
                    "contact or Administrator; FG-12)")
def engagement_document(request, engagement_id: EngagementId, document_id: EngagementId):
    """Always ``Content-Disposition: attachment`` with ``nosniff`` and the sandbox CSP, like a
    ticket's attachments; another organisation's document is a 404 like a missing one."""
    caller = caller_of(request)
    return downloads.attachment_download(
        selectors.document_for(caller.principal, engagement_id, document_id))


MOVE_SCHEMA = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["stage"],
    "properties": {
        "stage": {"type": "string", "maxLength": 50},
        "version": {"type": "integer"},
        "po_number": {"type": "string", "maxLength": pipeline.MAX_PO},
        "project_manager": {"type": "integer", "description": "An agent's id"},
        "engineer": {"type": "integer", "description": "An agent's id"},
        "meeting_at": {"type": "string", "format": "date-time", "maxLength": 40},
        "scheduled_at": {"type": "string", "format": "date-time", "maxLength": 40},
        "document": {"type": "string", "format": "binary"},
    }}}}}}


@router.post("/engagements/{engagement_id}/moves", response={200: EngagementOut, **s.ERRORS},
             openapi_extra=MOVE_SCHEMA,
             summary="Move an engagement to a later stage (multipart; FG-12)")
@accepts_files(1, field_bytes=1024)
def engagement_move(request, engagement_id: EngagementId):
    caller = caller_of(request)
    found = selectors.engagement_for(caller.principal, engagement_id)
    unexpected = sorted((set(request.POST) | set(request.FILES)) - MOVE_FIELDS - {"document"})
    if unexpected:
        raise InvalidInput(f"unknown field {unexpected[0]!r}", field=unexpected[0])
    post = request.POST
    moved = pipeline.engagement_move(
        engagement=found, to_stage=post.get("stage", ""), actor=caller.actor,
        facts=pipeline.Facts(
            document=request.FILES.get("document"), po_number=post.get("po_number", ""),
            project_manager=_agent(post.get("project_manager"), "project_manager"),
            engineer=_agent(post.get("engineer"), "engineer"),
            meeting_at=_instant(post.get("meeting_at"), "meeting_at"),
            scheduled_at=_instant(post.get("scheduled_at"), "scheduled_at")),
        expected_version=_int(post.get("version"), "version"), now=caller.now)
    return _engagement(moved, caller.now)


def _int(value: str | None, field: str) -> int | None:
    if value in (None, ""):
        return None
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= s.MAX_ID:
        raise InvalidInput(f"{field} must be a positive integer", field=field)
    return int(value)


def _agent(value: str | None, field: str) -> Agent | None:
    pk = _int(value, field)
    if pk is None:
        return None
    found = Agent.objects.filter(pk=pk, active=True).first()
    if found is None:
        raise NotFound(f"no active agent {pk}", field=field)
    return found


def _instant(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        at = parse_datetime(value)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise InvalidInput(f"{field} must be an ISO 8601 instant with its offset", field=field)
    return at


# --- defects and feature requests (RK-5, RL-8) -------------------------------------------------


class DefectIn(In):
    reference: Annotated[str, StringConstraints(max_length=300)] = Field(
        description="The development team's tracker id or URL")
    workaround: Annotated[str, StringConstraints(max_length=20_000)] = ""


class DefectOut(Schema):
    ticket: int
    reference: str
    team: str
    workaround: str
    priority: str


class FeatureIn(In):
    summary: Annotated[str, StringConstraints(max_length=300)]


class FeatureStatusIn(In):
    status: Annotated[str, StringConstraints(max_length=20)] = Field(
        description="received, under_review, planned, shipped or declined")


class FeatureOut(Schema):
    ticket: int
    team: str
    summary: str
    status: str
    updated_at: s.Instant


def _feature(f) -> FeatureOut:
    return FeatureOut(ticket=f.ticket.number, team=f.team, summary=f.summary, status=f.status,
                      updated_at=f.updated_at)


@router.post("/tickets/{number}/defect", response={201: DefectOut, **s.ERRORS},
             summary="Report a suspected product defect (agents, RK-5)")
def defect_report(request, number: Number, body: DefectIn):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    caller.require_agent("report defects")
    made = defects.defect_report(ticket=ticket, agent=caller.principal.agent,
                                 reference=body.reference, workaround=body.workaround,
                                 now=caller.now)
    return Status(201, DefectOut(ticket=number, reference=made.reference, team=made.team,
                                 workaround=made.workaround, priority=made.priority))


@router.post("/tickets/{number}/feature-request", response={201: FeatureOut, **s.ERRORS},
             summary="Take the ticket as a feature request for its owning team (agents, RL-8)")
def feature_open(request, number: Number, body: FeatureIn):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    caller.require_agent("take feature requests")
    return Status(201, _feature(defects.feature_request_open(
        ticket=ticket, agent=caller.principal.agent, summary=body.summary, now=caller.now)))


@router.get("/tickets/{number}/feature-request", response={200: FeatureOut, **s.ERRORS},
            summary="A feature request's status (anyone who sees the ticket, RL-8)")
def feature_get(request, number: Number):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    found = selectors.feature_request_of(ticket)
    if found is None:
        raise NotFound("this ticket is not a feature request", field="ticket")
    return _feature(found)


class FeatureAskIn(In):
    summary: Annotated[str, StringConstraints(max_length=300)]
    description: Annotated[str, StringConstraints(max_length=20_000)] = ""


@router.get("/feature-requests", response={200: list[FeatureOut], **s.ERRORS},
            summary="Feature requests on the tickets the caller may see, newest change first "
                    "(RL-8)")
def features_list(request):
    caller = caller_of(request)
    return [_feature(f) for f in selectors.feature_requests_visible(caller.principal)[:200]]


@router.post("/feature-requests", response={201: FeatureOut, **s.ERRORS},
             summary="Ask for a feature: a ticket routed to the team that owns feature "
                     "requests (contacts, RL-8)")
def feature_ask(request, body: FeatureAskIn):
    caller = caller_of(request)
    if caller.principal.contact is None:
        raise PermissionDenied("agents take a ticket as a feature request: "
                               "POST /tickets/{number}/feature-request", field="summary")
    return Status(201, _feature(defects.feature_request_submit(
        contact=caller.principal.contact, summary=body.summary, description=body.description,
        door="api", now=caller.now)))


@router.post("/tickets/{number}/feature-request/status", response={200: FeatureOut, **s.ERRORS},
             summary="Change a feature request's status (agents, RL-8)")
def feature_status(request, number: Number, body: FeatureStatusIn):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    caller.require_agent("change feature requests")
    return _feature(defects.feature_request_set_status(
        ticket=ticket, agent=caller.principal.agent, status=body.status, now=caller.now))
