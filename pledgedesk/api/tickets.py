"""Ticket endpoints. Each handler parses, finds the ticket through the one permission check
(``ticket_for``: a ticket the caller may not see is a 404, exactly like a missing one), checks
the caller's role for the action (403 when visible but not allowed), calls one service with
``caller.now`` and renders the result."""

from __future__ import annotations

import re
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, Field, StringConstraints

from pledgedesk.accounts.authorization import sees_internal_notes, ticket_visible
from pledgedesk.accounts.models import Agent, AgentGroup, Contact, Organisation
from pledgedesk.accounts.services import contact_by_phone
from pledgedesk.api import lookup, render
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import Caller, caller_of
from pledgedesk.api.lookup import Number
from pledgedesk.bounds import Cursor, Minutes
from pledgedesk.errors import ErrorCode, InvalidInput, NotFound, PermissionDenied
from pledgedesk.rowget import RowGet
from pledgedesk.tickets import services
from pledgedesk.tickets.intake import door_channel
from pledgedesk.tickets.merge import ticket_history_merged
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.selectors import (
    MAX_PAGE,
    QueueFilter,
    ticket_messages,
    ticket_queue,
)
from pledgedesk.versions.policies import policy_in_force
from pledgedesk.workspace.selectors import last_message_id, messages_since

router = Router(tags=["tickets"])

ERRORS = s.ERRORS
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,18})"?$')


class VersionRequired(InvalidInput):
    code = ErrorCode.VERSION_REQUIRED
    status = 428


def _detail(caller: Caller, number: int) -> s.TicketOut:
    return render.ticket_out(lookup.ticket(caller, number), agent=caller.is_agent,
                             principal=caller.principal, now=caller.now)


def _version(request: HttpRequest, body_version: int | None) -> int | None:
    """The version the client last saw: the body's ``version``, else the If-Match header."""
    if body_version is not None:
        return body_version
    header = request.headers.get("If-Match")
    if header is None:
        return None
    match = _ETAG.match(header.strip())
    if match is None:
        raise InvalidInput('If-Match must be a ticket version, such as "3"', field="If-Match")
    return int(match.group(1))


# --- create and list -------------------------------------------------------------------------


@router.post("/tickets", response={201: s.TicketOut, **ERRORS}, summary="Open a ticket")
def ticket_create(request, payload: s.TicketCreateIn):
    caller = caller_of(request)
    build = _agent_ticket if caller.is_agent else _contact_ticket
    new = build(caller, payload)
    ticket = services.ticket_create(new=new, now=caller.now)
    # The service returns the ticket with its timers and CCs loaded: shown without reading
    # it back, once the one permission check agrees the caller may see it.
    if not ticket_visible(caller.principal, ticket):
        raise NotFound(f"ticket {ticket.number} not found")
    return Status(201, render.ticket_out(ticket, agent=caller.is_agent,
                                         principal=caller.principal, now=caller.now))


def _default_channel(org: Organisation, caller: Caller) -> str:
    """The channel of the API door under the organisation's policy (``intake.door_channel``:
    the policy's api channel, else its web one)."""
    _, policy = policy_in_force(org.policy_key, now=caller.now)
    channel = door_channel(policy, "api")
    if channel is None:
        raise InvalidInput(f"support policy {policy.key!r} takes no requests through the API",
                           field="channel")
    return channel


def _cc(org: Organisation, ids: list[int]) -> list[Contact]:
    if not ids:
        return []
    found = {c.pk: c for c in Contact.objects.filter(organisation=org, pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(f"no contact {missing[0]} in this organisation", field="cc")
    return [found[i] for i in dict.fromkeys(ids)]


def _contact_ticket(caller: Caller, payload: s.TicketCreateIn) -> services.NewTicket:
    for name in ("organisation", "requester", "channel", "tags"):
        if name in payload.model_fields_set:
            raise PermissionDenied(f"only an agent can set {name}", field=name)
    contact = caller.contact
    org = contact.organisation
    return services.NewTicket(
        organisation=org, requester=contact, subject=payload.subject,
        description=payload.description, channel=_default_channel(org, caller),
        priority=payload.priority, cc=_cc(org, payload.cc), topic=payload.topic,
    )


# select_related("organisation").get(pk=..., organisation=...), its SQL built once: every
# ticket an agent opens through the API reads it.
_REQUESTER = RowGet(Contact, related=("organisation",), equal=("id", "organisation"))


def _agent_ticket(caller: Caller, payload: s.TicketCreateIn) -> services.NewTicket:
    if payload.organisation is None:
        raise InvalidInput("organisation is required when an agent opens a ticket",
                           field="organisation")
    if payload.requester is None:
        raise InvalidInput("requester is required when an agent opens a ticket",
                           field="requester")
    try:
        requester = _REQUESTER.get(id=payload.requester, organisation=payload.organisation)
    except Contact.DoesNotExist:
        if not Organisation.objects.filter(pk=payload.organisation).exists():
            raise InvalidInput(f"no organisation {payload.organisation}",
                               field="organisation") from None
        raise InvalidInput(f"no contact {payload.requester} in this organisation",
                           field="requester") from None
    org = requester.organisation
    return services.NewTicket(
        organisation=org, requester=requester, subject=payload.subject,
        description=payload.description, channel=payload.channel or _default_channel(
            org, caller), priority=payload.priority, cc=_cc(org, payload.cc),
        topic=payload.topic, tags=payload.tags, created_by=caller.principal.agent,
    )


class QueueQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    status: s.Key | None = None
    include_closed: bool = False
    priority: s.Key | None = None
    group: s.Key | None = Field(default=None, description="Agents only.")
    assignee: Annotated[str, StringConstraints(pattern=r"^(\d{1,18}|me|unassigned)$")] | None \
        = Field(default=None, description="Agents only: an agent id, me or unassigned.")
    organisation: s.Id | None = None
    sla_state: s.SlaState | None = None
    breaching_within: Minutes | None = Field(
        default=None, description="Minutes: tickets with a timer not met that is due within "
        "them (or due at a closing time that has passed, not late until business time "
        "resumes), or has already breached (see include_breached).")
    include_breached: bool = Field(
        default=True, description="With breaching_within: also keep tickets whose timer has "
        "already breached and is not met; false keeps only those not yet breached.")
    escalated: bool | None = None
    cursor: Cursor | None = None
    limit: int = Field(default=25, ge=1, le=MAX_PAGE)


@router.get("/tickets", response={200: s.QueuePageOut, **ERRORS}, summary="The queue")
def ticket_list(request, filters: Query[QueueQuery]):
    """Queue order: priority, then time received (RK-8, RT-4, FG-6). Keyset pages: follow
    ``next_cursor``; nothing counts the whole table."""
    caller = caller_of(request)
    if not caller.is_agent:
        for name in ("group", "assignee"):
            if getattr(filters, name) is not None:
                raise PermissionDenied(f"only an agent can filter by {name}", field=name)
    page = ticket_queue(
        principal=caller.principal,
        filters=QueueFilter(
            status=filters.status, include_closed=filters.include_closed,
            priority=filters.priority, group=filters.group, assignee=filters.assignee,
            organisation=filters.organisation, sla_state=filters.sla_state,
            breaching_within=filters.breaching_within,
            include_breached=filters.include_breached, escalated=filters.escalated,
        ),
        cursor=filters.cursor or None, limit=filters.limit, now=caller.now,
        columns=render.QUEUE_COLUMNS_AGENT if caller.is_agent else render.QUEUE_COLUMNS,
    )
    return render.queue_page_out(page.tickets, page.next_cursor, agent=caller.is_agent,
                                 now=caller.now)


# --- one ticket ------------------------------------------------------------------------------


@router.get("/tickets/{number}", response={200: s.TicketOut, **ERRORS}, summary="One ticket")
def ticket_detail(request, number: Number, response: HttpResponse):
    caller = caller_of(request)
    detail = _detail(caller, number)
    response["ETag"] = f'"{detail.version}"'
    return detail


@router.patch("/tickets/{number}", response={200: s.TicketOut, 428: s.ErrorOut, **ERRORS},
              summary="Change status, priority, assignee, group, topic or tags")
def ticket_patch(request, number: Number, payload: s.TicketPatchIn, response: HttpResponse):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    caller.require_agent("change a ticket")
    version = _version(request, payload.version)
    if version is None:
        raise VersionRequired("send the version you last saw, in the body or as If-Match",
                              field="version")
    fields = payload.model_fields_set
    change = services.Change(
        status=payload.status, priority=payload.priority,
        assignee=_agent(payload.assignee) if payload.assignee is not None else None,
        unassign="assignee" in fields and payload.assignee is None,
        group=_group(payload.group) if payload.group is not None else None,
        topic=payload.topic, tags=payload.tags,
    )
    ticket = services.ticket_update(ticket=ticket, actor=caller.actor, change=change,
                                    expected_version=version, now=caller.now)
    detail = _shown(caller, ticket)
    response["ETag"] = f'"{detail.version}"'
    return detail


def _agent(pk: int) -> Agent:
    found = Agent.objects.filter(pk=pk, active=True).first()
    if found is None:
        raise InvalidInput(f"no active agent {pk}", field="assignee")
    return found


def _group(key: str) -> AgentGroup:
    found = AgentGroup.objects.filter(key=key).first()
    if found is None:
        raise InvalidInput(f"no group {key!r}", field="group")
    return found


# --- conversation ----------------------------------------------------------------------------


def _created(caller: Caller, message) -> Status:
    """The new message and the ticket as the service left it (``message.ticket``)."""
    return Status(201, s.MessageCreatedOut(
        message=render.message_out(message, agent=caller.is_agent),
        ticket=_shown(caller, message.ticket)))


@router.post("/tickets/{number}/replies", response={201: s.ReplyCreatedOut, **ERRORS},
             summary="Public reply (agent) or customer reply (contact)")
def ticket_reply(request, number: Number, payload: s.ReplyIn):
    """An agent's reply may change the status in the same action (a reply sent with Pending
    still meets first response). A reply is never refused for a stale ``version``: it goes
    through with a notice and what others wrote meanwhile (issue 16, as in the console); only
    a status change keeps the version check. A contact's reply reopens a Solved ticket;
    Closed is 409."""
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    if not caller.is_agent:
        if payload.status is not None:
            raise PermissionDenied("only an agent can change the status", field="status")
        message = services.ticket_customer_reply(
            ticket=ticket, actor=caller.actor, body=payload.body, now=caller.now)
        return _replied(caller, message, notice=None, meanwhile=[])
    version = _version(request, payload.version)
    seen = payload.seen if payload.seen is not None else last_message_id(ticket=ticket)
    change = services.Change(status=payload.status) if payload.status else None
    message = services.ticket_reply(
        ticket=ticket, actor=caller.actor, body=payload.body, change=change,
        expected_version=version if change is not None else None, now=caller.now)
    meanwhile = messages_since(ticket=ticket, seen=seen, excluding=message.pk)
    return _replied(caller, message, notice=_reply_notice(ticket, version, meanwhile),
                    meanwhile=meanwhile)


def _replied(caller: Caller, message, *, notice: str | None, meanwhile: list) -> Status:
    return Status(201, s.ReplyCreatedOut(
        message=render.message_out(message, agent=caller.is_agent),
        ticket=_shown(caller, message.ticket), notice=notice,
        meanwhile=[render.message_out(m, agent=True) for m in meanwhile]))


def _reply_notice(ticket: Ticket, version: int | None, meanwhile: list) -> str | None:
    """The API's form of the console's "meanwhile" notice: the reply went through although
    the ticket changed since ``version`` (as read before the reply) or messages arrived."""
    stale = version is not None and version != ticket.version
    if not stale and not meanwhile:
        return None
    since = (f"since version {version} (it was at version {ticket.version})" if stale
             else "while you wrote")
    told = (f"; {len(meanwhile)} message(s) were added meanwhile, listed in meanwhile"
            if meanwhile else "")
    return f"Ticket {ticket.number} changed {since}. Your reply was added all the same{told}."


@router.post("/tickets/{number}/notes", response={201: s.MessageCreatedOut, **ERRORS},
             summary="Internal note (agents)")
def ticket_note(request, number: Number, payload: s.NoteIn):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    caller.require_agent("add an internal note")
    message = services.ticket_note(ticket=ticket, actor=caller.actor, body=payload.body,
                                   expected_version=_version(request, payload.version),
                                   now=caller.now)
    return _created(caller, message)


@router.post("/tickets/{number}/calls", response={201: s.MessageCreatedOut, **ERRORS},
             summary="Log a call or screen share (agents; RK-1)")
def ticket_call(request, number: Number, payload: s.CallIn):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    caller.require_agent("log a call")
    message = services.ticket_log_call(ticket=ticket, actor=caller.actor,
                                       summary=payload.summary,
                                       expected_version=_version(request, payload.version),
                                       now=caller.now)
    return _created(caller, message)


@router.get("/tickets/{number}/messages", response={200: list[s.MessageOut], **ERRORS},
            summary="The conversation (internal notes for agents only)")
def ticket_message_list(request, number: Number):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    return [render.message_out(m, agent=caller.is_agent)
            for m in ticket_messages(principal=caller.principal, ticket=ticket)]


# --- actions ---------------------------------------------------------------------------------


@router.post("/tickets/{number}/escalation", response={200: s.TicketOut, **ERRORS},
             summary="Ask for escalation (PR-6)")
def ticket_escalation(request, number: Number, payload: s.EscalationIn):
    """Recorded once; asking again while a request is open changes nothing."""
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    ticket = services.ticket_request_escalation(ticket=ticket, actor=caller.actor,
                                                reason=payload.reason, now=caller.now)
    return _shown(caller, ticket)


@router.post("/tickets/{number}/reopen", response={200: s.TicketOut, **ERRORS},
             summary="Reopen a Solved ticket (RK-7)")
def ticket_reopen(request, number: Number):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    ticket = services.ticket_reopen(ticket=ticket, actor=caller.actor, now=caller.now)
    return _shown(caller, ticket)


@router.post("/tickets/{number}/exclusions", response={200: s.TicketOut, **ERRORS},
             summary="Set or clear an exclusion reason (agents; RK-4)")
def ticket_exclusion(request, number: Number, payload: s.ExclusionIn):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    caller.require_agent("set an exclusion")
    ticket = services.ticket_set_exclusion(
        ticket=ticket, actor=caller.actor, reason=payload.reason, active=payload.active,
        expected_version=_version(request, payload.version), now=caller.now)
    return _shown(caller, ticket)


@router.post("/tickets/{number}/authorisation", response={200: s.TicketOut, **ERRORS},
             summary="Confirm or reject a held request (primary contact; FG-10)")
def ticket_authorisation(request, number: Number, payload: s.AuthorisationIn):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    ticket = services.ticket_authorise(ticket=ticket, actor=caller.actor,
                                       approve=payload.approve, now=caller.now)
    return _shown(caller, ticket)


# --- SLA and history -------------------------------------------------------------------------


@router.get("/tickets/{number}/timers", response={200: list[s.TimerOut], **ERRORS},
            summary="The ticket's SLA timers")
def ticket_timers(request, number: Number):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    return [render.timer_out(t, agent=caller.is_agent, now=caller.now)
            for t in ticket.timers.order_by("metric")]


@router.get("/tickets/{number}/events", response={200: list[s.EventOut], **ERRORS},
            summary="The ticket's history, with that of tickets merged into it (internal "
                    "events for agents only)")
def ticket_events(request, number: Number):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    agent = sees_internal_notes(caller.principal)
    return [render.event_out(e, agent=agent)
            for e in ticket_history_merged(principal=caller.principal, ticket=ticket)]


# --- account actions (issue 12: every service has a door) ------------------------------------


def _shown(caller: Caller, ticket: Ticket) -> s.TicketOut:
    """The ticket as the service returned it, for the caller who changed it."""
    return render.ticket_out(ticket, agent=caller.is_agent, principal=caller.principal,
                             now=caller.now)


@router.post("/tickets/{number}/identity", response={200: s.TicketOut, **ERRORS},
             summary="Record the requester's identity verification (agents; RL-6)")
def ticket_identity(request, number: Number, payload: s.IdentityIn):
    """Before billing or revenue information is released; recorded once, with its method, in
    the ticket's events (``identity_verified``)."""
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    caller.require_agent("verify an identity")
    ticket = services.ticket_verify_identity(
        ticket=ticket, actor=caller.actor, method=payload.method,
        expected_version=_version(request, payload.version), now=caller.now)
    return _shown(caller, ticket)


@router.post("/tickets/{number}/requester", response={200: s.TicketOut, **ERRORS},
             summary="Name the caller of a ticket that knows only a number (agents; FG-4)")
def ticket_requester(request, number: Number, payload: s.RequesterIn):
    """The account look-up: releases the "needs account look-up" hold. The SLA clocks keep
    the message's arrival as their start."""
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    caller.require_agent("identify a requester")
    requester = _looked_up(ticket, payload)
    ticket = services.ticket_identify_requester(
        ticket=ticket, actor=caller.actor, requester=requester,
        expected_version=_version(request, payload.version), now=caller.now)
    return _shown(caller, ticket)


def _looked_up(ticket: Ticket, payload: s.RequesterIn) -> Contact:
    if (payload.requester is None) == (payload.phone is None):
        raise InvalidInput("give either requester or phone", field="requester")
    if payload.requester is not None:
        found = Contact.objects.filter(pk=payload.requester,
                                       organisation_id=ticket.organisation_id).first()
        if found is None:
            raise InvalidInput(f"no contact {payload.requester} in this ticket's organisation",
                               field="requester")
        return found
    org = ticket.organisation
    found = contact_by_phone(payload.phone, region=org.country if org else "")
    if found is None or found.organisation_id != ticket.organisation_id:
        raise InvalidInput("no contact of this ticket's organisation has that number",
                           field="phone")
    return found


@router.put("/tickets/{number}/cc", response={200: s.TicketOut, **ERRORS},
            summary="Set the contacts copied on the ticket (agents; RK-2)")
def ticket_cc(request, number: Number, payload: s.CcIn):
    """Copying the organisation's Administrator in clears the "Administrator not included"
    flag and its exclusion from now on; taking them out sets it again."""
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    caller.require_agent("change who is copied")
    ticket = services.ticket_set_cc(
        ticket=ticket, actor=caller.actor, cc=_cc(ticket.organisation, payload.cc),
        expected_version=_version(request, payload.version), now=caller.now)
    return _shown(caller, ticket)
