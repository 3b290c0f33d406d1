"""Inbound mail intake: store the raw message, then turn it into a ticket or a reply.

``inbound_store`` commits the bytes before anything reads them; ``inbound_process`` may be run
any number of times on a stored row and acts once:

- it claims the row with a compare-and-set UPDATE that bumps ``attempts`` (the claim's fencing
  token) and sets a lease; two fetchers, or a retry racing a fetch, cannot both act;
- it calls the same ``ticket_create`` / ``ticket_customer_reply`` the portal and the API call,
  so every policy rule applies to email without a copy, and writes the row's outcome through
  their ``record`` hook, inside the ticket's own transaction, only while its claim still
  holds: the ticket and the outcome commit together or not at all. A processor killed
  between the two cannot exist; one killed mid-intake leaves the row PROCESSING with nothing
  committed, and after the lease any fetch or worker tick takes it over (``inbound_recover``);
- whatever fails is quarantined with its reason, never dropped (PITFALLS "Email").

The doors that take in many messages at once (``mail ingest``, an IMAP fetch) store a batch
in one transaction (``inbound_store_many``), then process it in one more with a savepoint a
message (``inbound_process_many``): on PostgreSQL every commit waits for the disk, and the
message-by-message path committed three or four times a message. A failing message still
rolls back to its own savepoint and is quarantined alone; a passing database error, or a
batch that does not commit, sends its messages through ``inbound_process`` one by one.
A batch is stored already claimed (no claim UPDATE a message), looked up once (its contacts,
its threading headers) and its outcomes written by one UPDATE at its end, where every claim
still holds, else the batch is rolled back and each message processed alone (docs/mail.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, OperationalError, transaction
from django.db.models import Q

from pledgedesk.channels import bounces, routing, selectors, threads
from pledgedesk.channels.models import InboundMessage
from pledgedesk.channels.parsing import (
    ParsedMail,
    content_hash,
    message_id_of,
    parse_mail,
    subject_core,
)
from pledgedesk.errors import DeskError, IntakeRefused
from pledgedesk.rowput import rows_insert
from pledgedesk.tickets.intake import MAX_SUBJECT, NewTicket
from pledgedesk.tickets.models import Message, Ticket
from pledgedesk.tickets.services import (
    Actor,
    in_intake_batch,
    intake_batch,
    ticket_create,
    ticket_customer_reply,
)

log = logging.getLogger(__name__)
CHANNEL = "email"
DEFAULT_MAX_INBOUND_BYTES = 25 * 1024 * 1024
# How long one processor may take over one message before another may take it over.
LEASE = timedelta(minutes=10)
# How long a door that stored a message has to process it before others may.
GRACE = timedelta(minutes=1)
# Messages stored, then processed, in one transaction each (``inbound_process_many``).
BATCH = 50
State = InboundMessage.State
REASON_LENGTH = 2000  # of the reason kept on the row
HOLD_REASONS = {
    Ticket.Hold.AWAITING_AUTHORISATION: "awaiting authorisation: the sender is not authorised "
                                        "personnel; the primary contact is asked to confirm",
    Ticket.Hold.NEEDS_ACCOUNT_LOOKUP: "needs an account look-up",
}


@dataclass(frozen=True)
class Outcome:
    """What became of one message, as ``pledgedesk mail`` prints it."""

    row: int
    outcome: str  # created appended ignored bounce duplicate quarantined refused held
    ticket: int | None
    reason: str


@dataclass(frozen=True)
class _Decision:
    state: str
    reason: str = ""
    ticket: Ticket | None = None
    message: Message | None = None
    sender: str = ""
    subject: str = ""


@dataclass
class _Batch:
    """What ``inbound_process_many`` reads once for its whole batch instead of once a message:
    each row's parsed mail (by row key; parsing is pure), the contacts of every address the
    batch names (by address, found or not), and its threading look-ups (``ThreadIndex``)."""

    mails: dict[int, ParsedMail] = field(default_factory=dict)
    contacts: dict[str, object] = field(default_factory=dict)
    index: threads.ThreadIndex = field(default_factory=threads.ThreadIndex)
    # The ticket a message's savepoint wrote, for the index once that savepoint holds.
    pending: tuple[str, tuple, Ticket] | None = None
    # The outcome a message's savepoint decided (its ``_finish``), moved to ``finished``
    # once that savepoint holds: written for the whole batch by ``_finish_all``.
    finishing: tuple[int, int, _Decision, datetime] | None = None
    finished: list[tuple[int, int, _Decision, datetime]] = field(default_factory=list)


_batch: ContextVar[_Batch | None] = ContextVar("pledgedesk_intake_batch", default=None)


class _ClaimLost(Exception):
    """Another processor took the row over (our lease ran out): our work is rolled back."""


class _Again(Exception):
    """In a batch: this message met a passing database error (a deadlock, a lock timeout);
    its savepoint is rolled back and it is processed again on its own after the batch."""


def inbound_store(*, raw: bytes, mailbox: str, now: datetime,
                  recipient: str = "") -> tuple[InboundMessage, bool]:
    """Keep ``raw`` as it arrived; ``(row, False)`` when these bytes with this Message-ID are
    already stored (through another mailbox or fetcher). ``recipient``: the envelope
    recipient when the door knows it (``mail ingest --to``)."""
    with transaction.atomic(durable=True):
        return _store(raw=raw, mailbox=mailbox, now=now, recipient=recipient)


def _store(*, raw: bytes, mailbox: str, now: datetime, recipient: str,
           claim: bool = False) -> tuple[InboundMessage, bool]:
    message_id, digest = _message_id_or_content(raw), content_hash(raw)
    try:  # new mail is the common case: one INSERT, the unique constraint says "seen"
        with transaction.atomic():
            row = _new_row(raw=raw, message_id=message_id, digest=digest, mailbox=mailbox,
                           now=now, recipient=recipient, claim=claim)
            return rows_insert([row])[0], True
    except IntegrityError:
        return InboundMessage.objects.get(message_id=message_id, sha256=digest), False


def _message_id_or_content(raw: bytes) -> str:
    try:
        return message_id_of(raw)
    except Exception:  # a header the parser cannot read: still kept, under a content id
        return f"{content_hash(raw)[:40]}@pledgedesk.invalid"


def _new_row(*, raw: bytes, message_id: str, digest: str, mailbox: str, now: datetime,
             recipient: str, claim: bool) -> InboundMessage:
    row = InboundMessage(message_id=message_id, sha256=digest, raw=raw, mailbox=mailbox[:255],
                         received_at=now, recipient=recipient.strip().lower()[:254])
    if claim:  # ours, token 1, as ``_claim`` would make it (see ``inbound_store_many``)
        row.state, row.attempts, row.lease_until = State.PROCESSING, 1, now + GRACE
    return row


def inbound_store_many(*, messages: Sequence[tuple[bytes, str]], now: Callable[[], datetime],
                       recipient: str = "", claim: bool = False,
                       ) -> list[tuple[InboundMessage, bool]]:
    """``inbound_store`` for each ``(raw, mailbox)`` of ``messages``, in one transaction:
    committed, all of them, before any is parsed. One SELECT finds the ones already stored
    and one INSERT stores the rest (a repeat within ``messages`` is a duplicate of its first
    copy); should another door store one of them meanwhile, the batch is stored again a
    message at a time, as ``inbound_store`` does. ``now()`` stamps each row.

    ``claim``: the new rows are stored already claimed for the caller, PROCESSING with
    ``attempts`` 1 and a lease of ``GRACE`` (the time any door that stores a message has to
    process it before others may): pass their keys to ``inbound_process_many`` as
    ``claimed``, which saves each its claim UPDATE. A door killed before processing
    them leaves them to ``inbound_recover`` once the lease runs out, as a RECEIVED row is."""
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                return _store_batch(messages, now, recipient, claim)
        except IntegrityError:  # stored meanwhile by another door: one by one, as alone
            return [_store(raw=raw, mailbox=mailbox, now=now(), recipient=recipient,
                           claim=claim) for raw, mailbox in messages]


def _store_batch(messages: Sequence[tuple[bytes, str]], now: Callable[[], datetime],
                 recipient: str, claim: bool) -> list[tuple[InboundMessage, bool]]:
    keyed = [(_message_id_or_content(raw), content_hash(raw), raw, mailbox)
             for raw, mailbox in messages]
    stored = {(row.message_id, row.sha256): row
              for row in selectors.inbound_by_message_ids({key[0] for key in keyed})}
    fresh: dict[tuple[str, str], InboundMessage] = {}
    out = []
    for message_id, digest, raw, mailbox in keyed:
        row = stored.get((message_id, digest)) or fresh.get((message_id, digest))
        if row is None:
            row = fresh[message_id, digest] = _new_row(
                raw=raw, message_id=message_id, digest=digest, mailbox=mailbox, now=now(),
                recipient=recipient, claim=claim)
            out.append((row, True))
        else:
            out.append((row, False))
    rows_insert(list(fresh.values()))
    return out


def inbound_process_many(*, rows: Sequence[InboundMessage], now: Callable[[], datetime],
                         claimed: Collection[int] = ()) -> list[Outcome]:
    """``inbound_process`` for each of ``rows`` (stored and committed), in one transaction
    with a savepoint a message: a batch commits once, not two or three times a message.
    Every message keeps its own outcome: one that fails is quarantined alone (its savepoint
    rolled back, the others kept), exactly as on its own. One that meets a passing database
    error (a deadlock with another processor, a lock timeout), or a batch whose commit fails,
    is processed again on its own afterwards, from the row as stored.
    ``claimed``: the keys of the rows this caller's ``inbound_store_many(claim=True)`` just
    stored (``created``): they are the caller's already, with the token stored on them, and
    are not claimed again. Any other row is claimed as usual."""
    tokens = {row.pk: row.attempts for row in rows if row.pk in claimed}
    outcomes: dict[int, Outcome] = {}
    again: list[int] = []
    batch = _Batch()
    entered = _batch.set(batch)
    try:
        with intake_batch():
            _prepare(batch, rows)
            for row in rows:
                try:
                    with transaction.atomic():
                        outcomes[row.pk] = inbound_process(message_id=row.pk, now=now(),
                                                           row=row, token=tokens.get(row.pk))
                except (_Again, DatabaseError):
                    again.append(row.pk)
                else:
                    _kept(batch, outcomes[row.pk])
                finally:
                    batch.pending = batch.finishing = None
            _finish_all(batch.finished)
    except (DatabaseError, _ClaimLost):  # the batch did not commit: nothing of it happened
        log.warning("a batch of %s inbound messages did not commit; each is processed alone",
                    len(rows), exc_info=True)
        outcomes, again = {}, [row.pk for row in rows]
    finally:
        _batch.reset(entered)
    for pk in again:
        outcomes[pk] = inbound_process(message_id=pk, now=now(), token=tokens.get(pk))
    return [outcomes[row.pk] for row in rows]


def _kept(batch: _Batch, outcome: Outcome) -> None:
    """A message's savepoint holds: its outcome is written with the batch's, and a later
    reply of the batch may thread on the ticket it wrote (unless that ticket was rolled back
    and the message quarantined after all)."""
    if batch.finishing is not None:
        batch.finished.append(batch.finishing)
    if batch.pending is not None and batch.pending[2].number == outcome.ticket:
        batch.index.add(*batch.pending)


def _prepare(batch: _Batch, rows: Sequence[InboundMessage]) -> None:
    """Parse the batch's rows, then look up, in one query each, the contacts of every address
    they name and the tickets every In-Reply-To and References names. A row that does not
    parse is left to ``_intake``, which quarantines it with the reason."""
    limit = _max_bytes()
    for row in rows:
        if len(row.raw) <= limit:
            batch.mails[row.pk] = _parsed_or_none(row)
    batch.mails = {pk: mail for pk, mail in batch.mails.items() if mail is not None}
    mails = batch.mails.values()
    _contacts([a for mail in mails for a in (mail.sender, *mail.to, *mail.cc)])
    batch.index = threads.index_for(mails)


def _parsed_or_none(row: InboundMessage) -> ParsedMail | None:
    try:
        return parse_mail(bytes(row.raw))
    except Exception:  # ``_intake`` parses it again, and quarantines it with the reason
        return None


def inbound_process(*, message_id: int, now: datetime, row: InboundMessage | None = None,
                    token: int | None = None) -> Outcome:
    """Intake for stored row ``message_id``: once. A row already processed (or being processed
    by someone else within their lease) is returned as it stands. ``row``: that row as the
    caller read or stored it, which saves reading it again (the claim compares its state
    and attempts with the database's, so a stale copy only loses the claim). ``token``: the
    claim the caller holds already (``inbound_store_many(claim=True)``); the outcome is still
    written only while it holds."""
    if row is None or row.pk != message_id:
        row = InboundMessage.objects.filter(pk=message_id).first()
    if token is None and row is not None:
        token = _claim(row, now)
    if token is not None:
        written: list[_Decision] = []  # what a ticket's transaction wrote, once it committed
        try:
            decision = _decide(row, token, now, written)
            if decision is not None:
                _finish(message_id, token, decision, now)
            elif written:  # written with its ticket, in the same transaction
                decision = written[-1]
            if decision is not None:  # as written, and ours: no need to read it back
                return Outcome(row=message_id, outcome=decision.state,
                               ticket=decision.ticket.number if decision.ticket else None,
                               reason=decision.reason[:REASON_LENGTH])
        except _ClaimLost:
            log.warning("inbound message %s was taken over by another processor", message_id)
    return _outcome(InboundMessage.objects.select_related("ticket").defer("raw")
                    .get(pk=message_id))


def inbound_recover(*, now: datetime) -> list[Outcome]:
    """Process every stored row nobody is working on: ones stored over a minute ago and never
    processed (the door that stored them died first; a younger one is left to its own door,
    which prints its outcome), and ones a crashed processor left PROCESSING past its lease
    (whose ticket, if any, was never committed: see above)."""
    waiting = selectors.inbound_waiting(now, stored_before=now - GRACE)
    return [inbound_process(message_id=pk, now=now) for pk in waiting]


def inbound_retry(*, message_id: int, now: datetime) -> Outcome:
    """A person's retry of a quarantined or held message (after a fix, or once the unknown
    sender is a contact). A held message that already has its ticket is left as it is."""
    InboundMessage.objects.filter(
        Q(state=State.QUARANTINED) | Q(state=State.HELD, ticket__isnull=True), pk=message_id,
    ).update(state=State.RECEIVED, lease_until=None)
    return inbound_process(message_id=message_id, now=now)


# --- claiming and finishing ------------------------------------------------------------------


def _claim(row: InboundMessage, now: datetime) -> int | None:
    """Compare-and-set: the row moves to PROCESSING with ``attempts + 1`` (our token) only if
    nobody changed it since we read it. None when it is not ours to process."""
    stale = row.state == State.PROCESSING and (row.lease_until is None
                                               or row.lease_until <= now)
    if row.state != State.RECEIVED and not stale:
        return None
    token = row.attempts + 1
    taken = InboundMessage.objects.filter(
        pk=row.pk, state=row.state, attempts=row.attempts,
    ).update(state=State.PROCESSING, attempts=token, lease_until=now + LEASE)
    return token if taken else None


def _finish(pk: int, token: int, decision: _Decision, now: datetime) -> None:
    """Write the outcome, if our claim still holds; raises _ClaimLost when it does not (inside
    a ticket's transaction, that rolls the ticket back). In a batch the outcome is written at
    its end, with every other (``_finish_all``): the latest one a message decides is kept."""
    batch = _batch.get()
    if batch is not None:
        batch.finishing = (pk, token, decision, now)
        return
    done = InboundMessage.objects.filter(pk=pk, state=State.PROCESSING, attempts=token).update(
        state=decision.state, reason=decision.reason[:REASON_LENGTH], ticket=decision.ticket,
        ticket_message=decision.message, sender=decision.sender[:254],
        subject=decision.subject[:255], processed_at=now, lease_until=None)
    if not done:
        raise _ClaimLost(pk)


def _finish_all(finished: list[tuple[int, int, _Decision, datetime]]) -> None:
    """The outcomes of a batch, in one UPDATE (a few on SQLite, whose statements take fewer
    values) for each claim token (usually one: 1, claimed as stored), where every claim
    still holds; raises _ClaimLost when one does not (another processor took a row over): the
    whole batch is rolled back then, and each message processed alone."""
    by_token: dict[int, list[InboundMessage]] = {}
    for pk, token, decision, now in finished:
        by_token.setdefault(token, []).append(InboundMessage(
            pk=pk, state=decision.state, reason=decision.reason[:REASON_LENGTH],
            ticket=decision.ticket, ticket_message=decision.message,
            sender=decision.sender[:254], subject=decision.subject[:255], processed_at=now,
            lease_until=None))
    for token, rows in by_token.items():
        done = InboundMessage.objects.filter(state=State.PROCESSING, attempts=token).bulk_update(
            rows, _OUTCOME_FIELDS)
        if done != len(rows):
            raise _ClaimLost(token)


_OUTCOME_FIELDS = ("state", "reason", "ticket", "ticket_message", "sender", "subject",
                   "processed_at", "lease_until")


# --- deciding ---------------------------------------------------------------------------------


def _decide(row: InboundMessage, token: int, now: datetime,
            written: list[_Decision]) -> _Decision | None:
    """The outcome to write, or None when it was already written with the ticket (and put in
    ``written``)."""
    try:
        return _intake(row, token, now, written)
    except _ClaimLost:
        raise
    except OperationalError as exc:
        if in_intake_batch():  # a passing database error is retried, not quarantined
            raise _Again(row.pk) from exc
        log.exception("inbound message %s failed", row.pk)
        return _Decision(State.QUARANTINED, f"{type(exc).__name__}: {exc}", **_who(row))
    except IntakeRefused as exc:  # RL-7: the service kept the refused request (TicketRefusal)
        return _Decision(State.REFUSED, f"{exc.code}: {exc.message}", **_who(row))
    except DeskError as exc:
        return _Decision(State.QUARANTINED, f"{exc.code}: {exc.message}", **_who(row))
    except Exception as exc:  # a bug must not lose the message: it waits for the fix
        log.exception("inbound message %s failed", row.pk)
        return _Decision(State.QUARANTINED, f"{type(exc).__name__}: {exc}", **_who(row))


def _intake(row: InboundMessage, token: int, now: datetime,
            written: list[_Decision]) -> _Decision | None:
    limit = _max_bytes()
    if len(row.raw) > limit:
        return _Decision(State.QUARANTINED, f"message is {len(row.raw)} bytes; the limit is "
                                            f"{limit} (PLEDGEDESK_MAX_INBOUND_BYTES)")
    batch = _batch.get()
    mail = batch.mails.get(row.pk) if batch is not None else None
    if mail is None:
        try:
            mail = parse_mail(bytes(row.raw))
        except ValueError as exc:
            return _Decision(State.QUARANTINED, f"unreadable message: {exc}")
    row.sender, row.subject = mail.sender, mail.subject
    who = _who(row)
    if mail.bounce:  # recorded on the outbound mail it is about, and so on its ticket
        ticket, reason = bounces.bounce_record(raw=bytes(row.raw), inbound=row, now=now)
        return _Decision(State.BOUNCE, reason, ticket=ticket, **who)
    if mail.automatic:
        return _Decision(State.IGNORED, mail.automatic, **who)
    route = routing.route(mail, recipient=row.recipient, now=now)
    # The sender and everyone in To and Cc, in one look-up (RK-2 reads who is copied).
    people = _contacts((mail.sender, *mail.to, *mail.cc))
    contact = people.get(_address_key(mail.sender))
    if contact is None:
        return _Decision(State.HELD, f"unknown sender: {mail.sender}{route.note()}", **who)
    note = route.note_for(contact.organisation)
    ticket = threads.thread_for(mail, contact, batch.index if batch is not None else None)
    if ticket is not None:
        ticket_customer_reply(
            ticket=ticket, actor=Actor(channel=CHANNEL, contact=contact),
            body=mail.display_text, files=_files(mail), now=now,
            record=_recorder(row, token, _Decision(State.APPENDED, note, **who), now,
                             written))
        return None
    ticket_create(new=_new_ticket(mail, contact, people), files=_files(mail), now=now,
                  record=_recorder(row, token, _Decision(State.CREATED, note, **who), now,
                                   written))
    return None


def _max_bytes() -> int:
    return int(getattr(settings, "PLEDGEDESK_MAX_INBOUND_BYTES", DEFAULT_MAX_INBOUND_BYTES))


def _recorder(row: InboundMessage, token: int, decision: _Decision, now: datetime,
              written: list[_Decision]):
    pk = row.pk

    def record(ticket: Ticket, message: Message | None) -> None:
        held = HOLD_REASONS.get(ticket.hold) if decision.state == State.CREATED else None
        outcome = replace(decision, ticket=ticket, message=message)
        if held:
            outcome = replace(outcome, state=State.HELD,
                              reason="; ".join(r for r in (held, decision.reason) if r))
        _finish(pk, token, outcome, now)
        written.append(outcome)
        batch = _batch.get()
        if batch is not None:
            batch.pending = (row.message_id, (row.received_at, pk), ticket)
    return record


def _contacts(addresses) -> dict:
    """``selectors.contacts_by_address``; within a batch, an address an earlier message of
    the batch looked up (found or not: the support address in To is never a contact) is not
    looked up again. A batch is one transaction of a second or so: a contact added or banned
    meanwhile is as if it was a moment after the batch was read, and the next batch sees it."""
    batch = _batch.get()
    if batch is None:
        return selectors.contacts_by_address(addresses)
    known = batch.contacts
    keys = {_address_key(a) for a in addresses if a}
    missing = keys - known.keys()
    if missing:
        found = selectors.contacts_by_address(missing)
        known.update({key: found.get(key) for key in missing})
    return {key: known[key] for key in keys if known[key] is not None}


def _who(row: InboundMessage) -> dict[str, str]:
    return {"sender": row.sender, "subject": row.subject}


def _address_key(address: str) -> str:
    return address.strip().lower()


def _new_ticket(mail: ParsedMail, contact, people: dict) -> NewTicket:
    """``people``: the contacts of the message's addresses (``contacts_by_address``); those of
    the requester's organisation in To and Cc are copied, in a stable order."""
    org = contact.organisation
    found = (people.get(_address_key(a)) for a in (*mail.to, *mail.cc) if a)
    copied = sorted({c.pk: c for c in found if c is not None and c.organisation_id == org.pk
                     and c.pk != contact.pk}.values(), key=lambda c: c.pk)
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


def _outcome(row: InboundMessage) -> Outcome:
    number = row.ticket.number if row.ticket_id else None
    return Outcome(row=row.pk, outcome=row.state, ticket=number, reason=row.reason)
