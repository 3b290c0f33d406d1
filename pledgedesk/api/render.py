"""Models to response shapes. The one place that decides what a contact may read of a ticket:
everything agent-only goes into an ``internal`` block that is built only for agents."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from django.db.models import prefetch_related_objects
from django.urls import reverse

from pledgedesk.accounts.authorization import Principal
from pledgedesk.accounts.models import Agent, AgentGroup, Contact
from pledgedesk.api import schemas as s
from pledgedesk.markdown_replies import markdown_html
from pledgedesk.sanitise import clean_html
from pledgedesk.sla.state import timer_state_at
from pledgedesk.tickets.abilities import ticket_abilities
from pledgedesk.tickets.events import public_facts
from pledgedesk.tickets.models import Attachment, Message, SlaTimer, Ticket, TicketEvent
from pledgedesk.tickets.selectors import EscalationContacts, ticket_escalation_contacts
from pledgedesk.versions.policies import policy_for


def safe_html(text: str) -> str:
    """``text`` sanitised for rendering by the desk's one sanitiser (``sanitise.clean_html``),
    the same markup the portal and the console show."""
    return clean_html(text)


def _ref(obj: Agent | Contact | None) -> s.Ref | None:
    return None if obj is None else s.Ref(id=obj.pk, name=obj.name)


def _group(group: AgentGroup | None) -> s.GroupRef | None:
    return None if group is None else s.GroupRef(key=group.key, name=group.name)


def timer_out(timer, *, agent: bool, now: datetime) -> s.TimerOut:
    """A timer (a ``SlaTimer``, or a row of its fields) in the state ``sla.timer_state_at``
    gives it at ``now`` (the request's instant), as the console, the portal and the queue's
    filters read it: the stored state is only the verdict of the ticket's last change."""
    internal = None
    if agent:
        internal = s.TimerInternalOut(
            warn_at=timer.warn_at, breached_by_minutes=timer.breached_by_minutes,
            used_seconds=timer.used_seconds, paused_seconds=timer.paused_seconds,
            reason=timer.reason,
        )
    state = timer_state_at(stored_state=timer.state, due_at=timer.due_at,
                           late_at=timer.late_at, warn_at=timer.warn_at, now=now)
    return s.TimerOut(metric=timer.metric, state=state, due_at=timer.due_at,
                      late_at=timer.late_at, goal_at=timer.goal_at, met_at=timer.met_at,
                      internal=internal)


def _timers(ticket: Ticket, *, agent: bool, now: datetime) -> list[s.TimerOut]:
    return [timer_out(t, agent=agent, now=now)
            for t in sorted(ticket.timers.all(), key=lambda t: t.metric)]


def ticket_out(ticket: Ticket, *, agent: bool, principal: Principal,
               now: datetime) -> s.TicketOut:
    """``principal``'s view of ``ticket`` (one it may see), with what it may do there."""
    prefetch_related_objects([ticket], "timers", "cc")
    policy = policy_for(ticket.policy_version)  # compiled once per version, no query
    internal = None
    if agent:
        internal = s.TicketInternalOut(
            policy=s.PolicyRef(key=policy.key, version=policy.version), plan=ticket.plan,
            assignee=_ref(ticket.assignee), group=_group(ticket.group), tags=ticket.tags,
            exclusions=ticket.exclusions, out_of_scope=ticket.out_of_scope,
            administrator_not_included=ticket.administrator_not_included,
            identity_verified=ticket.identity_verified, page_on_call=ticket.page_on_call,
            intake_notes=ticket.intake_notes, created_by_agent=_ref(ticket.created_by_agent),
            caller_number=ticket.caller_number,
            escalation=escalation_out(ticket_escalation_contacts(ticket=ticket,
                                                                 policy=policy)),
        )
    return s.TicketOut(
        number=ticket.number, subject=ticket.subject, description=ticket.description,
        description_html=safe_html(ticket.description), status=ticket.status,
        status_category=ticket.status_category, priority=ticket.priority,
        channel=ticket.channel, topic=ticket.topic, hold=ticket.hold,
        organisation=_ref(ticket.organisation), requester=_ref(ticket.requester),
        cc=[_ref(c) for c in sorted(ticket.cc.all(), key=lambda c: c.pk)],
        escalation_requested_at=ticket.escalation_requested_at,
        received_at=ticket.received_at, updated_at=ticket.updated_at, version=ticket.version,
        timers=_timers(ticket, agent=agent, now=now), internal=internal,
        abilities=s.AbilitiesOut(**asdict(
            ticket_abilities(principal=principal, ticket=ticket, policy=policy))),
    )


def escalation_out(contacts: EscalationContacts | None) -> s.EscalationOut | None:
    """PR-5, PR-6: who an escalated ticket reaches (agents only; queries only for a ticket
    whose customer asked for escalation)."""
    if contacts is None:
        return None
    return s.EscalationOut(
        representative=_ref(contacts.representative), team=_group(contacts.team),
        team_agents=[_ref(a) for a in contacts.team_agents],
        reaches=[_ref(a) for a in contacts.reaches], reviewer=contacts.reviewer)


# What ``queue_page_out`` reads of a ticket, as ``tickets.selectors.ticket_queue`` columns (the
# selector adds the queue order's): a page reads these and joins only their relations, not
# every column of five tables (the JSON ones decoded row by row). Agents also see the
# ``internal`` block's.
QUEUE_COLUMNS = ("subject", "status", "status_category", "priority", "hold",
                 "organisation__name", "requester__name", "escalation_requested_at",
                 "updated_at", "version")
QUEUE_COLUMNS_AGENT = (*QUEUE_COLUMNS, "assignee__name", "group__key", "group__name", "tags")


# What ``timer_out`` reads of a timer: a page's timers are read as rows of these, not models.
_TIMER_FIELDS = ("ticket_id", "metric", "state", "due_at", "late_at", "goal_at", "warn_at",
                 "met_at", "breached_by_minutes", "used_seconds", "paused_seconds", "reason")


def _page_timers(tickets: list[Ticket], *, agent: bool,
                 now: datetime) -> dict[int, list[s.TimerOut]]:
    """Each ticket's timers by metric, in one query for the page: rows, not models (a page of
    50 tickets has about 100 timers; building and prefetching models cost more than the
    query)."""
    by_ticket: dict[int, list] = {ticket.pk: [] for ticket in tickets}
    if by_ticket:
        rows = (SlaTimer.objects.filter(ticket_id__in=list(by_ticket)).order_by()
                .values_list(*_TIMER_FIELDS, named=True))
        for row in rows:
            by_ticket[row.ticket_id].append(row)
    return {pk: [timer_out(t, agent=agent, now=now)
                 for t in sorted(timers, key=lambda t: t.metric)]
            for pk, timers in by_ticket.items()}


def queue_page_out(tickets: list[Ticket], next_cursor: str | None, *,
                   agent: bool, now: datetime) -> s.QueuePageOut:
    """One query for the page (done by the selector) plus one for all its timers."""
    timers = _page_timers(tickets, agent=agent, now=now)
    items = []
    for ticket in tickets:
        internal = None
        if agent:
            internal = s.QueueInternalOut(assignee=_ref(ticket.assignee),
                                          group=_group(ticket.group), tags=ticket.tags)
        items.append(s.TicketSummaryOut(
            number=ticket.number, subject=ticket.subject, status=ticket.status,
            status_category=ticket.status_category, priority=ticket.priority,
            hold=ticket.hold, organisation=_ref(ticket.organisation),
            requester=_ref(ticket.requester),
            escalation_requested_at=ticket.escalation_requested_at,
            received_at=ticket.received_at, updated_at=ticket.updated_at,
            version=ticket.version, timers=timers[ticket.pk], internal=internal,
        ))
    return s.QueuePageOut(items=items, next_cursor=next_cursor)


def _person(agent_obj: Agent | None, contact: Contact | None, *,
            agent: bool) -> s.Person | None:
    if agent_obj is not None:
        return s.Person(kind="agent", name=agent_obj.name, id=agent_obj.pk if agent else None)
    if contact is not None:
        return s.Person(kind="contact", name=contact.name, id=contact.pk if agent else None)
    return None


def message_out(message: Message, *, agent: bool) -> s.MessageOut:
    return s.MessageOut(
        id=message.pk, visibility=message.visibility, channel=message.channel,
        author=_person(message.author_agent, message.author_contact, agent=agent),
        body=message.body, created_at=message.created_at,
        body_html=markdown_html(message.body) if message.author_agent_id
        else safe_html(message.body),
    )


def event_out(event: TicketEvent, *, agent: bool) -> s.EventOut:
    old, new = event.old, event.new
    if not agent:
        # Per kind, the facts a contact may read (EventKind.public_facts); groups, plans,
        # grants and the like stay internal.
        old, new = public_facts(event.kind, old), public_facts(event.kind, new)
    return s.EventOut(
        id=event.pk, at=event.at, kind=event.kind, channel=event.channel,
        actor=_person(event.actor_agent, event.actor_contact, agent=agent), old=old, new=new,
        merged_from=getattr(event, "merged_from", None),
    )


def attachment_out(attachment: Attachment) -> s.AttachmentOut:
    return s.AttachmentOut(
        id=attachment.pk, message=attachment.message_id, filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size, sha256=attachment.sha256, created_at=attachment.created_at,
        download_url=reverse("api-v1:attachment_download", args=[attachment.pk]),
    )
