"""Reads for inbound mail: threading look-ups and what the console and admin show."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.functions import Lower

from pledgedesk.accounts.models import Contact, ContactEmail, Organisation
from pledgedesk.channels.models import InboundMessage
from pledgedesk.tickets.models import Ticket


def ticket_by_message_ids(message_ids: Iterable[str]) -> Ticket | None:
    """The ticket whose stored inbound message one of ``message_ids`` names (a reply's
    In-Reply-To and References); the latest such message wins."""
    ids = [i for i in message_ids if i]
    if not ids:
        return None
    found = (InboundMessage.objects.filter(message_id__in=ids, ticket__isnull=False)
             .select_related("ticket__organisation").order_by("-received_at", "-pk").first())
    return found.ticket if found else None


def ticket_by_number(number: int) -> Ticket | None:
    return Ticket.objects.select_related("organisation").filter(number=number).first()


def contacts_by_emails(addresses: Iterable[str], *, organisation: Organisation) -> list[Contact]:
    """The contacts of ``organisation`` among ``addresses`` (To and Cc: RK-2's Administrator
    in copy), in a stable order."""
    lowered = {a.strip().lower() for a in addresses if a}
    if not lowered:
        return []
    rows = (ContactEmail.objects.annotate(lower=Lower("address"))
            .filter(lower__in=lowered, contact__organisation=organisation)
            .select_related("contact").order_by("contact_id"))
    return list({row.contact_id: row.contact for row in rows}.values())


def inbound_quarantined_count() -> int:
    """Messages waiting for a person: quarantined, or interrupted mid-processing."""
    return InboundMessage.objects.filter(state__in=[
        InboundMessage.State.QUARANTINED, InboundMessage.State.PROCESSING]).count()


def inbound_waiting() -> list[int]:
    """Stored messages not processed yet, oldest first."""
    return list(InboundMessage.objects.filter(state=InboundMessage.State.RECEIVED)
                .order_by("received_at", "pk").values_list("pk", flat=True))
