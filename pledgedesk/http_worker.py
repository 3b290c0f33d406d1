"""The gunicorn worker ``pledgedesk serve`` runs: gunicorn's threaded worker, made to leave new
connections to an idle worker.

Imports nothing but gunicorn and the standard library, so that the issue 5 benchmark can give
the peer's gunicorn the same worker.
"""

from __future__ import annotations

import threading
import time

from gunicorn.workers.gthread import ThreadWorker

# How long a worker that is running a request waits before taking a new connection, so that an
# idle worker takes it first. Short enough to be invisible when every worker is busy.
BUSY_ACCEPT_DELAY = 0.001


class IdleFirstWorker(ThreadWorker):
    """Gunicorn's threaded worker, except that a worker busy with a request lets an idle one
    take a new connection first.

    Every worker waits on the same listening socket and the kernel wakes them all; the stock
    worker accepts whatever it is doing, and a kept-alive connection then stays with the
    worker that accepted it. With two workers, two clients often both landed on one worker
    while the other idled: one core's throughput for the whole run (issue 5 benchmark: 110
    against 200 tickets/s for the same code). Here a busy worker (running a request, or holding
    a connection it accepted and has not yet answered) waits ``BUSY_ACCEPT_DELAY`` before it
    accepts; an idle worker has taken the connection by then. When every worker is busy the
    connection is still accepted, 1 ms later. Relies on gunicorn 27's ``ThreadWorker`` hooks
    (pinned in pyproject.toml).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._busy = 0  # requests running + accepted connections not yet through handle()

    def _count(self, delta: int) -> None:
        with self._lock:
            self._busy += delta

    def accept(self, listener):
        if self._busy:
            time.sleep(BUSY_ACCEPT_DELAY)
        before = self.nr_conns
        super().accept(listener)
        if self.nr_conns > before:  # accepted (another worker may have been quicker)
            self._count(1)

    def handle(self, conn):
        # A connection's first handle() (accepted, read, answered) runs in a pool thread.
        fresh = not getattr(conn, "pd_seen", False)
        conn.pd_seen = True
        try:
            return super().handle(conn)
        finally:
            if fresh:
                self._count(-1)

    def handle_request(self, req, conn):
        self._count(1)
        try:
            return super().handle_request(req, conn)
        finally:
            self._count(-1)
