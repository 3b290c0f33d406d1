"""Reads for inbound mail: threading look-ups and what the console and admin show."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.db.models.functions import Lower

from pledgedesk.accounts.models import Contact, ContactEmail, Organisation
from pledgedesk.channels.models import InboundMessage
from pledgedesk.tickets.models import Ticket

State = InboundMessage.State


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


def contacts_by_address(addresses: Iterable[str]) -> dict[str, Contact]:
    """The contacts among ``addresses``, by address stripped and lower-cased, matched as
    ``accounts.services.contact_by_email`` matches one, each with its organisation: a
    message's sender and everyone in its To and Cc (RK-2's Administrator in copy) in one
    look-up instead of one per role."""
    lowered = {a.strip().lower() for a in addresses if a}
    if not lowered:
        return {}
    rows = (ContactEmail.objects.annotate(lower=Lower("address")).filter(lower__in=lowered)
            .select_related("contact__organisation"))
    return {row.lower: row.contact for row in rows}


def policy_keys_in_use() -> list[str]:
    """The policies organisations are served under (their email channels name addresses)."""
    return list(Organisation.objects.order_by("policy_key").values_list("policy_key", flat=True)
                .distinct())


def inbound_waiting_for_a_person() -> int:
    """Messages a person must look at: quarantined, or held without a ticket (unknown
    sender). A held message with its ticket waits on the ticket (FG-10), not here."""
    return InboundMessage.objects.filter(
        Q(state=State.QUARANTINED) | Q(state=State.HELD, ticket__isnull=True)).count()


def inbound_waiting(now: datetime, *, stored_before: datetime) -> list[int]:
    """Stored messages nobody is working on, oldest first: stored by ``stored_before``
    and not processed (the door that stored it died first), or left PROCESSING by a
    processor whose lease ran out (it crashed)."""
    return list(InboundMessage.objects.filter(
        Q(state=State.RECEIVED, received_at__lte=stored_before)
        | Q(state=State.PROCESSING, lease_until__lte=now)
        | Q(state=State.PROCESSING, lease_until__isnull=True),
    ).order_by("received_at", "pk").values_list("pk", flat=True))
