"""``pledgedesk mail ingest`` and ``pledgedesk mail fetch``: doors that store, then process.

Each message's outcome is printed as one JSON object per line:
``{"source": ..., "outcome": ..., "ticket": NUMBER or null, "reason": "..."}``. The command
succeeds when every message was stored, whatever its outcome: a quarantined message is kept
and listed in the admin, not a failure of the delivery.
"""

from __future__ import annotations

import imaplib
import json
import sys
from pathlib import Path

from imap_tools.errors import MailboxLoginError

from pledgedesk import clock
from pledgedesk import config as pd_config
from pledgedesk.channels.fetch import MailboxBusy, mailbox_fetch
from pledgedesk.channels.models import InboundMessage
from pledgedesk.channels.selectors import inbound_quarantined_count
from pledgedesk.channels.services import Outcome, inbound_process, inbound_store


class MailCommandError(Exception):
    """One line for the person running the command."""


def ingest(sources: list[str]) -> int:
    for source in sources:
        raw = _read(source)
        row, created = inbound_store(raw=raw, mailbox="pipe" if source == "-" else f"file:{source}",
                                     now=clock.current())
        if created:
            outcome = inbound_process(message_id=row.pk, now=clock.current())
        else:
            outcome = _duplicate(row)
        _print(source, outcome)
    _report_quarantine()
    return 0


def fetch(*, move_to: str | None) -> int:
    imap = pd_config.imap()
    if imap is None:
        raise MailCommandError("PLEDGEDESK_IMAP_URL: not set; e.g. imap://desk:secret@mail:143/INBOX")
    try:
        result = mailbox_fetch(imap=imap, now=clock.current, move_to=move_to)
    except MailboxBusy as busy:
        print(f"pledgedesk: {busy}; nothing fetched", file=sys.stderr)
        return 0
    except (OSError, imaplib.IMAP4.error, MailboxLoginError) as exc:
        raise MailCommandError(f"PLEDGEDESK_IMAP_URL: cannot fetch from {imap.name}: {exc}") \
            from None
    for outcome in result.outcomes:
        _print(imap.name, outcome)
    print(f"fetched {result.stored} new, {result.duplicates} already stored", file=sys.stderr)
    _report_quarantine()
    return 0


def _report_quarantine() -> None:
    waiting = inbound_quarantined_count()
    if waiting:
        print(f"{waiting} inbound message{'s' if waiting > 1 else ''} waiting in quarantine "
              "(admin: Channels > Inbound messages, filter by state)", file=sys.stderr)


def _read(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise MailCommandError(f"{source}: cannot read: {exc.strerror}") from None


def _duplicate(row: InboundMessage) -> Outcome:
    number = row.ticket.number if row.ticket_id else None
    return Outcome(row=row.pk, outcome="duplicate", ticket=number,
                   reason=f"already stored ({row.state})")


def _print(source: str, outcome: Outcome) -> None:
    print(json.dumps({"source": source, "outcome": outcome.outcome, "ticket": outcome.ticket,
                      "reason": outcome.reason}), flush=True)
