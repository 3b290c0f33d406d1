"""Which macros an agent may use, and a macro filled in for one ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from pledgedesk.accounts.models import Agent
from pledgedesk.channels import outbound_render as mailtext
from pledgedesk.errors import NotFound
from pledgedesk.macros import placeholders
from pledgedesk.macros.models import Macro
from pledgedesk.tickets.models import Ticket
from pledgedesk.versions.policies import policy_for


def macros_visible(*, agent: Agent) -> QuerySet[Macro]:
    """Shared macros and the agent's own, by name."""
    return (Macro.objects.filter(Q(owner__isnull=True) | Q(owner=agent))
            .select_related("group", "owner").order_by("name", "pk"))


def macro_for(*, agent: Agent, macro_id: int) -> Macro:
    """One macro the agent may use; someone else's personal macro is "not found"."""
    found = macros_visible(agent=agent).filter(pk=macro_id).first()
    if found is None:
        raise NotFound(f"macro {macro_id} not found")
    return found


@dataclass(frozen=True)
class Filled:
    """A macro as it applies to one ticket: the reply text and the fields it sets (None:
    leave as is). A status or priority the ticket's policy does not have is left out."""

    body: str
    status: str | None
    priority: str | None
    group: str | None
    tags: list[str]


def macro_filled(*, macro: Macro, ticket: Ticket, agent: Agent, now: datetime) -> Filled:
    policy = policy_for(ticket.policy_version)
    body = placeholders.fill(macro.body, placeholder_values(ticket=ticket, agent=agent))
    status = macro.status if macro.status in policy.statuses else None
    priority = macro.priority if macro.priority in {p.key for p in policy.priorities} else None
    return Filled(body=body, status=status, priority=priority,
                  group=macro.group.key if macro.group else None,
                  tags=sorted(set(ticket.tags) | set(macro.tags)))


def placeholder_values(*, ticket: Ticket, agent: Agent) -> dict[str, str]:
    """Every placeholder's value for ``ticket``: promised times come from the SLA engine's
    timers, shown in the customer's zone with its name (as the acknowledgement mail does)."""
    policy = policy_for(ticket.policy_version)
    context = mailtext.ticket_context(ticket, policy, now=ticket.updated_at)
    promises = mailtext.promises(ticket, policy)
    requester = ticket.requester
    name = requester.name if requester else ""
    lines = [f"{p.label}: {p.due}" for p in promises]
    return {
        "requester.name": name, "requester.first_name": name.split(" ")[0] if name else "",
        "ticket.number": str(ticket.number), "ticket.subject": ticket.subject,
        "ticket.status": context["status"], "ticket.priority": context["priority"],
        "organisation.name": ticket.organisation.name if ticket.organisation else "",
        "agent.name": agent.name,
        "promises": "\n".join(lines), "promise.next": lines[0] if lines else "",
    }

