"""Reads for outbound mail: threading a reply by our own Message-IDs, and what the console
shows of each mail (its state beside its outbox delivery's, and whether a person can retry)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pledgedesk.channels.models import BouncingAddress, OutboundMessage
from pledgedesk.outbox.models import Delivery
from pledgedesk.tickets.models import Ticket

TOPIC = "mail"


def ticket_by_outbound_ids(message_ids: Iterable[str]) -> Ticket | None:
    """The ticket of the latest outbound message among ``message_ids`` (a reply to our mail)."""
    ids = [i for i in message_ids if i]
    if not ids:
        return None
    found = (OutboundMessage.objects.filter(message_id__in=ids)
             .select_related("ticket__organisation").order_by("-created_at", "-pk").first())
    return found.ticket if found else None


@dataclass(frozen=True)
class MailRow:
    """One outbound mail as a person reads it. ``message`` is None when it could not even be
    written (a broken template): then only its delivery says why."""

    message: OutboundMessage | None
    delivery: Delivery | None
    state: str  # sent | queued | retrying | failed | suppressed | bounced
    reason: str
    at: datetime | None
    recipients: tuple[tuple[str, str, str], ...]  # (address, state, reason)

    @property
    def retry_id(self) -> int | None:
        """The delivery a person may put back in the queue: a failed one only."""
        failed = self.delivery is not None and self.delivery.state == Delivery.State.FAILED
        return self.delivery.pk if failed else None

    @property
    def ticket_number(self) -> int | None:
        return self.message.ticket.number if self.message is not None else None


def ticket_mail(ticket: Ticket) -> list[MailRow]:
    """Every mail about ``ticket``, oldest first, failed deliveries without a message too."""
    deliveries = {d.key: d for d in Delivery.objects.filter(ticket_id=ticket.pk, topic=TOPIC)}
    messages = list(OutboundMessage.objects.filter(ticket=ticket).select_related("ticket")
                    .prefetch_related("recipients").order_by("created_at", "pk"))
    rows = [_row(m, deliveries.pop(m.delivery_key, None)) for m in messages]
    rows += [_row(None, d) for d in sorted(deliveries.values(), key=lambda d: d.pk)
             if d.state == Delivery.State.FAILED]
    return rows


def failed_mail(limit: int = 200) -> list[MailRow]:
    """Mail that did not reach its people, newest first: failed deliveries (waiting for a
    retry) and mail a delivery report bounced."""
    failed = list(Delivery.objects.filter(topic=TOPIC, state=Delivery.State.FAILED)
                  .order_by("-id")[:limit])
    by_key = {m.delivery_key: m for m in OutboundMessage.objects.filter(
        delivery_key__in=[d.key for d in failed]).select_related("ticket")
        .prefetch_related("recipients")}
    rows = [_row(by_key.get(d.key), d) for d in failed]
    bounced = (OutboundMessage.objects.filter(state=OutboundMessage.State.BOUNCED)
               .select_related("ticket").prefetch_related("recipients")
               .order_by("-bounced_at", "-pk")[:limit])
    return rows + [_row(m, None) for m in bounced]


def bouncing_addresses(limit: int = 200) -> list[BouncingAddress]:
    return list(BouncingAddress.objects.order_by("-last_at")[:limit])


def _row(message: OutboundMessage | None, delivery: Delivery | None) -> MailRow:
    state, reason, at = _state(message, delivery)
    people = tuple((r.address, r.state, r.reason) for r in message.recipients.all()) \
        if message is not None else ()
    return MailRow(message, delivery, state, reason, at, people)


def _state(message, delivery) -> tuple[str, str, datetime | None]:
    if delivery is not None and delivery.state == Delivery.State.FAILED:
        return "failed", delivery.last_error, delivery.created_at
    if message is None:
        return "queued", "", delivery.created_at if delivery else None
    if message.state == OutboundMessage.State.BOUNCED:
        return "bounced", message.bounce_reason, message.bounced_at
    if message.state == OutboundMessage.State.SENT:
        return "sent", "", message.sent_at
    if message.state == OutboundMessage.State.SUPPRESSED:
        return "suppressed", message.last_error, message.created_at
    if message.state == OutboundMessage.State.FAILED:
        return "failed", message.last_error, message.created_at
    if message.last_error:
        return "retrying", message.last_error, delivery.next_attempt_at if delivery else None
    return "queued", "", message.created_at
