"""Pulling a mailbox over IMAP (imap-tools): store each message raw, then mark it seen.

A message is flagged \\Seen (or moved) only after ``inbound_store`` has committed its bytes,
so a crash between the two fetches it again next time, where deduplication makes it one
row; never the other way round (lost mail). A lease on the mailbox's cursor row keeps two
fetchers from working the same mailbox at once (FreeScout#5591); a crashed fetcher's lease
runs out by itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags

from pledgedesk.channels import selectors
from pledgedesk.channels.models import MailboxCursor
from pledgedesk.channels.services import Outcome, inbound_process, inbound_store
from pledgedesk.config import ImapConfig

LEASE = timedelta(minutes=5)


class MailboxBusy(Exception):
    """Another fetcher holds this mailbox's lease."""


@dataclass
class FetchResult:
    stored: int = 0
    duplicates: int = 0
    new_rows: list[int] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)


def mailbox_fetch(*, imap: ImapConfig, now: Callable[[], datetime],
                  move_to: str | None = None) -> FetchResult:
    """Fetch every unseen message of ``imap``'s folder, store it, mark it seen (or move it to
    ``move_to``), then process what was newly stored. ``now`` is asked at each step: a long
    fetch stamps each message with its own instant."""
    holder = secrets.token_hex(8)
    _lease(imap.name, holder, now())
    try:
        result = FetchResult()
        with _connect(imap) as box:
            _remember_uidvalidity(imap.name, box)
            for uid in box.uids(AND(seen=False)):
                _take(box, uid, imap.name, now(), move_to, result)
        # Rows an earlier run stored but did not get to process are picked up here too.
        result.outcomes = [inbound_process(message_id=pk, now=now())
                           for pk in selectors.inbound_waiting()]
        return result
    finally:
        MailboxCursor.objects.filter(mailbox=imap.name, holder=holder).update(
            locked_until=None, holder="", last_fetch_at=now())


def _take(box, uid: str, mailbox: str, at: datetime, move_to: str | None,
          result: FetchResult) -> None:
    status, data = box.client.uid("FETCH", uid, "(BODY.PEEK[])")  # the exact bytes, unseen
    raw = next((item[1] for item in data if isinstance(item, tuple)), None)
    if status != "OK" or raw is None:
        return  # expunged meanwhile: nothing to store, nothing to mark
    row, created = inbound_store(raw=raw, mailbox=mailbox, now=at)
    # Committed: only now may the server forget the message is new.
    if move_to:
        box.move(uid, move_to)
    else:
        box.flag(uid, MailMessageFlags.SEEN, True)
    if created:
        result.stored += 1
        result.new_rows.append(row.pk)
    else:
        result.duplicates += 1


def _lease(mailbox: str, holder: str, now: datetime) -> None:
    MailboxCursor.objects.get_or_create(mailbox=mailbox)
    taken = MailboxCursor.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now), mailbox=mailbox,
    ).update(locked_until=now + LEASE, holder=holder)
    if not taken:
        raise MailboxBusy(f"{mailbox} is being fetched by another process")


def _remember_uidvalidity(mailbox: str, box) -> None:
    status = box.folder.status(box.folder.get(), ("UIDVALIDITY",))
    MailboxCursor.objects.filter(mailbox=mailbox).update(uidvalidity=status["UIDVALIDITY"])


def _connect(imap: ImapConfig):
    if imap.ssl:
        box = MailBox(imap.host, imap.port)
    elif imap.starttls:
        box = MailBoxStartTls(imap.host, imap.port)
    else:
        box = MailBoxUnencrypted(imap.host, imap.port)
    return box.login(imap.user, imap.password, initial_folder=imap.folder)
