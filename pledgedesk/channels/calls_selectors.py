"""Which voicemail calls agents see: those waiting for a person, and those on a ticket."""

from __future__ import annotations

from django.db.models import QuerySet

from pledgedesk.channels.models import InboundCall
from pledgedesk.tickets.models import Ticket

WAITING = (InboundCall.State.HELD, InboundCall.State.QUARANTINED,
           InboundCall.State.PROCESSING)
WAITING_SHOWN = 100


def calls_waiting() -> QuerySet[InboundCall]:
    """Held (for the account look-up), quarantined and stuck calls, oldest first: the order
    they wait in. Agents only; a call with no ticket belongs to no organisation yet."""
    return (InboundCall.objects.filter(state__in=WAITING).defer("body")
            .order_by("received_at", "pk")[:WAITING_SHOWN])


def call_waiting(call_id: int) -> InboundCall | None:
    return InboundCall.objects.filter(pk=call_id, state__in=WAITING).first()


def calls_on_ticket(ticket: Ticket) -> list[InboundCall]:
    """The voicemails a ticket was opened from, with their audio attachment."""
    return list(InboundCall.objects.filter(ticket=ticket).defer("body")
                .select_related("audio").order_by("received_at", "pk"))
