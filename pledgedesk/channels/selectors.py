"""Reads for inbound mail: threading look-ups and what the console and admin show."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.db.models.functions import Lower

from pledgedesk.accounts.models import Contact, ContactEmail, Organisation
from pledgedesk.channels.models import InboundMessage, OutboundMessage
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


def inbound_by_message_ids(message_ids: Iterable[str]) -> list[InboundMessage]:
    """The stored messages with any of ``message_ids`` (each id with every content stored
    under it): ``inbound_store_many``'s one look-up for a batch."""
    return list(InboundMessage.objects.filter(message_id__in=list(message_ids)))


def threads_by_message_ids(message_ids: Iterable[str],
                           ) -> tuple[dict[str, tuple], dict[str, tuple], dict[int, Ticket]]:
    """``ticket_by_message_ids`` and ``ticket_by_outbound_ids`` for a whole batch of messages
    at once: for each of ``message_ids`` that a stored inbound message with a ticket, or an
    outbound one, carries, ``(order, ticket key)`` (the latest message wins: received, or
    created, then id), inbound and outbound apart; and those tickets, each with its
    organisation. Three queries, whatever the batch's size."""
    ids = list({i for i in message_ids if i})
    if not ids:
        return {}, {}, {}
    inbound = _latest(InboundMessage.objects.filter(message_id__in=ids, ticket__isnull=False)
                      .values_list("message_id", "received_at", "pk", "ticket_id"))
    outbound = _latest(OutboundMessage.objects.filter(message_id__in=ids)
                       .values_list("message_id", "created_at", "pk", "ticket_id"))
    keys = {key for _order, key in (*inbound.values(), *outbound.values())}
    tickets = Ticket.objects.select_related("organisation").in_bulk(keys) if keys else {}
    return inbound, outbound, tickets


def _latest(rows) -> dict[str, tuple]:
    found: dict[str, tuple] = {}
    for message_id, at, pk, ticket in rows:
        if message_id not in found or found[message_id][0] < (at, pk):
            found[message_id] = ((at, pk), ticket)
    return found


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
