"""What a person may do on a ticket, decided in one place.

Each action has one predicate here. The service that performs the action calls it on the
ticket it has just locked and raises what it returns; ``ticket_abilities`` calls the same
predicates to tell the portal, the console and the API which actions to offer. A button and an
endpoint therefore cannot disagree (ARCHITECTURE: one selector that every door reads): before
this module the escalation rule lived only in the portal, and the API accepted what the portal
refused (issue 12).

A predicate answers with the error the service raises, or None when the action is allowed, so
"may they" and "why not" are one rule. Its checks run in the order the service meets them:
``_lock`` refuses a closed ticket before anything else, except for agent-only actions, which
refuse a non-agent before the ticket is locked.

Predicates are pure: they read the ticket row (with its organisation, which every door and
``_lock`` load with it), the compiled policy and who acts, and send no query, so a page or an
API response can show every ability at no cost. They assume the one object-level permission
check (``accounts.authorization.ticket_for``) has already let that person see the ticket: a
ticket someone may not see is "not found" to them before any ability is asked.

Idempotent actions stay allowed when repeating them would change nothing (asking again for
escalation, verifying an identity twice): the service accepts the repeat, so the ability says
yes; a page decides from the ticket's own facts whether to show the form or what was done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pledgedesk.accounts.models import Agent, Contact
from pledgedesk.errors import Conflict, DeskError, ErrorCode, PermissionDenied
from pledgedesk.policy.compile import Policy
from pledgedesk.tickets.models import Ticket


class Someone(Protocol):
    """Who acts: a service's ``Actor`` or a door's ``Principal``; each names an agent, a
    contact, or neither (an anonymous principal)."""

    @property
    def agent(self) -> Agent | None: ...

    @property
    def contact(self) -> Contact | None: ...


# --- the ticket's state ------------------------------------------------------------------------


def closed_refusal(ticket: Ticket) -> Conflict | None:
    """Closed is final (RK-7): no action changes a closed ticket."""
    if ticket.status_category == "closed":
        return Conflict(f"ticket {ticket.number} is closed, which is final",
                        code=ErrorCode.TICKET_CLOSED, field="status")
    return None


def held_refusal(ticket: Ticket) -> Conflict | None:
    """A held ticket waits for the primary contact's confirmation (FG-10) or an agent's account
    look-up (FG-4); until then the customer cannot add to it."""
    if not ticket.hold:
        return None
    waits_for = {Ticket.Hold.AWAITING_AUTHORISATION: "the primary contact's confirmation",
                 Ticket.Hold.NEEDS_ACCOUNT_LOOKUP: "an account look-up"}.get(ticket.hold,
                                                                             ticket.hold)
    return Conflict(f"ticket {ticket.number} is held until {waits_for}",
                    code=ErrorCode.TICKET_HELD, field="hold")


# --- agents' actions ---------------------------------------------------------------------------


def agent_refusal(who: Someone) -> PermissionDenied | None:
    if who.agent is None:
        return PermissionDenied("only an agent can do this")
    return None


def agent_action_refusal(who: Someone, ticket: Ticket) -> DeskError | None:
    """A public reply, internal note, logged call, change, exclusion, identity verification
    (RL-6), account look-up (FG-4) or the CCs (RK-2): any agent, on any ticket that is not
    closed."""
    return agent_refusal(who) or closed_refusal(ticket)


# --- customers' actions ------------------------------------------------------------------------


def customer_reply_refusal(who: Someone, ticket: Ticket) -> DeskError | None:
    """A contact's message: not on a closed ticket (final), not on a held one (FG-10)."""
    refusal = closed_refusal(ticket)
    if refusal is not None:
        return refusal
    if who.contact is None:
        return PermissionDenied("only a contact can add a customer reply")
    return held_refusal(ticket)


def escalation_refusal(who: Someone, ticket: Ticket, policy: Policy) -> DeskError | None:
    """PR-6: the customer asks for escalation inside the ticket, where the policy offers it,
    while the ticket is still being worked on. Agents escalate by routing (group, priority)."""
    refusal = closed_refusal(ticket)
    if refusal is not None:
        return refusal
    if who.contact is None:
        return PermissionDenied("escalation is the customer's request (PR-6); agents escalate "
                                "by changing the group or priority")
    offer = policy.spec.escalation
    if offer is None or not offer.customer_may_request:
        return PermissionDenied(f"the support policy {policy.name!r} does not offer customer "
                                "escalation", code=ErrorCode.ESCALATION_NOT_OFFERED)
    if ticket.status_category == "solved":
        return Conflict(f"ticket {ticket.number} is solved; reopen it to ask for escalation",
                        code=ErrorCode.TICKET_SOLVED, field="status")
    return held_refusal(ticket)


def reopen_refusal(who: Someone, ticket: Ticket) -> DeskError | None:
    """RK-7: a Solved ticket may be reopened by the customer (or an agent); Closed is final."""
    refusal = closed_refusal(ticket)
    if refusal is not None:
        return refusal
    if who.agent is None and who.contact is None:
        return PermissionDenied("sign in to reopen a ticket")
    if ticket.status_category != "solved":
        return Conflict(f"only a solved ticket can be reopened; this one is {ticket.status}",
                        code=ErrorCode.NOT_SOLVED, field="status")
    return None


def authorisation_refusal(who: Someone, ticket: Ticket) -> DeskError | None:
    """FG-10: only the organisation's primary contact confirms or rejects a held request."""
    refusal = closed_refusal(ticket)
    if refusal is not None:
        return refusal
    org = ticket.organisation
    if who.contact is None or org is None or who.contact.pk != org.primary_contact_id:
        return PermissionDenied("only the organisation's primary contact can authorise")
    if ticket.hold != Ticket.Hold.AWAITING_AUTHORISATION:
        return Conflict(f"ticket {ticket.number} is not awaiting authorisation",
                        code=ErrorCode.NOT_HELD, field="hold")
    return None


def refuse(refusal: DeskError | None) -> None:
    """Raise what a predicate refused with; what services call."""
    if refusal is not None:
        raise refusal


# --- the selector ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Abilities:
    """What one person may do on one ticket now. True means the service accepts the action
    (given valid input and, where asked for, the current version)."""

    reply: bool  # an agent's public reply, or a contact's customer reply
    reopen: bool
    escalate: bool
    authorise: bool  # confirm or reject a held request (FG-10)
    note: bool
    log_call: bool
    change: bool  # status, priority, assignee, group, topic, tags
    set_exclusion: bool
    verify_identity: bool
    identify_requester: bool
    set_cc: bool


def ticket_abilities(*, principal: Someone, ticket: Ticket, policy: Policy) -> Abilities:
    """Every action's predicate for ``principal`` on ``ticket`` (one it may see), as booleans.

    No ``now``: no rule here depends on the instant (grants and holds are facts stored on the
    rows when they change)."""
    agent_may = agent_action_refusal(principal, ticket) is None
    reply = (agent_may if principal.agent is not None
             else customer_reply_refusal(principal, ticket) is None)
    return Abilities(
        reply=reply,
        reopen=reopen_refusal(principal, ticket) is None,
        escalate=escalation_refusal(principal, ticket, policy) is None,
        authorise=authorisation_refusal(principal, ticket) is None,
        note=agent_may, log_call=agent_may, change=agent_may, set_exclusion=agent_may,
        verify_identity=agent_may, identify_requester=agent_may, set_cc=agent_may,
    )
