"""Every way a ticket changes. Portal, API, email, voicemail and worker jobs all call these;
none has its own copy.

Each service is one transaction: it locks the ticket row, checks the caller's expected
version (optimistic concurrency: two agents editing one ticket never silently overwrite each
other; the second gets a Conflict), writes the change, appends one TicketEvent per changed fact
and recomputes the SLA timers, so timers and history never disagree with the ticket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from pledgedesk.accounts.models import AccessGrant, Agent, AgentGroup, Contact, Organisation
from pledgedesk.accounts.services import contact_by_phone
from pledgedesk.errors import Conflict, IntakeRefused, InvalidInput
from pledgedesk.policy.compile import Location, Policy
from pledgedesk.policy.errors import PolicyInputError
from pledgedesk.tickets import abilities
from pledgedesk.tickets.models import (
    OPEN_CATEGORIES,
    Message,
    Ticket,
    TicketEvent,
    TicketRefusal,
    remember_related,
)
from pledgedesk.tickets.numbers import number_next
from pledgedesk.tickets.timers import timers_first, timers_recompute, timers_save_first
from pledgedesk.versions.policies import policy_for, policy_version_current

# How long a temporary access grant lasts once the primary contact confirms it (FG-10). The
# guidelines give no figure; 30 days is our choice.
TEMPORARY_ACCESS = timedelta(days=30)


@dataclass(frozen=True)
class Actor:
    """Who makes a change and through which door."""

    channel: str
    agent: Agent | None = None
    contact: Contact | None = None


@dataclass(frozen=True)
class NewTicket:
    organisation: Organisation
    subject: str
    description: str
    channel: str
    requester: Contact | None = None
    priority: str | None = None
    cc: Sequence[Contact] = ()
    topic: str = ""
    tags: Sequence[str] = ()
    caller_number: str = ""
    created_by: Agent | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --- creating --------------------------------------------------------------------------------


def ticket_create(*, new: NewTicket, now: datetime) -> Ticket:
    """Open a ticket under the organisation's current policy, applying its intake rules.

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
    if new.requester is None and new.caller_number:
        # FG-4: the account lookup a voicemail needs, done at once when the number is known.
        caller = contact_by_phone(new.caller_number)
        if caller is not None and caller.organisation_id == new.organisation.pk:
            new = replace(new, requester=caller)
    org, requester = new.organisation, new.requester
    _check_text(new.subject, "subject", 250)
    version = policy_version_current(org.policy_key, now=now)
    policy = policy_for(version)
    plan = _ticket_plan(policy, org)
    channel = _checked(lambda: policy.check_channel(new.channel), "channel")
    if requester is not None and requester.organisation_id != org.pk:
        raise InvalidInput("the requester belongs to another organisation", field="requester")
    _refuse_if_banned(new, now=now)

    intake = _checked(
        lambda: policy.intake(channel=channel, plan=plan, requested=new.priority), "priority"
    )
    hold = _hold(policy, new, now=now)
    flags = _administrator_flags(policy, new) if hold == "" else []
    group = _route(policy, new, plan)
    out_of_scope = bool(new.topic) and _out_of_scope(policy, org, new.topic)[0]
    location = _location(org)
    page = hold == "" and policy.page_on_call(
        plan=plan, priority=intake.priority, channel=channel, at=now, location=location
    )
    new_status = policy.status_of_category("new")
    # Everything that needs no database is worked out first: the row, its first events, the
    # description message and the SLA engine's first verdict. The transaction below then only
    # writes, so the ticket-number row (and SQLite's write lock) is held for a few inserts,
    # not for the engine's evaluation as well: concurrent creators wait on each other less.
    ticket = Ticket(
        policy_version=version,
        organisation=org,
        requester=requester,
        caller_number=new.caller_number,
        created_by_agent=new.created_by,
        subject=new.subject,
        description=new.description,
        channel=channel,
        plan=plan,
        priority=intake.priority,
        priority_rank=policy.priority(intake.priority).rank,
        status=new_status,
        status_category="new",
        hold=hold,
        group=group,
        topic=new.topic,
        tags=sorted(set(new.tags)),
        out_of_scope=out_of_scope,
        administrator_not_included=bool(flags),
        exclusions=flags,
        page_on_call=page,
        intake_notes=list(intake.notes),
        received_at=now,
        updated_at=now,
    )
    actor = Actor(channel=channel, agent=new.created_by, contact=requester)
    facts = {
        "subject": new.subject, "channel": channel, "plan": plan,
        "priority": intake.priority, "requested_priority": new.priority,
        "status": new_status, "hold": hold, "opened_by_agent": new.created_by is not None,
        "group": group.key if group else None, "notes": list(intake.notes),
    }
    events = [_new_event(ticket, actor, "created", now, new=facts)]
    events += [_new_event(ticket, actor, "exclusion_set", now, new={"reason": reason})
               for reason in flags]
    if page:
        events.append(_new_event(ticket, actor, "page_on_call", now,
                                 new={"priority": intake.priority}))
    message = Message(
        ticket=ticket, visibility=Message.Visibility.PUBLIC, channel=channel,
        author_agent=new.created_by, author_contact=None if new.created_by else requester,
        body=new.description, created_at=now,
    ) if new.description else None
    timers = timers_first(ticket, events, now=now)
    with transaction.atomic():
        ticket.number = number_next()
        ticket.save(force_insert=True)
        if new.cc:
            ticket.cc.set(new.cc)
        remember_related(ticket, "cc", sorted(set(new.cc), key=lambda c: c.pk))
        if hold == Ticket.Hold.AWAITING_AUTHORISATION:
            # Not an SLA event (the clocks wait for the confirmation), so not in ``timers``.
            events.append(_access_requested(ticket, actor, requester, now))
        TicketEvent.objects.bulk_create(events)
        if message is not None:
            message.save(force_insert=True)
        timers_save_first(ticket, timers)
    return ticket


def _access_requested(ticket: Ticket, actor: Actor, requester: Contact,
                      now: datetime) -> TicketEvent:
    """FG-10: ask the primary contact to confirm temporary access for this requester."""
    grant = AccessGrant.objects.filter(contact=requester, state=AccessGrant.State.PENDING).first()
    if grant is None:
        grant = AccessGrant.objects.create(
            contact=requester, requested_at=now, expires_at=now + TEMPORARY_ACCESS,
            reason=f"opened ticket {ticket.number}: {ticket.subject}",
        )
    return _new_event(ticket, actor, "authorisation_requested", now,
                      new={"grant": grant.pk,
                           "primary_contact": ticket.organisation.primary_contact_id})


def _ticket_plan(policy: Policy, org: Organisation) -> str:
    """The plan whose targets the ticket runs on: the first of the organisation's plans the
    policy knows (organisations list their SLA plan first), else the policy's default."""
    for plan in org.plans:
        if plan in policy.plan_chains:
            return plan
    return policy.default_plan


def _refuse_if_banned(new: NewTicket, *, now: datetime) -> None:
    requester, org = new.requester, new.organisation
    reason = None
    if requester is not None and requester.is_banned:
        reason = f"requester is banned: {requester.ban_reason}"
    elif org.is_banned:
        reason = f"organisation is banned: {org.ban_reason}"
    if reason is None:
        return
    TicketRefusal.objects.create(
        organisation=org, requester=requester, channel=new.channel, subject=new.subject,
        description=new.description, reason=reason, at=now,
    )
    raise IntakeRefused(reason, field="requester")


def may_open_tickets(policy: Policy, contact: Contact, *, now: datetime) -> bool:
    """Whether ``contact`` passes the policy's "who may open tickets" rule (FG-10, RK-2)."""
    rule = policy.spec.intake.who_may_open
    if rule == "any_contact":
        return True
    org = contact.organisation
    if contact.pk in (org.primary_contact_id, org.administrator_id):
        return True
    if rule == "administrators":
        return False
    if contact.authorised:
        return True
    return AccessGrant.objects.filter(
        contact=contact, state=AccessGrant.State.CONFIRMED, expires_at__gt=now
    ).exists()


def _hold(policy: Policy, new: NewTicket, *, now: datetime) -> str:
    if new.requester is None:
        if new.created_by is None and policy.needs_account_lookup(new.channel):
            return Ticket.Hold.NEEDS_ACCOUNT_LOOKUP  # FG-4: only the caller's number
        return ""
    if policy.spec.intake.who_may_open == "any_contact" or new.created_by is not None:
        return ""
    if may_open_tickets(policy, new.requester, now=now):
        return ""
    if policy.spec.intake.who_may_open == "authorised_personnel":
        return Ticket.Hold.AWAITING_AUTHORISATION
    return ""


def _administrator_flags(policy: Policy, new: NewTicket) -> list[str]:
    """RK-2: flag (and exclude from targets) tickets without the Administrator."""
    admin_id = new.organisation.administrator_id
    involved = {c.pk for c in new.cc} | ({new.requester.pk} if new.requester else set())
    return list(policy.intake_exclusions(
        administrator_included=admin_id in involved,
        organisation_has_administrator=admin_id is not None,
    ))


def _route(policy: Policy, new: NewTicket, plan: str) -> AgentGroup | None:
    team = policy.route_title(new.subject)
    if team is None and new.topic:
        out, route = _out_of_scope(policy, new.organisation, new.topic)
        team = route if out else None
    if team is None:
        return None
    return AgentGroup.objects.filter(key=team).first()


def _out_of_scope(policy: Policy, org: Organisation, topic: str) -> tuple[bool, str | None]:
    """Out of scope unless one of the organisation's plans brings it in (RL-9 extra support)."""
    plans = [p for p in org.plans if p in policy.plan_chains] or [policy.default_plan]
    verdicts = [policy.out_of_scope_route(topic, plan) for plan in plans]
    if any(not out for out, _ in verdicts):
        return False, None
    return verdicts[0]


def _location(org: Organisation | None) -> Location | None:
    if org is None:
        return None
    return Location(timezone=org.timezone or None, country=org.country or None,
                    subdiv=org.subdivision or None)


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
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        policy = policy_for(ticket.policy_version)
        _apply_change(ticket, policy, actor, change, now)
        return _save(ticket, now)


def ticket_reply(
    *, ticket: Ticket, actor: Actor, body: str, change: Change | None = None,
    expected_version: int | None, now: datetime,
) -> Message:
    """A public reply by an agent, optionally with a change in the same action: a reply sent
    with "pending" or "solved" still meets first response (Zammad#3551)."""
    _require_agent(actor)
    _check_text(body, "body")
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        message = Message.objects.create(
            ticket=ticket, visibility=Message.Visibility.PUBLIC, author_agent=actor.agent,
            channel=actor.channel, body=body, created_at=now,
        )
        _event(ticket, actor, "public_reply", now, new={"message": message.pk})
        if change is not None:
            _apply_change(ticket, policy_for(ticket.policy_version), actor, change, now)
        _save(ticket, now)
    return message


def ticket_note(
    *, ticket: Ticket, actor: Actor, body: str, expected_version: int | None, now: datetime
) -> Message:
    """An internal note: agents only, never shown to contacts, never a first response."""
    _require_agent(actor)
    _check_text(body, "body")
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        message = Message.objects.create(
            ticket=ticket, visibility=Message.Visibility.INTERNAL, author_agent=actor.agent,
            channel=actor.channel, body=body, created_at=now,
        )
        _event(ticket, actor, "internal_note", now, new={"message": message.pk})
        _save(ticket, now)
    return message


def ticket_log_call(
    *, ticket: Ticket, actor: Actor, summary: str, expected_version: int | None, now: datetime
) -> Message:
    """A call or screen share with the customer (RK-1), logged: a first touch (RL-2, FG-7)."""
    _require_agent(actor)
    _check_text(summary, "summary")
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        message = Message.objects.create(
            ticket=ticket, visibility=Message.Visibility.INTERNAL, author_agent=actor.agent,
            channel="phone", body=summary, created_at=now,
        )
        _event(ticket, actor, "call_logged", now, new={"message": message.pk})
        _save(ticket, now)
    return message


def ticket_customer_reply(
    *, ticket: Ticket, actor: Actor, body: str, now: datetime
) -> Message:
    """A customer's message. On Solved it reopens the ticket (RK-7); on a status with
    ``customer_reply_moves_to`` (Pending) it moves there; Closed is final, and a held ticket
    (FG-10, FG-4) takes no customer reply until it is released."""
    _check_text(body, "body")
    with transaction.atomic():
        ticket = _lock(ticket, None)  # Closed is final: _lock refuses it
        abilities.refuse(abilities.customer_reply_refusal(actor, ticket))
        policy = policy_for(ticket.policy_version)
        if ticket.status_category == "solved":
            _reopen(ticket, policy, actor, now)
        message = Message.objects.create(
            ticket=ticket, visibility=Message.Visibility.PUBLIC, author_contact=actor.contact,
            channel=actor.channel, body=body, created_at=now,
        )
        _event(ticket, actor, "customer_reply", now, new={"message": message.pk})
        moves_to = policy.status(ticket.status).customer_reply_moves_to
        if moves_to is not None:
            _set_status(ticket, policy, actor, moves_to, now)
        _save(ticket, now)
    return message


def ticket_reopen(*, ticket: Ticket, actor: Actor, now: datetime) -> Ticket:
    """Reopen a Solved ticket (RK-7: the customer may reopen; Closed is final)."""
    with transaction.atomic():
        ticket = _lock(ticket, None)
        abilities.refuse(abilities.reopen_refusal(actor, ticket))
        _reopen(ticket, policy_for(ticket.policy_version), actor, now)
        return _save(ticket, now)


def ticket_set_exclusion(
    *, ticket: Ticket, actor: Actor, reason: str, active: bool, expected_version: int | None,
    now: datetime,
) -> Ticket:
    """Set or clear an exclusion reason that takes the ticket out of a target (RK-4)."""
    _require_agent(actor)
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        policy = policy_for(ticket.policy_version)
        if reason not in policy.exclusion_reasons:
            raise InvalidInput(
                f"unknown exclusion reason {reason!r}; this policy has "
                f"{', '.join(policy.exclusion_reasons) or 'none'}", field="reason")
        current = set(ticket.exclusions)
        if active == (reason in current):
            return ticket
        current.symmetric_difference_update({reason})
        ticket.exclusions = sorted(current)
        kind = "exclusion_set" if active else "exclusion_cleared"
        _event(ticket, actor, kind, now, new={"reason": reason})
        return _save(ticket, now)


def ticket_request_escalation(*, ticket: Ticket, actor: Actor, reason: str, now: datetime):
    """PR-6: the customer asks for escalation inside the ticket, where the policy offers it
    and while the ticket is being worked on; a senior technician reviews it. Recorded once;
    asking again while a request is open changes nothing."""
    _check_text(reason, "reason")
    with transaction.atomic():
        ticket = _lock(ticket, None)
        abilities.refuse(abilities.escalation_refusal(
            actor, ticket, policy_for(ticket.policy_version)))
        if ticket.escalation_requested_at is not None:
            return ticket
        ticket.escalation_requested_at = now
        _event(ticket, actor, "escalation_requested", now, new={"reason": reason})
        return _save(ticket, now)


def ticket_authorise(*, ticket: Ticket, actor: Actor, approve: bool, now: datetime) -> Ticket:
    """The primary contact confirms or rejects a held request (FG-10). Confirming grants the
    requester temporary access and starts the ticket's clocks now; rejecting closes it, kept."""
    contact = actor.contact
    with transaction.atomic():
        ticket = _lock(ticket, None)
        abilities.refuse(abilities.authorisation_refusal(actor, ticket))
        policy = policy_for(ticket.policy_version)
        grant = (AccessGrant.objects.select_for_update()
                 .filter(contact=ticket.requester, state=AccessGrant.State.PENDING).first())
        if grant is not None:
            grant.state = (AccessGrant.State.CONFIRMED if approve
                           else AccessGrant.State.REJECTED)
            grant.decided_at, grant.decided_by = now, contact
            grant.expires_at = now + TEMPORARY_ACCESS
            grant.save(update_fields=["state", "decided_at", "decided_by", "expires_at"])
        ticket.hold = ""
        if approve:
            ticket.received_at = now
            created = ticket.events.get(kind="created").new
            _event(ticket, actor, "authorised", now, new={**created, "hold": ""})
        else:
            _event(ticket, actor, "authorisation_rejected", now, new={})
            _set_status(ticket, policy, actor, policy.status_of_category("closed"), now)
        return _save(ticket, now)


def ticket_identify_requester(
    *, ticket: Ticket, actor: Actor, requester: Contact, expected_version: int | None,
    now: datetime,
) -> Ticket:
    """FG-4: an agent's account lookup names the caller of a voicemail ticket; work can start."""
    _require_agent(actor)
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        if requester.organisation_id != ticket.organisation_id:
            raise InvalidInput("the requester belongs to another organisation",
                               field="requester")
        _event(ticket, actor, "requester_identified", now,
               old={"requester": ticket.requester_id, "hold": ticket.hold},
               new={"requester": requester.pk, "hold": ""})
        ticket.requester = requester
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
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        if ticket.identity_verified:
            return ticket
        ticket.identity_verified = True
        _event(ticket, actor, "identity_verified", now, new={"method": method})
        return _save(ticket, now)


def ticket_set_cc(
    *, ticket: Ticket, actor: Actor, cc: Sequence[Contact], expected_version: int | None,
    now: datetime,
) -> Ticket:
    """RK-2: an agent sets who is copied on the ticket, contacts of its organisation. Copying
    the Administrator in (or taking them out) moves the "Administrator not included" flag and
    its exclusion reason from this instant on, as if the ticket had come that way."""
    _require_agent(actor)
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
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
        _event(ticket, actor, "cc_changed", now, old={"cc": before}, new={"cc": after})
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
    kind = "exclusion_set" if reason in flags else "exclusion_cleared"
    _event(ticket, actor, kind, now, new={"reason": reason})


# --- internals -------------------------------------------------------------------------------


def _apply_change(ticket: Ticket, policy: Policy, actor: Actor, change: Change,
                  now: datetime) -> None:
    if change.priority is not None and change.priority != ticket.priority:
        rank = _checked(lambda: policy.priority(change.priority), "priority").rank
        _event(ticket, actor, "priority_changed", now,
               old={"priority": ticket.priority}, new={"priority": change.priority})
        ticket.priority, ticket.priority_rank = change.priority, rank
    if change.unassign or (change.assignee is not None
                           and change.assignee.pk != ticket.assignee_id):
        new = None if change.unassign else change.assignee
        _event(ticket, actor, "assigned", now, old={"assignee": ticket.assignee_id},
               new={"assignee": new.pk if new else None})
        ticket.assignee = new
    if change.group is not None and change.group.pk != ticket.group_id:
        _event(ticket, actor, "group_changed", now, old={"group": ticket.group_id},
               new={"group": change.group.key})
        ticket.group = change.group
    if change.topic is not None and change.topic != ticket.topic:
        _event(ticket, actor, "topic_changed", now, old={"topic": ticket.topic},
               new={"topic": change.topic})
        ticket.topic = change.topic
        out, route = _out_of_scope(policy, ticket.organisation, change.topic) \
            if change.topic else (False, None)
        ticket.out_of_scope = out
        if route is not None and change.group is None:
            _route_topic(ticket, actor, route, now)
    if change.tags is not None and sorted(set(change.tags)) != ticket.tags:
        _event(ticket, actor, "tags_changed", now, old={"tags": ticket.tags},
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
        _event(ticket, actor, "group_changed", now, old={"group": ticket.group_id},
               new={"group": group.key})
        ticket.group = group


def _set_status(ticket: Ticket, policy: Policy, actor: Actor, status: str, now: datetime):
    if status == ticket.status:
        return
    if ticket.hold and policy.status(status).category != "closed":
        raise Conflict(f"ticket {ticket.number} is held ({ticket.hold}); resolve that first",
                       code="ticket_held")
    _event(ticket, actor, "status_changed", now, old={"status": ticket.status},
           new={"status": status})
    ticket.status = status
    ticket.status_category = policy.status(status).category


def _reopen(ticket: Ticket, policy: Policy, actor: Actor, now: datetime) -> None:
    status = policy.status_of_category("open")
    _event(ticket, actor, "reopened", now, old={"status": ticket.status},
           new={"status": status})
    ticket.status, ticket.status_category = status, "open"


def _lock(ticket: Ticket, expected_version: int | None) -> Ticket:
    """Re-read the ticket under a row lock; a stale expected version is a Conflict."""
    fresh = (Ticket.objects.select_for_update(of=("self",))
             .select_related("policy_version", "organisation").get(pk=ticket.pk))
    if expected_version is not None and fresh.version != expected_version:
        raise Conflict(
            f"ticket {fresh.number} changed since you loaded it (version {expected_version}, "
            f"now {fresh.version}); reload and try again", field="version")
    abilities.refuse(abilities.closed_refusal(fresh))
    return fresh


def _save(ticket: Ticket, now: datetime) -> Ticket:
    ticket.version += 1
    ticket.updated_at = now
    ticket.save()
    timers_recompute(ticket, now=now)
    return ticket


def _new_event(ticket: Ticket, actor: Actor, kind: str, at: datetime, *, old=None,
               new=None) -> TicketEvent:
    return TicketEvent(
        ticket=ticket, at=at, kind=kind, actor_agent=actor.agent, actor_contact=actor.contact,
        channel=actor.channel, old=old, new=new,
    )


def _event(ticket: Ticket, actor: Actor, kind: str, at: datetime, *, old=None, new=None):
    _new_event(ticket, actor, kind, at, old=old, new=new).save()


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
