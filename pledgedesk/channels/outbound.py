"""Outbound mail: what the desk tells people by mail about their tickets, sent once.

Planning (``mail_plan``, the ``mail-out`` planner): for each ticket event, who is told what is
decided here, one rule per event kind (``_RULES``), never in the handler:

- created: an acknowledgement to the requester with the promised times (or, held for the
  primary contact under FG-10, a "held" notice); authorised: the acknowledgement then;
- authorisation requested (FG-10): the primary contact, with a signed single-use link to
  confirm or reject; rejected: the requester is told;
- a public reply: the requester (To) and the ticket's CCs (Cc), with the reply's files;
- a status change to a solved or pending status (solved, awaiting your reply), unless it came
  with a public reply, which then says it;
- a ticket merged into another: its requester and CCs, with a link to the other (issue 16).

Delivery (``outbound_send``, the ``mail`` handler): the message is rendered once, stored with a
Message-ID derived from the outbox delivery's key, and sent over Django's mail API
(``PLEDGEDESK_SMTP_URL``, else files in the data directory). A retried or repeated delivery sends
the stored message again with the same Message-ID, so a receiver that got it already can drop
the copy: delivery is at least once. Automatic mail (everything but a person's reply) carries
``Auto-Submitted: auto-replied`` and ``X-Auto-Response-Suppress: All`` and is rate-limited per
address (``PLEDGEDESK_MAIL_AUTO_LIMIT`` per hour, loop protection: osTicket#1041); an address
over the limit, or bouncing, is recorded as suppressed, never dropped silently.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from pledgedesk import rowsql
from pledgedesk.accounts.models import Contact, ContactEmail
from pledgedesk.channels import outbound_render as mailtext
from pledgedesk.channels.models import (
    BouncingAddress,
    InboundMessage,
    OutboundMessage,
    OutboundRecipient,
)
from pledgedesk.outbox.registry import EventNotice, PermanentFailure, Planned, handler, planner
from pledgedesk.rowget import RowGet
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Attachment, Message, Ticket, TicketEvent
from pledgedesk.tickets.selectors import organisation_zone
from pledgedesk.versions.policies import policy_for

log = logging.getLogger(__name__)
TOPIC = "mail"
Kind = OutboundMessage.Kind
DEFAULT_AUTO_LIMIT = 10  # automatic mails per address per hour
BOUNCE_HOLD = timedelta(days=7)  # automatic mail waits this long after an address bounced
MAX_REFERENCES = 10
ACCESS_LINK_DAYS = 7
_ACCESS_SALT = "pledgedesk.channels.access-link"
SURVEY_LINK_DAYS = 30
_SURVEY_SALT = "pledgedesk.csat.survey-link"

# The rows every planning and every delivery reads, by statements built once per process
# (issue 20: the ORM compiled each of them again for every mail, ~0.5 ms of CPU apiece).
_EVENT = RowGet(TicketEvent, related=("ticket", "ticket__organisation", "ticket__requester",
                                      "ticket__policy_version"), equal=("id",))
_TICKET = RowGet(Ticket, related=("organisation", "requester", "policy_version"), equal=("id",))
_STORED = RowGet(OutboundMessage, equal=("delivery_key",))


# --- planning: who is told what --------------------------------------------------------------


@dataclass(frozen=True)
class MailPlan:
    """One mail to send for an event: its template, kind and addresses."""

    template: str
    kind: str
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    message: int | None = None  # the tickets.Message a reply carries
    grant: int | None = None  # the FG-10 access request a notice asks about


@planner("mail-out")
def plan(notice: EventNotice, *, now: datetime) -> list[Planned]:
    if notice.kind not in _RULES:
        return []  # most events tell nobody anything by mail: no query for them
    return mail_plan(event_id=notice.event_id, now=now)


def mail_plan(*, event_id: int, now: datetime) -> list[Planned]:
    """The mails ticket event ``event_id`` causes, as outbox rows keyed by event and template
    (planning twice plans the same keys, which the outbox ignores)."""
    try:
        event = _EVENT.get(id=event_id)
    except TicketEvent.DoesNotExist:
        return []
    rule = _RULES.get(event.kind)
    plans = rule(event, event.ticket) if rule is not None else []
    return [Planned(topic=TOPIC, key=f"mail:{p.template}:event:{event.pk}", payload={
        "template": p.template, "kind": p.kind, "ticket": event.ticket_id, "event": event.pk,
        "to": list(p.to), "cc": list(p.cc), "message": p.message, "grant": p.grant,
    }) for p in plans if p.to]


def _on_created(event: TicketEvent, ticket: Ticket) -> list[MailPlan]:
    held = (event.new or {}).get("hold") == Ticket.Hold.AWAITING_AUTHORISATION
    return [MailPlan("held" if held else "acknowledgement", Kind.ACKNOWLEDGEMENT,
                     _addresses(ticket, [ticket.requester]))]


def _on_authorised(event: TicketEvent, ticket: Ticket) -> list[MailPlan]:
    return [MailPlan("acknowledgement", Kind.ACKNOWLEDGEMENT,
                     _addresses(ticket, [ticket.requester]))]


def _on_authorisation_requested(event: TicketEvent, ticket: Ticket) -> list[MailPlan]:
    facts = event.new or {}
    primary = Contact.objects.filter(pk=facts.get("primary_contact")).first()
    return [MailPlan("authorise", Kind.NOTICE, _addresses(ticket, [primary]),
                     grant=facts.get("grant"))]


def _on_rejected(event: TicketEvent, ticket: Ticket) -> list[MailPlan]:
    return [MailPlan("rejected", Kind.STATUS, _addresses(ticket, [ticket.requester]))]


def _on_public_reply(event: TicketEvent, ticket: Ticket) -> list[MailPlan]:
    to = _addresses(ticket, [ticket.requester])
    cc = tuple(a for a in _addresses(ticket, ticket.cc.order_by("pk")) if a not in to)
    return [MailPlan("reply", Kind.REPLY, to or cc[:1], cc if to else cc[1:],
                     message=(event.new or {}).get("message"))]


def _on_status(event: TicketEvent, ticket: Ticket) -> list[MailPlan]:
    status = (event.new or {}).get("status")
    policy = policy_for(ticket.policy_version)
    spec = policy.statuses.get(status)
    template = {"solved": "solved", "pending": "awaiting_reply"}.get(
        spec.category if spec else "")
    if template is None or _with_reply(event):
        return []
    to = _addresses(ticket, [ticket.requester])
    cc = tuple(a for a in _addresses(ticket, ticket.cc.order_by("pk")) if a not in to)
    return [MailPlan(template, Kind.STATUS, to, cc)]


def _on_merged(event: TicketEvent, ticket: Ticket) -> list[MailPlan]:
    """Issue 16: a ticket merged into another: its requester and CCs are told where it
    continues."""
    to = _addresses(ticket, [ticket.requester])
    cc = tuple(a for a in _addresses(ticket, ticket.cc.order_by("pk")) if a not in to)
    return [MailPlan("merged", Kind.STATUS, to, cc)]


def _with_reply(event: TicketEvent) -> bool:
    """The status changed in the same action as a public reply: the reply says it."""
    return TicketEvent.objects.filter(ticket_id=event.ticket_id, at=event.at,
                                      kind=EventKind.PUBLIC_REPLY).exists()


_RULES = {
    EventKind.CREATED: _on_created,
    EventKind.AUTHORISED: _on_authorised,
    EventKind.AUTHORISATION_REQUESTED: _on_authorisation_requested,
    EventKind.AUTHORISATION_REJECTED: _on_rejected,
    EventKind.PUBLIC_REPLY: _on_public_reply,
    EventKind.STATUS_CHANGED: _on_status,
    EventKind.MERGED_INTO: _on_merged,
}


def _addresses(ticket: Ticket, contacts) -> tuple[str, ...]:
    """Each contact's first address, lower-cased, never the desk's own (a contact recorded
    with the support address would mail the desk itself: a loop)."""
    ids = [c.pk for c in contacts if c is not None]
    first: dict[int, str] = {}
    if ids:  # ContactEmail.objects.filter(contact_id__in=ids).order_by("contact_id", "pk")
        sql = rowsql.statement(("addresses", len(ids)), lambda q: (
            f"SELECT {q.col(ContactEmail, 'contact')}, {q.col(ContactEmail, 'address')} "  # noqa: S608
            f"FROM {q.table(ContactEmail)} "
            f"WHERE {q.col(ContactEmail, 'contact')} IN ({rowsql.holes(len(ids))}) "
            f"ORDER BY {q.col(ContactEmail, 'contact')} ASC, {q.col(ContactEmail, 'id')} ASC"))
        for contact_id, address in rowsql.fetch(sql, ids):
            first.setdefault(contact_id, address.strip().lower())
    own = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(),
           support_address(policy_for(ticket.policy_version)).lower()}
    return tuple(dict.fromkeys(first[i] for i in ids if i in first and first[i] not in own))


# --- delivery ----------------------------------------------------------------------------------


@handler(TOPIC, max_attempts=8, backoff_seconds=60, max_backoff_seconds=3600)
def deliver(delivery, *, now: datetime) -> None:
    outbound_send(delivery_id=delivery.id, key=delivery.key, payload=delivery.payload, now=now)


def outbound_send(*, delivery_id: int | None, key: str, payload: dict,
                  now: datetime) -> OutboundMessage:
    """Send the mail outbox row ``key`` asks for, once it is stored; the same stored message
    again on every retry. Raises PermanentFailure when the server refuses it for good (or a
    template is broken); any other exception is a failure worth retrying."""
    message, made = _prepared(delivery_id, key, payload, now)
    if message.state == OutboundMessage.State.FAILED:  # a person retried the delivery
        _mark(message, state=OutboundMessage.State.PENDING)
    if message.state != OutboundMessage.State.PENDING:
        return message  # sent, suppressed or failed before: nothing to do again
    recipients = _screened(message, now, made)
    if not recipients:
        return message
    try:
        _send(message, recipients)
    except Exception as exc:
        return _failed(message, exc, now)
    addresses = [r.address for r in recipients]
    # message.recipients.filter(address__in=addresses).update(state=SENT, sent_at=now)
    sent = rowsql.statement(("recipients_sent", len(addresses)), lambda q: (
        f"UPDATE {q.table(OutboundRecipient)} "  # noqa: S608
        f"SET {q.name(OutboundRecipient, 'state')} = %s, "
        f"{q.name(OutboundRecipient, 'sent_at')} = %s "
        f"WHERE ({q.col(OutboundRecipient, 'address')} IN ({rowsql.holes(len(addresses))}) "
        f"AND {q.col(OutboundRecipient, 'message')} = %s)"))
    with transaction.atomic():
        rowsql.execute(sent, [OutboundRecipient.State.SENT.value,
                              rowsql.saved(OutboundRecipient, "sent_at", now), *addresses,
                              message.pk])
        _mark(message, state=OutboundMessage.State.SENT, sent_at=now, last_error="",
              attempts=message.attempts + 1)
    return message


def _prepared(delivery_id: int | None, key: str, payload: dict,
              now: datetime) -> tuple[OutboundMessage, list[OutboundRecipient] | None]:
    """The stored message for ``key``; rendered and stored on the first attempt. With it, the
    recipients this call stored (all pending), or None when the message was stored before."""
    try:
        return _STORED.get(delivery_key=key), None
    except OutboundMessage.DoesNotExist:
        pass
    try:
        ticket = _TICKET.get(id=payload["ticket"])
    except Ticket.DoesNotExist:  # deleted since: no attempt can send a mail about it
        raise PermanentFailure(f"ticket {payload['ticket']} no longer exists") from None
    try:
        made = _compose(ticket, key, payload, now)
    except mailtext.TemplateProblem as exc:
        raise PermanentFailure(str(exc)) from None
    made.delivery_id = delivery_id
    try:
        with transaction.atomic():
            made.save(force_insert=True)
            recipients = OutboundRecipient.objects.bulk_create([
                OutboundRecipient(message=made, address=address, role=role,
                                  automatic=made.automatic)
                for role, addresses in (("to", payload["to"]), ("cc", payload["cc"]))
                for address in addresses])
    except IntegrityError:  # another worker stored it first: theirs is the message
        return OutboundMessage.objects.get(delivery_key=key), None
    return made, recipients


def _compose(ticket: Ticket, key: str, payload: dict, now: datetime) -> OutboundMessage:
    policy = policy_for(ticket.policy_version)
    context = mailtext.ticket_context(ticket, policy, now=now)
    template, files = payload["template"], []
    if template == "acknowledgement":
        context["promises"] = mailtext.promises(ticket, policy)
        context["authorised"] = _has_event(ticket, EventKind.AUTHORISED)
    elif template == "reply":
        reply = Message.objects.select_related("author_agent").get(pk=payload["message"])
        files = list(Attachment.objects.filter(message=reply).order_by("pk"))
        context.update(mailtext.message_context(reply, files))
        context["status_changed"] = ticket.events.filter(
            kind=EventKind.STATUS_CHANGED, at=reply.created_at).exists()
        if _solved_by(ticket, policy, reply):
            context["survey_url"] = mailtext.absolute(reverse("portal:survey",
                                                              args=[survey_token(ticket)]))
    elif template == "authorise":
        context.update(_access_context(ticket, payload, now))
    elif template == "solved":
        context["survey_url"] = mailtext.absolute(reverse("portal:survey",
                                                          args=[survey_token(ticket)]))
    elif template == "merged" and ticket.merged_into_id:
        target = ticket.merged_into
        context.update(target_number=target.number, target_url=mailtext.absolute(
            reverse("portal:ticket", args=[target.number])))
    rendered = mailtext.render_mail(template, context, policy)
    support = support_address(policy)
    thread = mail_thread(ticket)
    return OutboundMessage(
        ticket=ticket, delivery_key=key, message_id=message_id_for(key, ticket, support),
        in_reply_to=thread[-1] if thread else "", references=" ".join(thread),
        kind=payload["kind"], automatic=payload["kind"] != Kind.REPLY,
        sender=formataddr((policy.spec.policy.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
        reply_to=support, subject=_tagged(rendered.subject, ticket.number)[:255],
        text=rendered.text, html=rendered.html, attachments=[f.pk for f in files],
        created_at=now)


def _has_event(ticket: Ticket, kind: str) -> bool:
    """``ticket.events.filter(kind=kind).exists()``."""
    sql = rowsql.statement(("has_event", 1), lambda q: (
        f"SELECT 1 AS {connection.ops.quote_name('a')} FROM {q.table(TicketEvent)} "  # noqa: S608
        f"WHERE ({q.col(TicketEvent, 'kind')} = %s "
        f"AND {q.col(TicketEvent, 'ticket')} = %s) LIMIT 1"))
    return bool(rowsql.fetch(sql, [str(kind), ticket.pk]))


def support_address(policy) -> str:
    """Where replies go: the policy's email address, else the desk's sender address."""
    email = policy.spec.channels.email
    if email is not None and email.address:
        return email.address
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def message_id_for(key: str, ticket: Ticket, support: str) -> str:
    """``pd.<hash of the delivery key>.<number>@<support domain>`` (stored without the angle
    brackets, as inbound ids are): the same key gives the same id, so a repeated delivery is
    recognisably the same message."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    domain = support.rpartition("@")[2] or "pledgedesk.invalid"
    return f"pd.{digest}.{ticket.number}@{domain}"


def _tagged(subject: str, number: int) -> str:
    return subject if f"[#{number}]" in subject else f"[#{number}] {subject}"


def mail_thread(ticket: Ticket) -> list[str]:
    """The ticket's conversation as Message-IDs, oldest first: every stored inbound message and
    every outbound one that went out (or may yet); the first and the latest few are kept."""
    # One statement for both tables; the instants converted as the ORM converts them.
    sql = rowsql.statement(("thread", 1), lambda q: (
        f"SELECT {q.col(InboundMessage, 'received_at')}, "  # noqa: S608
        f"{q.col(InboundMessage, 'message_id')} "
        f"FROM {q.table(InboundMessage)} WHERE {q.col(InboundMessage, 'ticket')} = %s UNION ALL "
        f"SELECT {q.col(OutboundMessage, 'created_at')}, "
        f"{q.col(OutboundMessage, 'message_id')} "
        f"FROM {q.table(OutboundMessage)} WHERE ({q.col(OutboundMessage, 'ticket')} = %s "
        f"AND NOT ({q.col(OutboundMessage, 'state')} IN (%s, %s)))"))
    rows = rowsql.fetch(sql, [ticket.pk, ticket.pk, OutboundMessage.State.FAILED.value,
                       OutboundMessage.State.SUPPRESSED.value])
    instant = rowsql.converter(InboundMessage, "received_at")
    ids = list(dict.fromkeys(i for _at, i in sorted((instant(at), i) for at, i in rows)))
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1):]
    return ids


def _screened(message: OutboundMessage, now: datetime,
              stored: list[OutboundRecipient] | None = None) -> list[OutboundRecipient]:
    """The recipients to send to now (``stored``: the ones just stored with the message, all
    pending; else read). Automatic mail skips an address that had its hourly share of
    automatic mail or bounced lately; each skipped one is recorded with its reason. With none
    left the message is suppressed."""
    pending = (list(stored) if stored is not None
               else list(message.recipients.filter(state=OutboundRecipient.State.PENDING)))
    if not message.automatic:
        return pending
    limit = int(getattr(settings, "PLEDGEDESK_MAIL_AUTO_LIMIT", DEFAULT_AUTO_LIMIT))
    bouncing = _bouncing([r.address for r in pending], now) if pending else set()
    keep, reasons = [], []
    for row in pending:
        reason = ""
        if row.address in bouncing:
            reason = "the address bounced recently"
        elif _automatic_sent(row.address, now) >= limit:
            reason = f"loop protection: {limit} automatic mails to this address in the last hour"
        if reason:
            OutboundRecipient.objects.filter(pk=row.pk).update(
                state=OutboundRecipient.State.SUPPRESSED, reason=reason)
            reasons.append(f"{row.address}: {reason}")
        else:
            keep.append(row)
    if not keep:
        _mark(message, state=OutboundMessage.State.SUPPRESSED, last_error="; ".join(reasons))
        log.info("outbound mail %s suppressed: %s", message.message_id, "; ".join(reasons))
    return keep


def _bouncing(addresses: list[str], now: datetime) -> set[str]:
    """Which of ``addresses`` bounced within ``BOUNCE_HOLD`` (BouncingAddress.objects.filter(
    address__in=addresses, last_at__gt=now - BOUNCE_HOLD))."""
    sql = rowsql.statement(("bouncing", len(addresses)), lambda q: (
        f"SELECT {q.col(BouncingAddress, 'address')} FROM {q.table(BouncingAddress)} "  # noqa: S608
        f"WHERE ({q.col(BouncingAddress, 'address')} IN ({rowsql.holes(len(addresses))}) "
        f"AND {q.col(BouncingAddress, 'last_at')} > %s)"))
    return {address for (address,) in rowsql.fetch(
        sql, [*addresses, rowsql.prepared(BouncingAddress, "last_at", now - BOUNCE_HOLD)])}


def _automatic_sent(address: str, now: datetime) -> int:
    """Automatic mails sent to ``address`` in the hour before ``now`` (OutboundRecipient.objects
    .filter(address=, automatic=True, sent_at__gt=now - 1 h, sent_at__lte=now).count(), which
    the partial index ``outbound_auto_rate`` answers)."""
    sql = rowsql.statement(("automatic_sent", 1), lambda q: (
        f"SELECT COUNT(*) FROM {q.table(OutboundRecipient)} "  # noqa: S608
        f"WHERE ({q.col(OutboundRecipient, 'address')} = %s "
        f"AND {q.col(OutboundRecipient, 'automatic')} "
        f"AND {q.col(OutboundRecipient, 'sent_at')} > %s "
        f"AND {q.col(OutboundRecipient, 'sent_at')} <= %s)"))
    since = rowsql.prepared(OutboundRecipient, "sent_at", now - timedelta(hours=1))
    until = rowsql.prepared(OutboundRecipient, "sent_at", now)
    return rowsql.fetch(sql, [address, since, until])[0][0]


def _send(message: OutboundMessage, recipients: list[OutboundRecipient]) -> None:
    headers = {"Message-ID": f"<{message.message_id}>", "Reply-To": message.reply_to}
    if message.in_reply_to:
        headers["In-Reply-To"] = f"<{message.in_reply_to}>"
    if message.references:
        headers["References"] = " ".join(f"<{i}>" for i in message.references.split())
    if message.automatic:
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    mail = EmailMultiAlternatives(
        subject=message.subject, body=message.text, from_email=message.sender,
        to=[r.address for r in recipients if r.role == "to"],
        cc=[r.address for r in recipients if r.role == "cc"], headers=headers,
        connection=get_connection(fail_silently=False))
    if message.html:
        mail.attach_alternative(message.html, "text/html")
    files = Attachment.objects.filter(pk__in=message.attachments) if message.attachments else ()
    for row in sorted(files, key=lambda a: a.pk):
        with row.file.open("rb") as handle:
            mail.attach(row.filename, handle.read(), row.content_type or None)
    mail.send(fail_silently=False)


def _failed(message: OutboundMessage, exc: Exception, now: datetime) -> OutboundMessage:
    reason = f"{type(exc).__name__}: {exc}"[:2000]
    if _permanent(exc):
        _mark(message, state=OutboundMessage.State.FAILED, last_error=reason,
              attempts=message.attempts + 1)
        raise PermanentFailure(reason) from exc
    _mark(message, last_error=reason, attempts=message.attempts + 1)
    raise exc


def _permanent(exc: Exception) -> bool:
    """A 5xx answer: the server will refuse the same message again."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def _mark(message: OutboundMessage, **fields) -> None:
    """Set ``fields`` on ``message`` and its row (OutboundMessage.objects.filter(pk=).update())."""
    for name, value in fields.items():
        setattr(message, name, value)
    names = tuple(fields)
    sql = rowsql.statement((f"mark:{','.join(names)}", 1), lambda q: (
        f"UPDATE {q.table(OutboundMessage)} SET "  # noqa: S608
        + ", ".join(f"{q.name(OutboundMessage, name)} = %s" for name in names)
        + f" WHERE {q.col(OutboundMessage, 'id')} = %s"))
    rowsql.execute(sql, [rowsql.saved(OutboundMessage, name, value)
                         for name, value in fields.items()] + [message.pk])


# --- FG-10: the primary contact's link ---------------------------------------------------------


def _access_context(ticket: Ticket, payload: dict, now: datetime) -> dict:
    primary = ticket.organisation.primary_contact
    token = access_link_token(ticket=ticket, grant_id=payload.get("grant"), contact=primary)
    zone = organisation_zone(ticket.organisation) if ticket.organisation else "UTC"
    requester = ticket.requester
    address = (requester.emails.order_by("pk").values_list("address", flat=True).first()
               if requester else "")
    return {"recipient_name": primary.name if primary else "",
            "requester_address": address or "",
            "confirm_url": mailtext.absolute(reverse("portal:access_link",
                                                     args=[ticket.number, token])),
            "link_expires": mailtext.instant(now + timedelta(days=ACCESS_LINK_DAYS), zone)}


def access_link_token(*, ticket: Ticket, grant_id: int | None, contact: Contact | None) -> str:
    """A signed token naming the held ticket, its access request and the one contact who may
    decide it. It works until the request is decided (single use: ``access_link_check``)."""
    return signing.dumps({"t": ticket.pk, "g": grant_id, "c": contact.pk if contact else None},
                         salt=_ACCESS_SALT, compress=True)


def access_link_check(*, token: str, ticket: Ticket, contact: Contact) -> str:
    """Why ``token`` does not let ``contact`` decide ``ticket``'s held request, or ""."""
    try:
        facts = signing.loads(token, salt=_ACCESS_SALT,
                              max_age=timedelta(days=ACCESS_LINK_DAYS))
    except signing.SignatureExpired:
        return "This link has expired; decide the request on your People page."
    except signing.BadSignature:
        return "This link is not valid."
    if facts.get("t") != ticket.pk or facts.get("c") != contact.pk:
        return "This link is for another request or another person."
    if ticket.hold != Ticket.Hold.AWAITING_AUTHORISATION:
        return "This request has already been decided; the link works once."
    return ""


# --- issue 16: the satisfaction survey's link ----------------------------------------------------


def survey_token(ticket: Ticket) -> str:
    """A signed token naming a solved ticket, for the survey link in the "solved" mail. It
    works once: ``csat`` keeps one answer per ticket."""
    return signing.dumps({"s": ticket.pk}, salt=_SURVEY_SALT, compress=True)


def _solved_by(ticket: Ticket, policy, reply: Message) -> bool:
    """Whether ``reply`` came with a change to a solved status (its mail then asks for the
    survey, as the "solved" mail would have)."""
    moves = ticket.events.filter(kind=EventKind.STATUS_CHANGED, at=reply.created_at)
    return any(getattr(policy.statuses.get((new or {}).get("status")), "category", "")
               == "solved" for new in moves.values_list("new", flat=True))


def survey_ticket_id(token: str) -> int | None:
    """The ticket a survey token names, or None when it is forged or expired."""
    try:
        facts = signing.loads(token, salt=_SURVEY_SALT,
                              max_age=timedelta(days=SURVEY_LINK_DAYS))
    except signing.BadSignature:  # SignatureExpired is one
        return None
    value = facts.get("s") if isinstance(facts, dict) else None
    return value if isinstance(value, int) else None
