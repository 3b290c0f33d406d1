"""CSV lines for the reports, produced one row at a time so a door can stream them: the
ticket list reads the database in chunks (``iterator``), never the whole table at once."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import QuerySet

from pledgedesk.reports.selectors import Compliance
from pledgedesk.tickets.models import SlaTimer

COMPLIANCE_HEADER = ("metric", "promise", "dimension", "value", "measured", "met_within_goal",
                     "met_within_limit", "breached", "excluded", "running", "compliance_pct",
                     "paused_seconds", "median_used_seconds", "p90_used_seconds")
TICKETS_HEADER = ("number", "subject", "organisation_id", "priority", "plan", "status",
                  "received_at_utc", "metric", "state", "due_at_utc", "met_at_utc",
                  "used_seconds", "paused_seconds", "reason")


class _Line:
    """A file-like object whose ``write`` returns what it was given (csv writes one row)."""

    def write(self, value: str) -> str:
        return value


def _lines(rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Line())
    for row in rows:
        yield writer.writerow([_safe(v) for v in row])


def _safe(value):
    """No cell starts a spreadsheet formula (CSV injection): such text gets a leading quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else value


def compliance_csv(report: Compliance) -> Iterator[str]:
    def rows():
        yield COMPLIANCE_HEADER
        for r in report.rows:
            pct = "" if r.compliance is None else f"{100 * r.compliance:.1f}"
            yield (r.metric, r.promise, report.by, r.label, r.measured, r.met_goal, r.met,
                   r.breached, r.excluded, r.running, pct, r.paused_seconds,
                   r.median_seconds, r.p90_seconds)
    return _lines(rows())


def tickets_csv(timers: QuerySet[SlaTimer]) -> Iterator[str]:
    def rows():
        yield TICKETS_HEADER
        for t in timers.iterator(chunk_size=2000):
            k = t.ticket
            yield (k.number, k.subject, k.organisation_id, k.priority, k.plan, k.status,
                   k.received_at, t.metric, t.state, t.due_at, t.met_at, t.used_seconds,
                   t.paused_seconds, t.reason)
    return _lines(rows())


def rows_csv(header: tuple, rows: Iterable[tuple]) -> Iterator[str]:
    """A report table's rows under its header."""
    def all_rows():
        yield header
        yield from rows
    return _lines(all_rows())


TICKET_LIST_HEADER = ("number", "subject", "organisation_id", "priority", "status",
                      "received_at_utc", "minutes_in_period")


def ticket_rows_csv(tickets: QuerySet) -> Iterator[str]:
    """The tickets behind a backlog or time figure, read in chunks."""
    def rows():
        yield TICKET_LIST_HEADER
        for k in tickets.iterator(chunk_size=2000):
            yield (k.number, k.subject, k.organisation_id, k.priority, k.status, k.received_at,
                   getattr(k, "logged", None))
    return _lines(rows())
