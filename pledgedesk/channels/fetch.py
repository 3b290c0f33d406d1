"""Pulling a mailbox over IMAP (imap-tools): store each message raw, then mark it, then act.

Per mailbox, ``MailboxCursor`` remembers the folder's UIDVALIDITY and the highest UID stored
under it, so a fetch asks only for newer UIDs. A new UIDVALIDITY (the folder was recreated or
restored) starts again from the first message: Message-ID plus content hash keep every
message one row (the id never comes from a UID). The first contact with a mailbox takes the
messages not flagged \\Seen, so a mailbox already in use is not imported wholesale.

Each batch is stored first (one commit for the batch), then flagged \\Seen or moved, then the
cursor moves past it, then its rows are processed (one transaction, a savepoint a message): a
crash anywhere fetches at most a batch again, where deduplication makes it one row, and never
marks a message it did not store.
A lease on the cursor row keeps two fetchers off one mailbox (FreeScout#5591); a crashed
fetcher's lease runs out by itself, and so does its claim on a message it was processing
(``services.inbound_recover``).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags, U

from pledgedesk.channels.models import InboundMessage, MailboxCursor
from pledgedesk.channels.routing import one_run
from pledgedesk.channels.services import (
    Outcome,
    inbound_process_many,
    inbound_recover,
    inbound_store_many,
)
from pledgedesk.config import ImapConfig

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
BATCH = 50
_UID = re.compile(rb"\bUID (\d+)")


class MailboxBusy(Exception):
    """Another fetcher holds this mailbox's lease."""


@dataclass
class FetchResult:
    stored: int = 0
    duplicates: int = 0
    outcomes: list[Outcome] = field(default_factory=list)


def elapsing(start: datetime) -> Callable[[], datetime]:
    """``start`` moved on by the time elapsed since (monotonic): a worker tick reads the clock
    once, yet a long fetch renews its leases and stamps each message with its own instant."""
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


def mailbox_fetch(*, imap: ImapConfig, now: Callable[[], datetime], move_to: str | None = None,
                  report: Callable[[Outcome], None] | None = None,
                  batch: int = BATCH) -> FetchResult:
    """Process whatever earlier runs stored and did not finish, then fetch ``imap``'s new
    messages, store each, mark it seen (or move it to ``move_to``, by default the mailbox's
    ``?move_to=``), then process it.
    ``report`` is told each outcome as it happens."""
    holder = secrets.token_hex(8)
    move_to = move_to or imap.move_to
    cursor = _lease(imap.name, holder, now())
    result = FetchResult()

    def tell(outcome: Outcome) -> None:
        result.outcomes.append(outcome)
        if report is not None:
            report(outcome)

    error = ""
    try:
        # What an earlier run stored and did not finish goes first: a reply then still finds
        # the ticket its parent opens.
        with one_run():
            for outcome in inbound_recover(now=now()):
                tell(outcome)
            with _connect(imap) as box:
                for chunk in _new_uids(box, cursor, batch):
                    new_rows, claimed = _take(box, chunk, imap.name, now, move_to, result)
                    _advance(imap.name, holder, max(chunk), now())
                    for outcome in inbound_process_many(rows=new_rows, now=now,
                                                        claimed=claimed):
                        tell(outcome)
        return result
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        MailboxCursor.objects.filter(mailbox=imap.name, holder=holder).update(
            locked_until=None, holder="", last_fetch_at=now(), last_error=error)


def _new_uids(box, cursor: MailboxCursor, batch: int) -> Iterator[list[int]]:
    validity = int(box.folder.status(box.folder.get(), ("UIDVALIDITY",))["UIDVALIDITY"])
    after = cursor.last_uid
    if cursor.uidvalidity != validity:
        # First contact: what nobody has read yet. A new UIDVALIDITY: everything, again.
        criteria = AND(seen=False) if cursor.uidvalidity is None else AND(all=True)
        after = 0
        MailboxCursor.objects.filter(pk=cursor.pk).update(uidvalidity=validity, last_uid=0)
    else:
        criteria = AND(uid=U(after + 1, "*"))
    # "n:*" names the last message even when its UID is below n: filtered here.
    uids = sorted(u for u in map(int, box.uids(criteria)) if u > after)
    for start in range(0, len(uids), batch):
        yield uids[start:start + batch]


def _take(box, uids: list[int], mailbox: str, now: Callable[[], datetime],
          move_to: str | None, result: FetchResult,
          ) -> tuple[list[InboundMessage], set[int]]:
    """Store ``uids``' exact bytes (BODY.PEEK: the server does not mark them read), then
    mark or move the stored ones. Returns the rows to process: new (stored claimed for this
    fetch: their keys are the set returned), or stored by an earlier run that died before
    processing them."""
    new_rows, stored_uids, claimed = [], [], set()
    fetched = list(_bodies(box, uids))
    stored = inbound_store_many(messages=[(raw, mailbox) for _uid, raw in fetched], now=now,
                                claim=True)
    for (uid, _raw), (row, created) in zip(fetched, stored, strict=True):
        stored_uids.append(str(uid))
        if created:
            result.stored += 1
            claimed.add(row.pk)
        else:
            result.duplicates += 1
        if created or _unfinished(row, now()):  # stored before, never processed
            new_rows.append(row)
    # Committed: only now may the server forget these messages are new.
    if stored_uids and move_to:
        box.move(stored_uids, move_to)
    elif stored_uids:
        box.flag(stored_uids, MailMessageFlags.SEEN, True)
    return new_rows, claimed


def _unfinished(row: InboundMessage, now: datetime) -> bool:
    """Stored by an earlier run that died before processing it: never claimed, or claimed
    as stored (``inbound_store_many(claim=True)``) and its lease ran out."""
    return row.state == row.State.RECEIVED or (
        row.state == row.State.PROCESSING and row.lease_until is not None
        and row.lease_until <= now)


def _bodies(box, uids: list[int]) -> Iterator[tuple[int, bytes]]:
    """One UID FETCH for the batch; a message expunged meanwhile is simply absent."""
    status, data = box.client.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])")
    if status != "OK":
        return
    for index, item in enumerate(data):
        if not isinstance(item, tuple):
            continue
        found = _UID.search(item[0])
        if found is None and index + 1 < len(data) and isinstance(data[index + 1], bytes):
            found = _UID.search(data[index + 1])  # servers may send UID after the body
        if found is not None:
            yield int(found.group(1)), item[1]


def _lease(mailbox: str, holder: str, now: datetime) -> MailboxCursor:
    MailboxCursor.objects.get_or_create(mailbox=mailbox)
    taken = MailboxCursor.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now), mailbox=mailbox,
    ).update(locked_until=now + LEASE, holder=holder)
    if not taken:
        raise MailboxBusy(f"{mailbox} is being fetched by another process")
    return MailboxCursor.objects.get(mailbox=mailbox)


def _advance(mailbox: str, holder: str, uid: int, now: datetime) -> None:
    """Past ``uid``, and the lease renewed; a fetcher that lost its lease stops here."""
    moved = MailboxCursor.objects.filter(mailbox=mailbox, holder=holder).update(
        last_uid=uid, locked_until=now + LEASE)
    if not moved:
        raise MailboxBusy(f"{mailbox}: the lease ran out and another fetcher took over")


def _connect(imap: ImapConfig):
    if imap.ssl:
        box = MailBox(imap.host, imap.port)
    elif imap.starttls:
        box = MailBoxStartTls(imap.host, imap.port)
    else:
        box = MailBoxUnencrypted(imap.host, imap.port)
    return box.login(imap.user, imap.password, initial_folder=imap.folder)


def mail_poll(*, mailboxes: tuple[ImapConfig, ...], now: datetime) -> list[Outcome]:
    """The worker's tick: fetch each mailbox in turn (one that is busy with another worker,
    or fails, does not stop the others; its failure is kept on its cursor), then take over
    any stored message nobody finished, from any door (the MTA pipe included)."""
    at = elapsing(now)
    outcomes: list[Outcome] = []
    for imap in mailboxes:
        try:
            outcomes += mailbox_fetch(imap=imap, now=at).outcomes
        except MailboxBusy:
            continue
        except Exception:
            log.exception("mail fetch from %s failed", imap.name)
    return outcomes + inbound_recover(now=at())
