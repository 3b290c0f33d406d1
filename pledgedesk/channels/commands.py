"""``pledgedesk mail ingest`` and ``pledgedesk mail fetch``: doors that store, then process.

Messages are taken in batches of ``services.BATCH``: a batch is stored (committed) before any
of it is read, then processed in one transaction with a savepoint a message
(``inbound_process_many``). Each message's outcome is printed as one JSON object per line once
its batch committed:
``{"source": ..., "outcome": ..., "ticket": NUMBER or null, "reason": "..."}``, the outcome one
of created, appended, ignored, bounce, duplicate, quarantined, refused, held. The command
succeeds (status 0) when every message was stored, whatever its outcome: a quarantined or
held message is kept and listed on the console's Mail in page, not a failure of the delivery.
"""

from __future__ import annotations

import imaplib
import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from imap_tools.errors import MailboxLoginError

from pledgedesk import clock
from pledgedesk import config as pd_config
from pledgedesk.channels.fetch import MailboxBusy, elapsing, mailbox_fetch
from pledgedesk.channels.models import InboundMessage
from pledgedesk.channels.routing import one_run, support_addresses
from pledgedesk.channels.selectors import inbound_waiting_for_a_person
from pledgedesk.channels.services import (
    BATCH,
    Outcome,
    inbound_process_many,
    inbound_store_many,
)


class MailCommandError(Exception):
    """One line for the person running the command."""


def ingest(sources: list[str], *, recipient: str | None = None) -> int:
    """Store and process each of ``sources`` (a file, or ``-`` for standard input). Every
    source is read (and ``recipient`` checked) before anything is stored."""
    recipient = _checked_recipient(recipient) if recipient is not None else ""
    messages = [(source, _read(source)) for source in sources]
    with one_run():
        for start in range(0, len(messages), BATCH):
            batch = messages[start:start + BATCH]
            # Stored and committed, the whole batch, before any of it is parsed.
            stored = inbound_store_many(
                messages=[(raw, _mailbox(source)) for source, raw in batch],
                now=clock.current, recipient=recipient, claim=True)
            # Those stored now are ours already (claimed as stored); a duplicate is a no-op
            # once processed, and a copy stored by a door that died first is processed.
            outcomes = inbound_process_many(
                rows=[row for row, _ in stored], now=clock.current,
                claimed={row.pk for row, created in stored if created})
            for (source, _raw), (row, created), outcome in zip(batch, stored, outcomes,
                                                              strict=True):
                _print(source, outcome if created else _duplicate(row.pk))
    _report_waiting()
    return 0


def _mailbox(source: str) -> str:
    return "pipe" if source == "-" else f"file:{source}"


def fetch(*, move_to: str | None) -> int:
    mailboxes = pd_config.imap_all()
    if not mailboxes:
        raise MailCommandError("PLEDGEDESK_IMAP_URL: not set; e.g. imap://desk:secret@mail:143/INBOX")
    failed = False
    for imap in mailboxes:
        try:
            result = mailbox_fetch(imap=imap, now=elapsing(clock.current()), move_to=move_to,
                                   report=lambda outcome, name=imap.name: _print(name, outcome))
        except MailboxBusy as busy:
            print(f"pledgedesk: {busy}; nothing fetched", file=sys.stderr)
            continue
        except (OSError, imaplib.IMAP4.error, MailboxLoginError) as exc:
            print(f"pledgedesk: PLEDGEDESK_IMAP_URL: cannot fetch from {imap.name}: {exc}",
                  file=sys.stderr)
            failed = True
            continue
        print(f"{imap.name}: fetched {result.stored} new, {result.duplicates} already stored",
              file=sys.stderr)
    _report_waiting()
    return 2 if failed else 0


def _checked_recipient(recipient: str) -> str:
    """``--to``: one address, and one a policy's email channel names."""
    address = recipient.strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise MailCommandError(f"--to: {recipient!r} is not an email address") from None
    known = support_addresses(now=clock.current())
    if address not in known:
        listed = ", ".join(sorted(known)) or "none: no policy in use names one"
        raise MailCommandError(f"--to: {address} is not the address of any policy's email "
                               f"channel (addresses: {listed})")
    return address


def _report_waiting() -> None:
    waiting = inbound_waiting_for_a_person()
    if waiting:
        print(f"{waiting} inbound message{'s' if waiting > 1 else ''} waiting for a person, "
              "quarantined or held (console: Mail in, /console/mail/in/)",
              file=sys.stderr)


def _read(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise MailCommandError(f"{source}: cannot read: {exc.strerror}") from None


def _duplicate(pk: int) -> Outcome:
    row = InboundMessage.objects.select_related("ticket").get(pk=pk)
    number = row.ticket.number if row.ticket_id else None
    return Outcome(row=row.pk, outcome="duplicate", ticket=number,
                   reason=f"already stored ({row.state})")


def _print(source: str, outcome: Outcome) -> None:
    print(json.dumps({"source": source, "outcome": outcome.outcome, "ticket": outcome.ticket,
                      "reason": outcome.reason}), flush=True)
