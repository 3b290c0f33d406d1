"""Professional Services in the console (issue 17): time on the ticket page (an included panel
loaded by htmx), courtesy time with its warning (RK-11), turning a request into a Professional
Services case (RK-10), exceptions with reasons (RL-11), an organisation's hour banks, the
courtesy and exceptions report, and the engagement pipeline board (FG-12)."""

from __future__ import annotations

from datetime import UTC, date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_POST, require_safe

from pledgedesk.accounts.authorization import ticket_for
from pledgedesk.accounts.models import Agent
from pledgedesk.console.views import _base, agent_required
from pledgedesk.errors import DeskError, InvalidInput, NotFound
from pledgedesk.proservices import defects, rules, selectors, services
from pledgedesk.proservices import engagements as pipeline
from pledgedesk.proservices.models import Engagement, FeatureRequest, PolicyException
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import Actor
from pledgedesk.versions.policies import policy_for
from pledgedesk.web.downloads import attachment_download
from pledgedesk.web.uploads import accepts_files


def _ticket(request, number: int) -> Ticket:
    try:
        return ticket_for(request.principal, number,
                          Ticket.objects.select_related("organisation", "policy_version"))
    except NotFound:
        raise Http404("not found") from None


def _back(number: int):
    return redirect("console:ticket", number=number)


@require_safe
@agent_required
def ticket_panel(request, number: int):
    """The panel the ticket page includes: time, total, case, bank, courtesy, exceptions."""
    found = _ticket(request, number)
    entries, total = selectors.ticket_time(found)
    banks = selectors.banks_of(found.organisation, now=request.now, statement=False) \
        if found.organisation else []
    policy = policy_for(found.policy_version)
    return render(request, "console/ps_ticket.html", _base(
        request, ticket=found, entries=entries, total=total, banks=banks,
        case=selectors.ps_case_of(found), sells_banks=rules.bank_terms(policy) is not None,
        courtesy_limit=rules.courtesy_limit(policy), today=request.now.date(),
        exception_kinds=PolicyException.Kind.choices,
        defect=selectors.defect_of(found),
        has_defect_path=policy.spec.defects is not None,
        feature=selectors.feature_request_of(found),
        takes_features=policy.spec.intake.feature_requests_to is not None,
        feature_statuses=FeatureRequest.Status.choices))


@require_POST
@agent_required
def time_log(request, number: int):
    found = _ticket(request, number)
    post = request.POST
    try:
        logged = services.time_log(
            ticket=found, agent=request.agent, minutes=_int(post.get("minutes"), "minutes"),
            worked_on=_date(post.get("worked_on"), "worked_on"),
            billable=post.get("billable") == "on", note=post.get("note", ""),
            courtesy_reason=post.get("courtesy_reason") if post.get("courtesy") == "on"
            else None, now=request.now)
    except DeskError as exc:
        messages.error(request, f"Time not logged: {exc}")
        return _back(number)
    messages.success(request, f"Logged {logged.entry.minutes} minutes.")
    if logged.warning:
        messages.warning(request, logged.warning)
    if logged.notice:
        messages.info(request, "The bank fell below the policy's line: the primary contact "
                               "is being told to replenish.")
    return _back(number)


@require_POST
@agent_required
def case_open(request, number: int):
    found = _ticket(request, number)
    try:
        services.ps_case_open(ticket=found, agent=request.agent,
                              reason=request.POST.get("reason", ""), now=request.now)
    except DeskError as exc:
        messages.error(request, f"Not turned into a case: {exc}")
    else:
        messages.success(request, "This ticket is now a Professional Services case.")
    return _back(number)


@require_POST
@agent_required
def exception_record(request, number: int):
    found = _ticket(request, number)
    try:
        services.exception_record(organisation=found.organisation, ticket=found,
                                  agent=request.agent, kind=request.POST.get("kind", ""),
                                  reason=request.POST.get("reason", ""), now=request.now)
    except DeskError as exc:
        messages.error(request, f"Exception not recorded: {exc}")
    else:
        messages.success(request, "Exception recorded with its reason.")
    return _back(number)


def _organisation(request, org_id: int):
    try:
        return selectors.organisation_for(request.principal, org_id)
    except NotFound:
        raise Http404("not found") from None


@agent_required
def banks(request, org_id: int):
    org = _organisation(request, org_id)
    terms = rules.bank_terms(rules.policy_of(org, now=request.now))
    error = None
    if request.method == "POST":
        try:
            services.bank_buy(organisation=org, tier=request.POST.get("tier", ""),
                              starts_on=_date(request.POST.get("starts_on"), "starts_on"),
                              agent=request.agent, now=request.now)
        except DeskError as exc:
            error = exc
        else:
            messages.success(request, "Hour bank bought.")
            return redirect("console:ps_banks", org_id=org.pk)
    return render(request, "console/ps_banks.html", _base(
        request, org=org, banks=selectors.banks_of(org, now=request.now), error=error,
        tiers=terms.tiers if terms else {}, today=request.now.date(), section="ps"),
        status=422 if error else 200)


@require_safe
@agent_required
def report(request):
    """RK-11 courtesy time per organisation; RL-11 exceptions per organisation or agent."""
    try:
        org_id = _int(request.GET.get("organisation"), "organisation", optional=True)
        agent_id = _int(request.GET.get("agent"), "agent", optional=True)
    except InvalidInput:
        raise Http404("no such filter") from None
    return render(request, "console/ps_report.html", _base(
        request, courtesy=selectors.courtesy_report()[:200],
        exceptions=selectors.exceptions_list(organisation_id=org_id,
                                             agent_id=agent_id)[:200],
        section="ps"))


@require_safe
@agent_required
def board(request):
    """FG-12: engagements by stage, oldest stage change first, in each policy's order."""
    columns: dict[str, list[Engagement]] = {}
    labels: dict[str, str] = {}
    rows = selectors.engagements_visible(request.principal).order_by("stage_changed_at", "pk")
    for e in rows[:500]:
        spec = pipeline.spec_of(e, now=request.now)
        for s in spec.stages:
            columns.setdefault(s.key, [])
            labels.setdefault(s.key, s.label)
        columns[e.stage].append(e)
    return render(request, "console/ps_board.html", _base(
        request, columns=[(k, labels[k], v) for k, v in columns.items()], section="ps"))


@agent_required
@accepts_files(1)
def engagement(request, engagement_id: int):
    try:
        found = selectors.engagement_for(request.principal, engagement_id)
    except NotFound:
        raise Http404("not found") from None
    spec = pipeline.spec_of(found, now=request.now)
    error = None
    if request.method == "POST":
        try:
            pipeline.engagement_move(
                engagement=found, to_stage=request.POST.get("stage", ""),
                actor=Actor(channel="web", agent=request.agent), facts=_facts(request),
                expected_version=_int(request.POST.get("version"), "version", optional=True),
                now=request.now)
        except DeskError as exc:
            error = exc
        else:
            messages.success(request, f"Moved to {found.stage}.")
            return redirect("console:ps_engagement", engagement_id=found.pk)
    ahead = [v.spec for v in pipeline.stages_of(found, spec) if v.state == "ahead"]
    return render(request, "console/ps_engagement.html", _base(
        request, engagement=found, stages=pipeline.stages_of(found, spec), ahead=ahead,
        documents=selectors.documents_of(found, now=request.now),
        moves=found.moves.select_related("agent", "contact").order_by("at", "pk"),
        agents=Agent.objects.filter(active=True).order_by("name")[:200], error=error,
        section="ps"), status=422 if error else 200)


@require_safe
@agent_required
def document(request, engagement_id: int, document_id: int):
    """FG-12's quote, signed quote and statement of work: always a download (nosniff,
    sandboxed), through the engagement's permission check."""
    try:
        found = selectors.document_for(request.principal, engagement_id, document_id)
    except NotFound:
        raise Http404("not found") from None
    return attachment_download(found)


def _facts(request) -> pipeline.Facts:
    post = request.POST
    return pipeline.Facts(
        document=request.FILES.get("document"), po_number=post.get("po_number", ""),
        project_manager=_agent(post.get("project_manager"), "project_manager"),
        engineer=_agent(post.get("engineer"), "engineer"),
        meeting_at=_instant(post.get("meeting_at"), "meeting_at"),
        scheduled_at=_instant(post.get("scheduled_at"), "scheduled_at"))


def _int(value, field: str, *, optional: bool = False) -> int | None:
    if optional and value in (None, ""):
        return None
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() \
            or len(value) > 9:
        raise InvalidInput(f"{field} must be a whole number", field=field)
    return int(value)


def _date(value, field: str) -> date:
    try:
        found = parse_date(value or "")
    except ValueError:
        found = None
    if found is None:
        raise InvalidInput(f"{field} must be a date (YYYY-MM-DD)", field=field)
    return found


def _agent(value, field: str) -> Agent | None:
    pk = _int(value, field, optional=True)
    if pk is None:
        return None
    found = Agent.objects.filter(pk=pk, active=True).first()
    if found is None:
        raise InvalidInput(f"no active agent {pk}", field=field)
    return found


def _instant(value, field: str):
    """A ``datetime-local`` value is read in UTC (the form says so)."""
    if not value:
        return None
    try:
        at = parse_datetime(value)
    except ValueError:
        at = None
    if at is None:
        raise InvalidInput(f"{field} must be a date and time", field=field)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at


@require_POST
@agent_required
def defect(request, number: int):
    """RK-5: a suspected defect with its reference; the workaround if there is one."""
    found = _ticket(request, number)
    try:
        defects.defect_report(ticket=found, agent=request.agent,
                              reference=request.POST.get("reference", ""),
                              workaround=request.POST.get("workaround", ""), now=request.now)
    except DeskError as exc:
        messages.error(request, f"Defect not reported: {exc}")
    else:
        messages.success(request, "Defect reported; the customer has been told.")
    return _back(number)


@require_POST
@agent_required
def feature(request, number: int):
    """RL-8: take the ticket as a feature request, or change its status."""
    found = _ticket(request, number)
    try:
        if request.POST.get("status"):
            defects.feature_request_set_status(ticket=found, agent=request.agent,
                                               status=request.POST["status"], now=request.now)
        else:
            defects.feature_request_open(ticket=found, agent=request.agent,
                                         summary=request.POST.get("summary", ""),
                                         now=request.now)
    except DeskError as exc:
        messages.error(request, f"Feature request not changed: {exc}")
    else:
        messages.success(request, "Feature request recorded.")
    return _back(number)
