"""Django's PostgreSQL backend, with a health check that needs no round trip when none can
tell more.

``CONN_HEALTH_CHECKS`` makes Django check a kept connection before the first query of every
request (and every worker task) with ``SELECT 1``: one round trip to the server per request
on the ticket-creation path (issue 20 profile). A connection the server has ended (a restart,
``pg_terminate_backend``, ``idle_session_timeout``) says so on its socket: the server sends
its error and closes, and the socket turns readable. Between requests a healthy connection
has nothing to read. So when psycopg holds the connection open and idle and nothing waits
on its socket, it is usable; in every other case (something to read, a transaction left
open, the poll failing) Django's own ``SELECT 1`` decides, as before. A connection lost
without a word (a cable pulled) passes this check as it passed ``SELECT 1`` only after the
TCP time-out; the request then fails once and the connection is replaced.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper
from psycopg.pq import TransactionStatus


class DatabaseWrapper(PostgresWrapper):
    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None:
            return False
        if conn.closed or conn.broken:
            return False
        if conn.info.transaction_status == TransactionStatus.IDLE and _quiet(conn.fileno()):
            return True
        return super().is_usable()


def _quiet(fd: int) -> bool:
    """Nothing waits to be read on ``fd`` (and it can be polled)."""
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    except (OSError, ValueError):
        return False
