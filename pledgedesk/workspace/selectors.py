"""Reads of the agent workspace: an agent's draft, and what others wrote since a page loaded."""

from __future__ import annotations

from pledgedesk.accounts.models import Agent
from pledgedesk.tickets.models import Message, Ticket
from pledgedesk.workspace.models import Draft


def draft_for(*, agent: Agent, ticket: Ticket) -> Draft | None:
    """This agent's draft on this ticket (drafts are private: nobody else's is returned)."""
    return Draft.objects.filter(agent=agent, ticket=ticket).first()


def last_message_id(*, ticket: Ticket) -> int:
    """The newest message on the ticket when a page is rendered: the reply form carries it,
    so a send can tell the agent what arrived meanwhile."""
    return (Message.objects.filter(ticket=ticket).order_by("-pk")
            .values_list("pk", flat=True).first()) or 0


def messages_since(*, ticket: Ticket, seen: int, excluding: int | None = None) -> list[Message]:
    """Messages added to the ticket after message ``seen`` (all visibilities: the reader is an
    agent), oldest first, without ``excluding`` (the agent's own message just sent)."""
    found = (Message.objects.filter(ticket=ticket, pk__gt=seen)
             .select_related("author_agent", "author_contact").order_by("pk"))
    if excluding is not None:
        found = found.exclude(pk=excluding)
    return list(found)
