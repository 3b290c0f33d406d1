"""Events that other apps write on a ticket's history (a page requested, sent, acknowledged),
through the tickets layer so that each one also writes its ``ticket.event`` outbox row, as every
ticket service's events do.

``ticket_event_record`` runs inside the caller's transaction (the caller is a service that owns
one): the event exists exactly when the change it describes committed.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from pledgedesk.accounts.models import Agent
from pledgedesk.outbox import services as outbox
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Ticket, TicketEvent


def ticket_event_record(*, ticket: Ticket, kind: EventKind, now: datetime, new: dict,
                        agent: Agent | None = None, channel: str = "") -> TicketEvent:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ticket_event_record runs inside its caller's transaction")
    event = TicketEvent.objects.create(ticket=ticket, at=now, kind=kind, actor_agent=agent,
                                       channel=channel, new=new)
    outbox.enqueue_events([event], now=now)
    return event
