"""Which voicemail calls agents see: those waiting for a person, and those on a ticket."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet

from pledgedesk.accounts.models import Contact
from pledgedesk.channels.models import InboundCall
from pledgedesk.tickets.models import OPEN_CATEGORIES, Ticket

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


def call_ticket_open(*, caller: Contact, line: str, channel: str,
                     since: datetime) -> Ticket | None:
    """The caller's open ticket on ``channel`` with a voicemail on ``line`` (the number called)
    at or after ``since``: where their next voicemail on that line is appended
    (docs/calls.md). A held ticket (FG-10) takes no customer reply, so it is not one; the
    newest wins."""
    recent = InboundCall.objects.filter(
        ticket=OuterRef("pk"), line=line, received_at__gte=since,
        state__in=[InboundCall.State.CREATED, InboundCall.State.APPENDED])
    return (Ticket.objects.filter(requester=caller, channel=channel, hold="",
                                  status_category__in=OPEN_CATEGORIES)
            .filter(Exists(recent)).order_by("-pk").first())
