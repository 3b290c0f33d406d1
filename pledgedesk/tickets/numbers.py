"""Ticket numbers: unique, human-friendly, handed out in order.

- PostgreSQL: a sequence (``tickets_ticket_number_seq``, created by migration 0004). Taking a
  number locks nothing, so concurrent creations never queue on it; a creation rolled back after
  taking its number leaves that number unused.
- SQLite: the one ``TicketNumber`` row. SQLite lets one writer in at a time anyway, so the row
  adds no waiting, and numbers are dense.
"""

from __future__ import annotations

from django.db import connection

from pledgedesk.tickets.models import TicketNumber

_NEXT_ROW = ('UPDATE "tickets_ticketnumber" SET "last" = "last" + 1 WHERE "id" = 1 '
             'RETURNING "last"')
_NEXT_SEQUENCE = "SELECT nextval('tickets_ticket_number_seq')"
_CONTINUE_SEQUENCE = ("SELECT setval('tickets_ticket_number_seq', GREATEST(%s, "
                      "(SELECT last_value FROM tickets_ticket_number_seq)), true)")


def uses_sequence(vendor: str) -> bool:
    return vendor == "postgresql"


def number_next() -> int:
    """The next ticket number, in one statement. Call it inside the creating transaction."""
    with connection.cursor() as cursor:
        if uses_sequence(connection.vendor):
            cursor.execute(_NEXT_SEQUENCE)
            return cursor.fetchone()[0]
        cursor.execute(_NEXT_ROW)
        row = cursor.fetchone()
        if row is None:  # first ticket of a new database
            TicketNumber.objects.get_or_create(pk=1, defaults={"last": 0})
            cursor.execute(_NEXT_ROW)
            row = cursor.fetchone()
    return row[0]


def numbers_continue_after(last: int) -> None:
    """After tickets were written with numbers of their own (a bulk load or an import): the
    next number handed out is above ``last``. Never moves numbering backwards."""
    with connection.cursor() as cursor:
        if uses_sequence(connection.vendor):
            cursor.execute(_CONTINUE_SEQUENCE, [last])
            return
    row, _ = TicketNumber.objects.get_or_create(pk=1, defaults={"last": 0})
    if row.last < last:
        TicketNumber.objects.filter(pk=1, last__lt=last).update(last=last)
