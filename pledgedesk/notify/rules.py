"""Who is told about a ticket event, and as what: the one place that decides it.

A rule reads the event and the ticket as they are when the worker plans the event. The agent
who made the change is never told about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pledgedesk.accounts.models import Agent
from pledgedesk.notify.models import Kind
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Ticket, TicketEvent

SLA_WARNING, SLA_BREACHED = "sla_warning", "sla_breached"  # recorded by automation's sweep
PAGE_KINDS = frozenset({"page_sent", "page_notified", "paged"})  # recorded by oncall
# The kinds ``notices_for`` tells anyone about; for any other it answers [] whatever the event.
NOTIFIED_KINDS = frozenset({EventKind.CREATED, EventKind.ASSIGNED, EventKind.CUSTOMER_REPLY,
                            SLA_WARNING, SLA_BREACHED, *PAGE_KINDS})


@dataclass(frozen=True)
class Notice:
    agent_id: int
    kind: Kind
    text: str


def notices_for(event: TicketEvent, ticket: Ticket) -> list[Notice]:
    kind, subject = str(event.kind), f"#{ticket.number} {ticket.subject}"
    if kind == EventKind.CREATED:
        found = _group_members(ticket), Kind.NEW_TICKET, f"New ticket {subject}"
    elif kind == EventKind.ASSIGNED:
        assignee = (event.new or {}).get("assignee")
        found = [assignee] if assignee else [], Kind.ASSIGNED, f"Assigned to you: {subject}"
    elif kind == EventKind.CUSTOMER_REPLY:
        found = _owners(ticket), Kind.CUSTOMER_REPLIED, f"Customer replied on {subject}"
    elif kind in (SLA_WARNING, SLA_BREACHED):
        metric = (event.new or {}).get("metric", "SLA")
        verb = "due soon" if kind == SLA_WARNING else "breached"
        found = (_owners(ticket), Kind.SLA_WARNING if kind == SLA_WARNING else Kind.SLA_BREACHED,
                 f"{metric} {verb} on {subject}")
    elif kind in PAGE_KINDS:
        agent = (event.new or {}).get("agent")
        found = [agent] if agent else [], Kind.PAGE, f"You were paged for {subject}"
    else:
        return []
    agents, notice_kind, text = found
    return [Notice(agent_id, notice_kind, text[:300]) for agent_id in _unique(agents)
            if agent_id != event.actor_agent_id]


def _owners(ticket: Ticket) -> list[int]:
    """Who answers for a ticket: its assignee, or, unassigned, its group's agents."""
    if ticket.assignee_id:
        return [ticket.assignee_id]
    return _group_members(ticket)


def _group_members(ticket: Ticket) -> list[int]:
    if not ticket.group_id:
        return []
    return list(Agent.objects.filter(groups=ticket.group_id, active=True)
                .order_by("pk").values_list("pk", flat=True))


def _unique(ids) -> list[int]:
    return list(dict.fromkeys(i for i in ids if i))
