"""Inbound mail intake: store the raw message, then turn it into a ticket or a reply.

``inbound_store`` commits the bytes before anything reads them; ``inbound_process`` may be run
any number of times on a stored row and acts once: it claims the row with a conditional
UPDATE (two fetchers or a retry racing a fetch cannot both act), then calls the same
``ticket_create`` / ``ticket_customer_reply`` the portal and the API call, so every policy
rule applies to email without a copy. Whatever fails is quarantined with its reason, never
dropped (PITFALLS "Email").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q

from pledgedesk.accounts.services import contact_by_email
from pledgedesk.channels import bounces, selectors, threads
from pledgedesk.channels.models import InboundMessage
from pledgedesk.channels.parsing import (
    ParsedMail,
    content_hash,
    message_id_of,
    parse_mail,
    subject_core,
)
from pledgedesk.errors import DeskError, IntakeRefused
from pledgedesk.tickets.intake import MAX_SUBJECT, NewTicket
from pledgedesk.tickets.services import Actor, ticket_create, ticket_customer_reply

log = logging.getLogger(__name__)
CHANNEL = "email"
DEFAULT_MAX_INBOUND_BYTES = 25 * 1024 * 1024
State = InboundMessage.State


@dataclass(frozen=True)
class Outcome:
    """What became of one message, as ``pledgedesk mail`` prints it."""

    row: int
    outcome: str  # created, appended, ignored, bounce, quarantined, refused, duplicate
    ticket: int | None
    reason: str


def inbound_store(*, raw: bytes, mailbox: str, now: datetime) -> tuple[InboundMessage, bool]:
    """Keep ``raw`` as it arrived; ``(row, False)`` when these bytes with this Message-ID are
    already stored (through another mailbox or fetcher)."""
    try:
        message_id = message_id_of(raw)
    except Exception:  # a header the parser cannot read: still kept, under a content id
        message_id = f"{content_hash(raw)[:40]}@pledgedesk.invalid"
    with transaction.atomic(durable=True):
        return InboundMessage.objects.get_or_create(
            message_id=message_id, sha256=content_hash(raw),
            defaults={"raw": raw, "mailbox": mailbox[:255], "received_at": now})


def inbound_process(*, message_id: int, now: datetime) -> Outcome:
    """Intake for stored row ``message_id``: once. A row already processed (or being processed
    by someone else) is returned as it stands."""
    claimed = InboundMessage.objects.filter(pk=message_id, state=State.RECEIVED).update(
        state=State.PROCESSING, attempts=F("attempts") + 1)
    row = InboundMessage.objects.get(pk=message_id)
    if not claimed:
        return _outcome(row)
    try:
        state, ticket, message, reason = _intake(row, now)
    except DeskError as exc:
        state, ticket, message, reason = _refused_or_quarantined(exc)
    except Exception as exc:  # a bug must not lose the message: it waits for the fix
        log.exception("inbound message %s failed", row.pk)
        state, ticket, message = State.QUARANTINED, None, None
        reason = f"{type(exc).__name__}: {exc}"
    row.state, row.ticket, row.ticket_message = state, ticket, message
    row.reason = reason[:2000]
    row.processed_at = now
    row.save(update_fields=["state", "ticket", "ticket_message", "reason", "processed_at",
                            "sender", "subject"])
    return _outcome(row)


def inbound_retry(*, message_id: int, now: datetime) -> Outcome:
    """A person's retry of a quarantined message, or of one a crash left mid-processing
    (they have checked it did not reach a ticket)."""
    InboundMessage.objects.filter(
        Q(state=State.QUARANTINED) | Q(state=State.PROCESSING), pk=message_id,
    ).update(state=State.RECEIVED)
    return inbound_process(message_id=message_id, now=now)


def _intake(row: InboundMessage, now: datetime):
    limit = int(getattr(settings, "PLEDGEDESK_MAX_INBOUND_BYTES", DEFAULT_MAX_INBOUND_BYTES))
    if len(row.raw) > limit:
        reason = f"message is {len(row.raw)} bytes; the limit is {limit}"
        return State.QUARANTINED, None, None, reason
    try:
        mail = parse_mail(bytes(row.raw))
    except ValueError as exc:
        return State.QUARANTINED, None, None, f"unreadable message: {exc}"
    row.sender, row.subject = mail.sender[:254], mail.subject[:255]
    if mail.bounce:  # recorded on the outbound mail it is about, and so on its ticket
        ticket, reason = bounces.bounce_record(raw=bytes(row.raw), inbound=row, now=now)
        return State.BOUNCE, ticket, None, reason
    if mail.automatic:
        return State.IGNORED, None, None, mail.automatic
    contact = contact_by_email(mail.sender)
    if contact is None:
        return State.QUARANTINED, None, None, f"unknown sender: {mail.sender}"
    ticket = threads.thread_for(mail, contact)
    actor = Actor(channel=CHANNEL, contact=contact)
    if ticket is not None:
        message = ticket_customer_reply(ticket=ticket, actor=actor, body=mail.display_text,
                                        files=_files(mail), now=now)
        return State.APPENDED, ticket, message, ""
    ticket = ticket_create(new=_new_ticket(mail, contact), files=_files(mail), now=now)
    return State.CREATED, ticket, ticket.messages.order_by("pk").first(), ""


def _new_ticket(mail: ParsedMail, contact) -> NewTicket:
    org = contact.organisation
    copied = [c for c in selectors.contacts_by_emails((*mail.to, *mail.cc), organisation=org)
              if c.pk != contact.pk]
    # No priority: an email cannot set one (FG-3); the policy's intake rule decides.
    return NewTicket(organisation=org, requester=contact, channel=CHANNEL, cc=copied,
                     subject=(subject_core(mail.subject) or "(no subject)")[:MAX_SUBJECT],
                     description=mail.text.strip())


def _files(mail: ParsedMail) -> list[ContentFile]:
    files = []
    for part in mail.attachments:
        if not part.data:
            continue  # an empty part is no file (the services refuse empty uploads)
        upload = ContentFile(part.data, name=part.filename)
        upload.content_type = part.content_type
        files.append(upload)
    return files


def _refused_or_quarantined(exc: DeskError):
    # RL-7: the service kept the refused request (TicketRefusal); the mail is kept here.
    state = State.REFUSED if isinstance(exc, IntakeRefused) else State.QUARANTINED
    return state, None, None, f"{exc.code}: {exc.message}"


def _outcome(row: InboundMessage) -> Outcome:
    number = row.ticket.number if row.ticket_id else None
    return Outcome(row=row.pk, outcome=row.state, ticket=number, reason=row.reason)
