"""Every way a ticket changes. Portal, API, email, voicemail and worker jobs all call these;
none has its own copy.

Each service is one transaction: it locks the ticket row, checks the caller's expected
version (optimistic concurrency: two agents editing one ticket never silently overwrite each
other; the second gets a Conflict), writes the change, appends one TicketEvent per changed fact
and recomputes the SLA timers, so timers and history never disagree with the ticket.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import File
from django.db import transaction

from pledgedesk import sla
from pledgedesk.accounts.models import Agent, AgentGroup, Contact
from pledgedesk.accounts.services import (
    access_grant_decide,
    access_grant_pending,
    access_grant_request,
)
from pledgedesk.errors import Conflict, ErrorCode, IntakeRefused, InvalidInput
from pledgedesk.outbox import services as outbox
from pledgedesk.policy.compile import Policy
from pledgedesk.policy.errors import PolicyInputError
from pledgedesk.rowget import RowGet
from pledgedesk.rowput import row_update, rows_insert
from pledgedesk.tickets import abilities, attachments, intake, search
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.intake import NewTicket
from pledgedesk.tickets.models import (
    OPEN_CATEGORIES,
    Attachment,
    Message,
    Ticket,
    TicketEvent,
    TicketRefusal,
    remember_related,
)
from pledgedesk.tickets.numbers import number_next
from pledgedesk.tickets.timers import timers_first, timers_recompute, timers_save_first
from pledgedesk.versions.models import PolicyVersion
from pledgedesk.versions.policies import policy_for, policy_in_force

# A door's own write, made inside a creating service's transaction: ``(ticket, message)``.
Record = Callable[[Ticket, Message | None], None]

# Inside ``intake_batch``: the intake services' transactions are savepoints of the batch's.
_in_batch: ContextVar[bool] = ContextVar("pledgedesk_intake_batch", default=False)


@contextlib.contextmanager
def intake_batch() -> Iterator[None]:
    """One durable transaction around a batch of intake (mail intake's fetched or piped
    messages): inside it ``ticket_create`` and ``ticket_customer_reply`` each run in a
    savepoint of it instead of a transaction of their own, so a batch commits once instead of
    once a message. Each service's work is still all or nothing: a failure rolls back its
    savepoint only, and the caller decides what becomes of that message. Outbox deliveries
    (``on_commit``) leave when the batch commits; nothing of a rolled-back savepoint does."""
    token = _in_batch.set(True)
    try:
        with transaction.atomic(durable=True):
            yield
    finally:
        _in_batch.reset(token)


def in_intake_batch() -> bool:
    """Whether this code runs inside ``intake_batch``."""
    return _in_batch.get()


def _intake_transaction():
    """An intake service's transaction: durable (no caller can wrap it), except inside
    ``intake_batch``, where it is a savepoint of the batch."""
    return transaction.atomic(durable=not _in_batch.get())


@dataclass(frozen=True)
class Actor:
    """Who makes a change and through which door."""

    channel: str
    agent: Agent | None = None
    contact: Contact | None = None


# --- creating --------------------------------------------------------------------------------


def ticket_create(*, new: NewTicket, files: Sequence[File] = (), now: datetime,
                  record: Record | None = None) -> Ticket:
    """Open a ticket under the organisation's current policy, applying its intake rules
    (``intake.intake_decide``), with ``files`` on its description. Returns the ticket with
    its timers and CCs loaded, ready to show. ``record(ticket, message)``, when given, runs
    inside the transaction (a door's own note of what it made: mail intake's Message-ID).

    - Banned requesters and organisations are refused (RL-7): IntakeRefused, with the refusal
      recorded in TicketRefusal so nothing is lost.
    - Authorised-personnel-only policies (FG-10): a request from anyone else is kept, held as
      "awaiting authorisation" with no clock running, and the primary contact is asked to
      confirm a temporary access grant (``ticket_authorise``).
    - RK-2: not from the Administrator and the Administrator not copied, or no Administrator:
      flagged, with the policy's exclusion reason set.
    - The priority actually applied follows the channel and plan (FG-3, RL-4); notes say why.
    - Title markers route to a team (RK-10); out-of-scope topics are flagged and routed (RK-9).
    - FG-8: ``page_on_call`` when the plan pages for this priority and channel after hours.
    """
    version, policy = policy_in_force(new.organisation.policy_key, now=now)
    new = intake.intake_caller(new)
    try:
        decided = intake.intake_decide(new=new, policy=policy, now=now)
    except IntakeRefused as refused:
        TicketRefusal.objects.create(
            organisation=new.organisation, requester=new.requester, channel=new.channel,
            subject=new.subject, description=new.description, reason=refused.message, at=now)
        raise
    # Everything that needs no database is worked out first: the row, its first events, the
    # description message and the SLA engine's first verdict; the files are stored before
    # the transaction too. The transaction then only inserts, so the ticket-number row (and
    # SQLite's write lock) is held for a few inserts: concurrent creators wait less.
    ticket, events, message = _opening(decided, version, now)
    timers = timers_first(ticket, events, now=now)
    with attachments.files_staged(files) as staged, _intake_transaction():
        ticket.number = number_next()
        rows_insert([ticket])
        if new.cc:
            ticket.cc.set(new.cc)
        remember_related(ticket, "cc", sorted(set(new.cc), key=lambda c: c.pk))
        if decided.hold == Ticket.Hold.AWAITING_AUTHORISATION:
            # Not an SLA event (the clocks wait for the confirmation), so not in ``timers``.
            events.append(_access_requested(ticket, events[0], now))
        _store_events(events, now)
        if message is not None:
            rows_insert([message])
        search.search_index_created(ticket, message)
        _attach(ticket, _actor_of(events[0]), message, staged, now)
        timers_save_first(ticket, timers)
        if record is not None:
            record(ticket, message)
    return ticket


def _opening(decided: intake.Intake, version: PolicyVersion, now: datetime,
             ) -> tuple[Ticket, list[TicketEvent], Message | None]:
    """The unsaved ticket row, its first events and its description message."""
    new = decided.new
    ticket = Ticket(
        policy_version=version, organisation=new.organisation, requester=new.requester,
        caller_number=new.caller_number, created_by_agent=new.created_by,
        subject=new.subject, description=new.description, channel=decided.channel,
        plan=decided.plan, priority=decided.priority, priority_rank=decided.priority_rank,
        status=decided.status, status_category="new", hold=decided.hold, group=decided.group,
        topic=new.topic, tags=sorted(set(new.tags)), out_of_scope=decided.out_of_scope,
        administrator_not_included=bool(decided.exclusions),
        exclusions=list(decided.exclusions), page_on_call=decided.page_on_call,
        intake_notes=list(decided.notes), received_at=now, updated_at=now,
    )
    actor = Actor(channel=decided.channel, agent=new.created_by, contact=new.requester)
    facts = {
        "subject": new.subject, "channel": decided.channel, "plan": decided.plan,
        "priority": decided.priority, "requested_priority": new.priority,
        "status": decided.status, "hold": decided.hold,
        "opened_by_agent": new.created_by is not None,
        "group": decided.group.key if decided.group else None, "notes": list(decided.notes),
    }
    events = [_new_event(ticket, actor, EventKind.CREATED, now, new=facts)]
    events += [_new_event(ticket, actor, EventKind.EXCLUSION_SET, now, new={"reason": reason})
               for reason in decided.exclusions]
    if decided.page_on_call:
        events.append(_new_event(ticket, actor, EventKind.PAGE_ON_CALL, now,
                                 new={"priority": decided.priority}))
    message = Message(
        ticket=ticket, visibility=Message.Visibility.PUBLIC, channel=decided.channel,
        author_agent=new.created_by, author_contact=None if new.created_by else new.requester,
        body=new.description, created_at=now,
    ) if new.description else None
    return ticket, events, message


def _actor_of(event: TicketEvent) -> Actor:
    return Actor(channel=event.channel, agent=event.actor_agent, contact=event.actor_contact)


def _access_requested(ticket: Ticket, created: TicketEvent, now: datetime) -> TicketEvent:
    """FG-10: ask the primary contact to confirm temporary access for this requester."""
    grant = access_grant_request(
        contact=ticket.requester, now=now,
        reason=f"opened ticket {ticket.number}: {ticket.subject}")
    return _new_event(ticket, _actor_of(created), EventKind.AUTHORISATION_REQUESTED, now,
                      new={"grant": grant.pk,
                           "primary_contact": ticket.organisation.primary_contact_id})


# --- changing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What an agent changes in one action; None means "leave as is"."""

    status: str | None = None
    priority: str | None = None
    assignee: Agent | None = None
    unassign: bool = False
    group: AgentGroup | None = None
    topic: str | None = None
    tags: Sequence[str] | None = None


def ticket_update(
    *, ticket: Ticket, actor: Actor, change: Change, expected_version: int | None, now: datetime
) -> Ticket:
    """Apply an agent's change: status, priority (FG-5), assignee, group, topic, tags."""
    _require_agent(actor)
    with transaction.atomic(durable=True):
        ticket, now = _lock(ticket, expected_version, now)
        policy = policy_for(ticket.policy_version)
        _apply_change(ticket, policy, actor, change, now)
        return _save(ticket, now)


def ticket_reply(
    *, ticket: Ticket, actor: Actor, body: str, change: Change | None = None,
    files: Sequence[File] = (), expected_version: int | None, now: datetime,
    exclusion: str | None = None, record: Record | None = None,
) -> Message:
    """A public reply by an agent with its ``files``, optionally with a change in the same
    action: a reply sent with "pending" or "solved" still meets first response (Zammad#3551).
    Returns the message with its attachments and ``message.ticket`` as changed, to show.
    ``exclusion`` sets that exclusion reason (RK-4) in the same change; ``record(ticket,
    message)`` runs in the same transaction under the ticket's lock, for a service whose own
    row is part of the action (RK-5's defect, issue 17): raising there undoes all of it."""
    _require_agent(actor)
    _check_text(body, "body")
    with attachments.files_staged(files) as staged, transaction.atomic(durable=True):
        ticket, now = _lock(ticket, expected_version, now)
        message = _post(ticket, actor, EventKind.PUBLIC_REPLY, Message(
            visibility=Message.Visibility.PUBLIC, author_agent=actor.agent,
            channel=actor.channel, body=body), staged, now)
        policy = policy_for(ticket.policy_version)
        if change is not None:
            _apply_change(ticket, policy, actor, change, now)
        if change is None or change.status is None:
            _move(ticket, policy, actor, "agent_reply", now)
        if exclusion is not None:
            _set_exclusion(ticket, policy, actor, exclusion, True, now)
        if record is not None:
            record(ticket, message)
        _save(ticket, now)
    return message


def ticket_note(
    *, ticket: Ticket, actor: Actor, body: str, files: Sequence[File] = (),
    expected_version: int | None, now: datetime,
) -> Message:
    """An internal note with its ``files``: agents only, never shown to contacts (nor are
    its files), never a first response."""
    _require_agent(actor)
    _check_text(body, "body")
    with attachments.files_staged(files) as staged, transaction.atomic(durable=True):
        ticket, now = _lock(ticket, expected_version, now)
        message = _post(ticket, actor, EventKind.INTERNAL_NOTE, Message(
            visibility=Message.Visibility.INTERNAL, author_agent=actor.agent,
            channel=actor.channel, body=body), staged, now)
        _save(ticket, now)
    return message


def ticket_log_call(
    *, ticket: Ticket, actor: Actor, summary: str, files: Sequence[File] = (),
    expected_version: int | None, now: datetime,
) -> Message:
    """A call or screen share with the customer (RK-1), logged: a first touch (RL-2, FG-7)."""
    _require_agent(actor)
    _check_text(summary, "summary")
    with attachments.files_staged(files) as staged, transaction.atomic(durable=True):
        ticket, now = _lock(ticket, expected_version, now)
        message = _post(ticket, actor, EventKind.CALL_LOGGED, Message(
            visibility=Message.Visibility.INTERNAL, author_agent=actor.agent,
            channel="phone", body=summary), staged, now)
        _save(ticket, now)
    return message


def ticket_customer_reply(
    *, ticket: Ticket, actor: Actor, body: str, files: Sequence[File] = (), now: datetime,
    record: Record | None = None,
) -> Message:
    """A customer's message with its ``files``. On Solved it reopens the ticket (RK-7); on a
    status with ``customer_reply_moves_to`` (Pending) it moves there; Closed is final, and a
    held ticket (FG-10, FG-4) takes no customer reply until it is released. ``record`` as
    for ``ticket_create``."""
    _check_text(body, "body")
    with attachments.files_staged(files) as staged, _intake_transaction():
        ticket, now = _lock(ticket, None, now)  # Closed is final: _lock refuses it
        abilities.refuse(abilities.customer_reply_refusal(actor, ticket))
        policy = policy_for(ticket.policy_version)
        if ticket.status_category == "solved":
            _reopen(ticket, policy, actor, now)
        message = _post(ticket, actor, EventKind.CUSTOMER_REPLY, Message(
            visibility=Message.Visibility.PUBLIC, author_contact=actor.contact,
            channel=actor.channel, body=body), staged, now)
        # The SLA engine's rule, recorded here as the status change it is (no-op if none).
        _set_status(ticket, policy, actor, sla.status_after_customer_reply(policy, ticket.status),
                    now)
        _save(ticket, now)
        if record is not None:
            record(ticket, message)
    return message


def ticket_attach(
    *, ticket: Ticket, actor: Actor, files: Sequence[File], message: Message | None = None,
    expected_version: int | None = None, now: datetime,
) -> list[Attachment]:
    """``files`` added to the ticket by themselves, or to ``message`` (one of its replies or
    notes, whose visibility they take), locked, recorded and versioned like any change."""
    if not files:
        raise InvalidInput("send at least one file", field="file")
    if message is not None and message.ticket_id != ticket.pk:
        raise InvalidInput(f"message {message.pk} is not on ticket {ticket.number}",
                           field="message")
    with attachments.files_staged(files) as staged, transaction.atomic(durable=True):
        ticket, now = _lock(ticket, expected_version, now)
        rows = _attach(ticket, actor, message, staged, now)
        _save(ticket, now)
    return rows


def ticket_reopen(*, ticket: Ticket, actor: Actor, now: datetime) -> Ticket:
    """Reopen a Solved ticket (RK-7: the customer may reopen; Closed is final)."""
    with transaction.atomic(durable=True):
        ticket, now = _lock(ticket, None, now)
        abilities.refuse(abilities.reopen_refusal(actor, ticket))
        _reopen(ticket, policy_for(ticket.policy_version), actor, now)
        return _save(ticket, now)


def ticket_set_exclusion(
    *, ticket: Ticket, actor: Actor, reason: str, active: bool, expected_version: int | None,
    now: datetime,
) -> Ticket:
    """Set or clear an exclusion reason that takes the ticket out of a target (RK-4)."""
    _require_agent(actor)
    with transaction.atomic(durable=True):
        ticket, now = _lock(ticket, expected_version, now)
        policy = policy_for(ticket.policy_version)
        if not _set_exclusion(ticket, policy, actor, reason, active, now):
            return ticket
        return _save(ticket, now)


def _set_exclusion(ticket: Ticket, policy: Policy, actor: Actor, reason: str, active: bool,
                   now: datetime) -> bool:
    """Set or clear ``reason`` on the locked ticket with its event; False if it already was."""
    if reason not in policy.exclusion_reasons:
        raise InvalidInput(
            f"unknown exclusion reason {reason!r}; this policy has "
            f"{', '.join(policy.exclusion_reasons) or 'none'}", field="reason")
    current = set(ticket.exclusions)
    if active == (reason in current):
        return False
    current.symmetric_difference_update({reason})
    ticket.exclusions = sorted(current)
    kind = EventKind.EXCLUSION_SET if active else EventKind.EXCLUSION_CLEARED
    _event(ticket, actor, kind, now, new={"reason": reason})
    return True


def ticket_request_escalation(*, ticket: Ticket, actor: Actor, reason: str, now: datetime):
    """PR-6: the customer asks for escalation inside the ticket, where the policy offers it
    and while the ticket is being worked on; a senior technician reviews it. Recorded once;
    asking again while a request is open changes nothing."""
    _check_text(reason, "reason")
    with transaction.atomic(durable=True):
        ticket, now = _lock(ticket, None, now)
        abilities.refuse(abilities.escalation_refusal(
            actor, ticket, policy_for(ticket.policy_version)))
        if ticket.escalation_requested_at is not None:
            return ticket
        ticket.escalation_requested_at = now
        _event(ticket, actor, EventKind.ESCALATION_REQUESTED, now, new={"reason": reason})
        return _save(ticket, now)


def ticket_authorise(*, ticket: Ticket, actor: Actor, approve: bool, now: datetime) -> Ticket:
    """The primary contact confirms or rejects a held request (FG-10). Confirming grants the
    requester temporary access and starts the ticket's clocks now; rejecting closes it, kept."""
    with transaction.atomic(durable=True):
        ticket, now = _lock(ticket, None, now)
        abilities.refuse(abilities.authorisation_refusal(actor, ticket))
        policy = policy_for(ticket.policy_version)
        grant = access_grant_pending(ticket.requester)
        if grant is not None:  # the request intake made when it held the ticket
            access_grant_decide(organisation=ticket.organisation, by=actor.contact,
                                grant=grant, approve=approve, now=now)
        ticket.hold = ""
        if approve:
            ticket.received_at = now
            created = ticket.events.get(kind=EventKind.CREATED).new
            _event(ticket, actor, EventKind.AUTHORISED, now, new={**created, "hold": ""})
        else:
            _event(ticket, actor, EventKind.AUTHORISATION_REJECTED, now, new={})
            _set_status(ticket, policy, actor, policy.status_of_category("closed"), now)
        return _save(ticket, now)


def ticket_identify_requester(
    *, ticket: Ticket, actor: Actor, requester: Contact, expected_version: int | None,
    now: datetime,
) -> Ticket:
    """FG-4: an agent's account lookup names the caller of a voicemail ticket; work can start."""
    _require_agent(actor)
    with transaction.atomic(durable=True):
        ticket, now = _lock(ticket, expected_version, now)
        if requester.organisation_id != ticket.organisation_id:
            raise InvalidInput("the requester belongs to another organisation",
                               field="requester")
        _event(ticket, actor, EventKind.REQUESTER_IDENTIFIED, now,
               old={"requester": ticket.requester_id, "hold": ticket.hold},
               new={"requester": requester.pk, "hold": ""})
        ticket.requester = requester
        search.search_index_people(ticket)
        if ticket.hold == Ticket.Hold.NEEDS_ACCOUNT_LOOKUP:
            ticket.hold = ""
        return _save(ticket, now)


def ticket_verify_identity(
    *, ticket: Ticket, actor: Actor, method: str, expected_version: int | None, now: datetime
) -> Ticket:
    """RL-6: record that the requester's identity was verified before billing or revenue
    information is released, and how."""
    _require_agent(actor)
    _check_text(method, "method")
    with transaction.atomic(durable=True):
        ticket, now = _lock(ticket, expected_version, now)
        if ticket.identity_verified:
            return ticket
        ticket.identity_verified = True
        _event(ticket, actor, EventKind.IDENTITY_VERIFIED, now, new={"method": method})
        return _save(ticket, now)


def ticket_set_cc(
    *, ticket: Ticket, actor: Actor, cc: Sequence[Contact], expected_version: int | None,
    now: datetime,
) -> Ticket:
    """RK-2: an agent sets who is copied on the ticket, contacts of its organisation. Copying
    the Administrator in (or taking them out) moves the "Administrator not included" flag and
    its exclusion reason from this instant on, as if the ticket had come that way."""
    _require_agent(actor)
    with transaction.atomic(durable=True):
        ticket, now = _lock(ticket, expected_version, now)
        wanted = sorted({c.pk: c for c in cc}.values(), key=lambda c: c.pk)
        stranger = next((c for c in wanted if c.organisation_id != ticket.organisation_id), None)
        if stranger is not None:
            raise InvalidInput(f"{stranger.name} is not a contact of this ticket's organisation",
                               field="cc")
        before = sorted(ticket.cc.values_list("pk", flat=True))
        after = [c.pk for c in wanted]
        if before == after:
            return ticket
        ticket.cc.set(wanted)
        remember_related(ticket, "cc", wanted)
        _event(ticket, actor, EventKind.CC_CHANGED, now, old={"cc": before}, new={"cc": after})
        _follow_administrator(ticket, policy_for(ticket.policy_version), actor,
                              cc_before=before, cc_after=after, now=now)
        return _save(ticket, now)


def _follow_administrator(ticket: Ticket, policy: Policy, actor: Actor, *, cc_before: list[int],
                          cc_after: list[int], now: datetime) -> None:
    """RK-2 after intake: only a change in whether the Administrator is involved moves the
    flag, so an exclusion an agent set or cleared by hand is otherwise left alone. A held
    ticket got no flag at intake (FG-10), so it gets none here."""
    admin = ticket.organisation.administrator_id if ticket.organisation else None
    if admin is None or ticket.hold:
        return
    was = admin in {ticket.requester_id, *cc_before}
    now_included = admin in {ticket.requester_id, *cc_after}
    if was == now_included:
        return
    flags = policy.intake_exclusions(administrator_included=now_included,
                                     organisation_has_administrator=True)
    ticket.administrator_not_included = bool(flags)
    reason = policy.spec.intake.without_administrator_exclusion
    if reason is None or (reason in flags) == (reason in ticket.exclusions):
        return
    ticket.exclusions = sorted(set(ticket.exclusions) ^ {reason})
    kind = EventKind.EXCLUSION_SET if reason in flags else EventKind.EXCLUSION_CLEARED
    _event(ticket, actor, kind, now, new={"reason": reason})


# --- what the desk does by itself (issue 15) --------------------------------------------------

SYSTEM = Actor(channel="automation")  # no agent, no contact: the desk's own rules acted


@dataclass(frozen=True)
class SystemEvent:
    ticket: Ticket
    kind: EventKind
    new: dict


def ticket_events_record(*, events: Sequence[SystemEvent], now: datetime) -> list[TicketEvent]:
    """Events the desk records by itself that change nothing on the ticket (the SLA sweep's
    warnings and breaches, an escalation step that told someone), with their outbox rows, in
    the caller's transaction. No version bump: no agent's edit conflicts with them."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ticket_events_record runs inside its caller's transaction")
    rows = [_new_event(e.ticket, SYSTEM, e.kind, now, new=e.new) for e in events]
    _store_events(rows, now)
    return rows


def ticket_system_change(*, ticket: Ticket, change: Change, record: Sequence[SystemEvent] = (),
                         claim: Callable[[], bool] | None = None, now: datetime,
                         ) -> Ticket | None:
    """A change the desk makes by itself (an escalation step reassigns the ticket or raises
    its priority), as SYSTEM, with the events in ``record`` that say why, in one transaction.
    ``claim`` runs first inside it: when it returns False (another worker made this change)
    nothing is changed and the answer is None."""
    with transaction.atomic(durable=True):
        ticket, now = _lock(ticket, None, now)
        if claim is not None and not claim():
            return None
        _apply_change(ticket, policy_for(ticket.policy_version), SYSTEM, change, now)
        _store_events([_new_event(ticket, SYSTEM, e.kind, now, new=e.new) for e in record], now)
        return _save(ticket, now)


# --- internals -------------------------------------------------------------------------------


def _post(ticket: Ticket, actor: Actor, kind: EventKind, message: Message,
          staged: Sequence[attachments.StagedFile], now: datetime) -> Message:
    """Add ``message`` (unsaved) to ``ticket`` with its event and its files."""
    message.ticket, message.created_at = ticket, now
    rows_insert([message])
    search.search_index_message(message)
    _event(ticket, actor, kind, now, new={"message": message.pk})
    _attach(ticket, actor, message, staged, now)
    return message


def _attach(ticket: Ticket, actor: Actor, message: Message | None,
            staged: Sequence[attachments.StagedFile], now: datetime) -> list[Attachment]:
    """Record files already in storage on ``ticket``, each with its own event. A file on an
    internal note is as internal as the note: its event is ``internal_attachment_added``,
    which contacts never see, so not even its name reaches them."""
    rows = Attachment.objects.bulk_create(attachments.attachment_rows(
        ticket=ticket, message=message, staged=staged, now=now))
    internal = message is not None and message.visibility == Message.Visibility.INTERNAL
    kind = EventKind.INTERNAL_ATTACHMENT_ADDED if internal else EventKind.ATTACHMENT_ADDED
    _store_events([_new_event(
        ticket, actor, kind, now,
        new={"attachment": row.pk, "filename": row.filename, "size": row.size,
             "message": message.pk if message is not None else None}) for row in rows], now)
    if message is not None:
        remember_related(message, "attachments", rows)
    return rows


def _apply_change(ticket: Ticket, policy: Policy, actor: Actor, change: Change,
                  now: datetime) -> None:
    if change.priority is not None and change.priority != ticket.priority:
        rank = _checked(lambda: policy.priority(change.priority), "priority").rank
        _event(ticket, actor, EventKind.PRIORITY_CHANGED, now,
               old={"priority": ticket.priority}, new={"priority": change.priority})
        ticket.priority, ticket.priority_rank = change.priority, rank
    if change.unassign or (change.assignee is not None
                           and change.assignee.pk != ticket.assignee_id):
        new = None if change.unassign else change.assignee
        _event(ticket, actor, EventKind.ASSIGNED, now, old={"assignee": ticket.assignee_id},
               new={"assignee": new.pk if new else None})
        ticket.assignee = new
        if new is not None and change.status is None:
            _move(ticket, policy, actor, "assignment", now)
    if change.group is not None and change.group.pk != ticket.group_id:
        _event(ticket, actor, EventKind.GROUP_CHANGED, now, old={"group": ticket.group_id},
               new={"group": change.group.key})
        ticket.group = change.group
    if change.topic is not None and change.topic != ticket.topic:
        _event(ticket, actor, EventKind.TOPIC_CHANGED, now, old={"topic": ticket.topic},
               new={"topic": change.topic})
        ticket.topic = change.topic
        out, route = intake.out_of_scope(policy, ticket.organisation, change.topic) \
            if change.topic else (False, None)
        ticket.out_of_scope = out
        if route is not None and change.group is None:
            _route_topic(ticket, actor, route, now)
    if change.tags is not None and sorted(set(change.tags)) != ticket.tags:
        _event(ticket, actor, EventKind.TAGS_CHANGED, now, old={"tags": ticket.tags},
               new={"tags": sorted(set(change.tags))})
        ticket.tags = sorted(set(change.tags))
    if change.status is not None and change.status != ticket.status:
        _checked(lambda: policy.status(change.status), "status")
        if (ticket.status_category == "solved"
                and policy.status(change.status).category in OPEN_CATEGORIES):
            _reopen(ticket, policy, actor, now)
            if change.status != ticket.status:
                _set_status(ticket, policy, actor, change.status, now)
        else:
            _set_status(ticket, policy, actor, change.status, now)


def _route_topic(ticket: Ticket, actor: Actor, team: str, now: datetime) -> None:
    """RK-9: an out-of-scope topic set after intake routes as it would have at intake (to
    Product Services), unless the agent chose a group in the same change."""
    group = AgentGroup.objects.filter(key=team).first()
    if group is not None and group.pk != ticket.group_id:
        _event(ticket, actor, EventKind.GROUP_CHANGED, now, old={"group": ticket.group_id},
               new={"group": group.key})
        ticket.group = group


def _set_status(ticket: Ticket, policy: Policy, actor: Actor, status: str, now: datetime):
    if status == ticket.status:
        return
    if ticket.hold and policy.status(status).category != "closed":
        raise Conflict(f"ticket {ticket.number} is held ({ticket.hold}); resolve that first",
                       code=ErrorCode.TICKET_HELD)
    _event(ticket, actor, EventKind.STATUS_CHANGED, now, old={"status": ticket.status},
           new={"status": status})
    ticket.status = status
    ticket.status_category = policy.status(status).category


def _move(ticket: Ticket, policy: Policy, actor: Actor, move: str, now: datetime) -> None:
    """The status move the policy gives an agent's ``move`` (``Policy.status_after``): New
    -> Open on the first public reply or an assignment. A held ticket keeps its status."""
    if not ticket.hold:
        _set_status(ticket, policy, actor, policy.status_after(ticket.status, move), now)


def _reopen(ticket: Ticket, policy: Policy, actor: Actor, now: datetime) -> None:
    status = policy.status_of_category("open")
    _event(ticket, actor, EventKind.REOPENED, now, old={"status": ticket.status},
           new={"status": status})
    ticket.status, ticket.status_category = status, "open"


# ``Ticket.objects.select_for_update(of=("self",)).select_related(...).get(pk=)``, by a
# statement built once (the ORM compiled it again for every change: ~1 ms of a reply's CPU).
_LOCKED = RowGet(Ticket, related=("policy_version", "organisation", "requester", "assignee",
                                  "group", "created_by_agent"), equal=("id",), lock=True)


def _lock(ticket: Ticket, expected_version: int | None,
          now: datetime) -> tuple[Ticket, datetime]:
    """Re-read the ticket under a row lock, with what showing it needs; a stale expected
    version is a Conflict. Returns it with the instant the change is recorded at.

    That instant is ``now``, or the ticket's last change when that is later. The caller read
    its clock before it waited for the lock, so a writer that queued behind a later one would
    record events earlier than those before them (issue 13: up to 60 ms back on SQLite under
    load). Every change moves ``updated_at`` to its own instant under this lock, so taking the
    later of the two keeps each ticket's history in the same order by id and by instant."""
    fresh = _LOCKED.get(id=ticket.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise Conflict(
            f"ticket {fresh.number} changed since you loaded it (version {expected_version}, "
            f"now {fresh.version}); reload and try again", field="version")
    abilities.refuse(abilities.closed_refusal(fresh))
    return fresh, max(now, fresh.updated_at)


def _save(ticket: Ticket, now: datetime) -> Ticket:
    """Bump the version, stamp the change and recompute the timers, left loaded on the
    ticket so a door shows what this change returned without reading it again."""
    ticket.version += 1
    ticket.updated_at = now
    row_update(ticket)  # ticket.save(), by a statement built once: nothing listens to Ticket
    remember_related(ticket, "timers", timers_recompute(ticket, now=now))
    return ticket


def _new_event(ticket: Ticket, actor: Actor, kind: EventKind, at: datetime, *, old=None,
               new=None) -> TicketEvent:
    # EventKind(kind): a kind no one classified as public or internal is never written.
    return TicketEvent(
        ticket=ticket, at=at, kind=EventKind(kind), actor_agent=actor.agent,
        actor_contact=actor.contact, channel=actor.channel, old=old, new=new,
    )


def _event(ticket: Ticket, actor: Actor, kind: EventKind, at: datetime, *, old=None,
           new=None) -> TicketEvent:
    event = _new_event(ticket, actor, kind, at, old=old, new=new)
    _store_events([event], at)
    return event


def _store_events(events: list[TicketEvent], now: datetime) -> None:
    """Insert ``events`` and, in the same transaction, their outbox rows: whatever an event
    calls for (mail, pages, webhooks) is then delivered exactly when the change committed."""
    rows_insert(events)
    outbox.enqueue_events(events, now=now)


def _require_agent(actor: Actor) -> None:
    abilities.refuse(abilities.agent_refusal(actor))


def _checked(lookup, field_name: str):
    try:
        return lookup()
    except PolicyInputError as exc:
        raise InvalidInput(str(exc), field=field_name) from None


def _check_text(value: str, field_name: str, max_length: int | None = None) -> None:
    if not value or not value.strip():
        raise InvalidInput(f"{field_name} must not be empty", field=field_name)
    if max_length is not None and len(value) > max_length:
        raise InvalidInput(f"{field_name} is longer than {max_length} characters",
                           field=field_name)
