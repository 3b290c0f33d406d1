"""Writing side effects down, and delivering them: the outbox's rules.

``enqueue`` runs inside the caller's transaction, so a side effect exists exactly when the
change that caused it committed. ``deliver_due`` runs in the worker: it claims due rows
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a compare-and-set lease everywhere), calls each
topic's handler outside any transaction, and records the outcome only while its claim still
holds, so any number of workers never deliver one row twice at once, and a worker killed
mid-delivery loses nothing: its claim expires and another worker delivers the row again.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q

from pledgedesk import rowsql
from pledgedesk.errors import Conflict, NotFound
from pledgedesk.outbox.models import Delivery
from pledgedesk.outbox.registry import (
    EVENT_TOPIC,
    EventNotice,
    Handler,
    PermanentFailure,
    Planned,
    handler_for,
)
from pledgedesk.rowput import rows_insert_ignoring

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # how long a claim holds a row before another worker may take it
NO_HANDLER = Handler("", None, max_attempts=20, backoff_seconds=60, max_backoff_seconds=3600)
ERROR_LENGTH = 500


def enqueue(*, topic: str, key: str, payload: dict, now: datetime,
            ticket_id: int | None = None, organisation_id: int | None = None,
            not_before: datetime | None = None) -> None:
    """Write one side effect in the caller's transaction; a second one with ``key`` is
    ignored (the unique key, not a check-then-insert, so concurrent writers agree)."""
    enqueue_many([Planned(topic, key, payload, not_before)], now=now, ticket_id=ticket_id,
                 organisation_id=organisation_id)


def enqueue_many(planned: Iterable[Planned], *, now: datetime, ticket_id: int | None = None,
                 organisation_id: int | None = None) -> None:
    rows_insert_ignoring([Delivery(topic=p.topic, key=p.key, payload=p.payload,
                                   ticket_id=ticket_id, organisation_id=organisation_id,
                                   created_at=now, next_attempt_at=p.not_before or now)
                          for p in planned])


def enqueue_events(events: Iterable, *, now: datetime) -> None:
    """One ``ticket.event`` row per saved ticket event (anything with ``pk``, ``kind``,
    ``ticket_id`` and ``ticket.organisation_id``): the worker fans each out to the planners."""
    rows = [Delivery(topic=EVENT_TOPIC, key=f"event:{event.pk}", created_at=now,
                     next_attempt_at=now, ticket_id=event.ticket_id,
                     organisation_id=event.ticket.organisation_id,
                     payload={"event_id": event.pk, "ticket_id": event.ticket_id,
                              "organisation_id": event.ticket.organisation_id,
                              "kind": str(event.kind)})
            for event in events]
    rows_insert_ignoring(rows)


def deliver_due(*, now: datetime, worker: str, limit: int = 100) -> int:
    """Claim up to ``limit`` due rows and deliver them; the number claimed."""
    rows = claim_due(now=now, worker=worker, limit=limit)
    for row in rows:
        deliver_one(row, now=now)
    return len(rows)


def claim_due(*, now: datetime, worker: str, limit: int) -> list[Delivery]:
    token = secrets.token_hex(16)
    with transaction.atomic():
        due = (Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now)
               .filter(_unclaimed(now)).order_by("next_attempt_at", "id"))
        if connection.features.has_select_for_update_skip_locked:
            ids = list(due.select_for_update(skip_locked=True).values_list("id", flat=True)[:limit])
        else:  # SQLite: one UPDATE statement, which SQLite runs under its write lock
            ids = due.values("id")[:limit]
        (Delivery.objects.filter(id__in=ids, state=Delivery.State.PENDING)
         .filter(_unclaimed(now))
         .update(claimed_until=now + LEASE, claimed_by=worker[:64], claim=token))
    return list(Delivery.objects.filter(claim=token).order_by("next_attempt_at", "id"))


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def deliver_one(row: Delivery, *, now: datetime) -> None:
    """Call the row's handler and record what happened, unless the claim was lost."""
    handler = handler_for(row.topic)
    attempts = row.attempts + 1
    try:
        if handler is None:
            raise LookupError(f"no handler is registered for the topic {row.topic!r}")
        handler.deliver(row, now=now)
    except PermanentFailure as exc:
        _record(row, state=Delivery.State.FAILED, attempts=attempts, error=_text(exc), now=now)
    except Exception as exc:  # a handler's failure must not stop the worker: retried later
        log.warning("outbox: %s delivery %s (%s) failed, attempt %d: %s",
                    row.topic, row.pk, row.key, attempts, _text(exc))
        _retry_later(row, handler or NO_HANDLER, attempts, _text(exc), now)
    else:
        _record(row, state=Delivery.State.DELIVERED, attempts=attempts, error="", now=now,
                delivered_at=now)


def _retry_later(row: Delivery, handler: Handler, attempts: int, error: str,
                 now: datetime) -> None:
    if attempts >= handler.max_attempts:
        _record(row, state=Delivery.State.FAILED, attempts=attempts, error=error, now=now)
        return
    _record(row, state=Delivery.State.PENDING, attempts=attempts, error=error, now=now,
            next_attempt_at=now + timedelta(seconds=handler.delay_after(attempts)))


def _record(row: Delivery, *, state: str, attempts: int, error: str, now: datetime,
            **more) -> None:
    """The outcome, written only while ``row``'s claim holds: ``Delivery.objects.filter(pk=,
    claim=).update(...)`` by a statement built once per set of columns."""
    values = {"state": state, "attempts": attempts, "last_error": error, "claimed_until": None,
              "claim": "", **more}
    sql = rowsql.statement(("outbox.record", *values), lambda q: (
        f"UPDATE {q.table(Delivery)} SET "  # noqa: S608
        + ", ".join(f"{q.name(Delivery, name)} = %s" for name in values)
        + f" WHERE {q.name(Delivery, 'id')} = %s AND {q.name(Delivery, 'claim')} = %s"))
    params = [rowsql.saved(Delivery, name, value) for name, value in values.items()]
    updated = rowsql.execute(sql, [*params, row.pk, row.claim])
    if not updated:
        log.warning("outbox: delivery %s (%s) was claimed by another worker meanwhile; its "
                    "outcome there stands", row.pk, row.key)


def _text(exc: BaseException) -> str:
    return (f"{type(exc).__name__}: {exc}")[:ERROR_LENGTH]


def retry(*, delivery_id: int, now: datetime, organisation_ids=None) -> Delivery:
    """Put a failed delivery back in the queue, due now (the console's and API's retry).
    ``organisation_ids``, when given, limits which rows the caller may touch."""
    rows = Delivery.objects.filter(pk=delivery_id)
    if organisation_ids is not None:
        rows = rows.filter(organisation_id__in=organisation_ids)
    with transaction.atomic():
        row = rows.select_for_update().first()
        if row is None:
            raise NotFound(f"delivery {delivery_id} does not exist", field="delivery")
        if row.state != Delivery.State.FAILED:
            raise Conflict(f"delivery {delivery_id} is {row.state}, not failed; only a failed "
                           "delivery can be retried", field="delivery")
        row.state, row.next_attempt_at, row.attempts = Delivery.State.PENDING, now, 0
        row.claimed_until, row.claim = None, ""
        row.save(update_fields=["state", "next_attempt_at", "attempts", "claimed_until",
                                "claim"])
    return row


def notice_of(row: Delivery) -> EventNotice:
    p = row.payload
    return EventNotice(event_id=p["event_id"], ticket_id=p["ticket_id"],
                       organisation_id=p.get("organisation_id"), kind=p["kind"])
