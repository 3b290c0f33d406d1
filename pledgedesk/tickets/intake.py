"""What a new ticket will be, decided before anything is written (``ticket_create``'s first
half; its second half only writes what is decided here).

``intake_decide`` reads what it needs (the caller's contact by phone number, temporary access
grants, the team a title routes to) and writes nothing: a refused request raises here and the
service records the refusal. The rules a door needs before it opens a ticket (which channel
its requests come through, which plan a ticket runs on) live here too, so a door never keeps
a copy of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pledgedesk.accounts.models import Agent, AgentGroup, Contact, Organisation
from pledgedesk.accounts.services import access_granted, contact_by_phone
from pledgedesk.errors import IntakeRefused, InvalidInput
from pledgedesk.policy.compile import Policy
from pledgedesk.policy.errors import PolicyInputError
from pledgedesk.tickets.models import Ticket

MAX_SUBJECT = 250

# The channel a request arriving through each door is recorded under: the first of these the
# policy offers. The web door is the policy's portal, or its in-product widget for a policy
# that takes web requests only there (PR-1); the API is its own channel where offered.
DOOR_CHANNELS = {
    "web": ("portal", "widget"),
    "api": ("api", "portal", "widget"),
}


@dataclass(frozen=True)
class NewTicket:
    """A request as a door received it."""

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


@dataclass(frozen=True)
class Intake:
    """Everything decided about a new ticket; ``ticket_create`` writes exactly this."""

    new: NewTicket  # with the caller identified by phone number where possible (FG-4)
    channel: str
    plan: str
    priority: str
    priority_rank: int
    notes: tuple[str, ...]  # why the priority differs from the one asked for (FG-3, RL-4)
    status: str  # the policy's status of category "new"
    hold: str
    exclusions: tuple[str, ...]  # RK-2: no Administrator involved
    group: AgentGroup | None  # RK-10 title marker, RK-9 out-of-scope route
    out_of_scope: bool
    page_on_call: bool  # FG-8


def door_channel(policy: Policy, door: str) -> str | None:
    """The channel a request through ``door`` ("web" or "api") is recorded under, or None
    when the policy takes no requests through that door."""
    offered = policy.spec.channels.offered()
    return next((c for c in DOOR_CHANNELS[door] if c in offered), None)


def ticket_plan(policy: Policy, org: Organisation) -> str:
    """The plan whose targets a ticket runs on: the first of the organisation's plans the
    policy knows (organisations list their SLA plan first), else the policy's default."""
    return next((p for p in org.plans if p in policy.plan_chains), policy.default_plan)


def intake_caller(new: NewTicket) -> NewTicket:
    """FG-4: the account look-up a voicemail needs, done at once when the caller's number
    belongs to one of the organisation's contacts."""
    if new.requester is not None or not new.caller_number:
        return new
    caller = contact_by_phone(new.caller_number, region=new.organisation.country)
    if caller is None or caller.organisation_id != new.organisation.pk:
        return new
    return replace(new, requester=caller)


def intake_decide(*, new: NewTicket, policy: Policy, now: datetime) -> Intake:
    """Apply the policy's intake rules to ``new`` (see ``ticket_create``). Raises
    InvalidInput naming the field, or IntakeRefused for a banned requester (RL-7)."""
    org = new.organisation
    _check_subject(new.subject)
    channel = _checked(lambda: policy.check_channel(new.channel), "channel")
    if new.requester is not None and new.requester.organisation_id != org.pk:
        raise InvalidInput("the requester belongs to another organisation", field="requester")
    _refuse_if_banned(new)
    plan = ticket_plan(policy, org)
    asked = _checked(lambda: policy.intake(channel=channel, plan=plan,
                                           requested=new.priority), "priority")
    hold = _hold(policy, new, now=now)
    return Intake(
        new=new, channel=channel, plan=plan, priority=asked.priority,
        priority_rank=policy.priority(asked.priority).rank, notes=tuple(asked.notes),
        status=policy.status_of_category("new"), hold=hold,
        exclusions=_administrator_flags(policy, new) if hold == "" else (),
        group=_route(policy, new),
        out_of_scope=bool(new.topic) and out_of_scope(policy, org, new.topic)[0],
        page_on_call=hold == "" and policy.page_on_call(
            plan=plan, priority=asked.priority, channel=channel, at=now,
            location=org.location),
    )


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
    return contact.authorised or access_granted(contact, now=now)


def out_of_scope(policy: Policy, org: Organisation, topic: str) -> tuple[bool, str | None]:
    """Out of scope unless one of the organisation's plans brings it in (RL-9 extra support);
    with the team an out-of-scope topic goes to (RK-9)."""
    plans = [p for p in org.plans if p in policy.plan_chains] or [policy.default_plan]
    verdicts = [policy.out_of_scope_route(topic, plan) for plan in plans]
    if any(not out for out, _ in verdicts):
        return False, None
    return verdicts[0]


def _check_subject(subject: str) -> None:
    if not subject or not subject.strip():
        raise InvalidInput("subject must not be empty", field="subject")
    if len(subject) > MAX_SUBJECT:
        raise InvalidInput(f"subject is longer than {MAX_SUBJECT} characters", field="subject")


def _refuse_if_banned(new: NewTicket) -> None:
    if new.requester is not None and new.requester.is_banned:
        raise IntakeRefused(f"requester is banned: {new.requester.ban_reason}",
                            field="requester")
    if new.organisation.is_banned:
        raise IntakeRefused(f"organisation is banned: {new.organisation.ban_reason}",
                            field="requester")


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


def _administrator_flags(policy: Policy, new: NewTicket) -> tuple[str, ...]:
    """RK-2: flag (and exclude from targets) tickets without the Administrator."""
    admin_id = new.organisation.administrator_id
    involved = {c.pk for c in new.cc} | ({new.requester.pk} if new.requester else set())
    return tuple(policy.intake_exclusions(
        administrator_included=admin_id in involved,
        organisation_has_administrator=admin_id is not None,
    ))


def _route(policy: Policy, new: NewTicket) -> AgentGroup | None:
    team = policy.route_title(new.subject)
    if team is None and new.topic:
        out, route = out_of_scope(policy, new.organisation, new.topic)
        team = route if out else None
    if team is None:
        return None
    return AgentGroup.objects.filter(key=team).first()


def _checked(lookup, field_name: str):
    try:
        return lookup()
    except PolicyInputError as exc:
        raise InvalidInput(str(exc), field=field_name) from None
