"""Running the background worker: Huey's consumer for the periodic jobs, and the outbox loop.

Called by ``pledgedesk worker`` after Django is set up (and started by ``pledgedesk demo`` and
``serve`` beside the web server). Periodic jobs (SLA sweeps, IMAP polling, page escalation,
digests) are Huey tasks found in each app's ``tasks.py``; they run on Redis with ``REDIS_URL``,
otherwise on SQLite storage in the data directory. Outbox delivery is not a Huey task: a few
threads poll the outbox table, which is the queue, so a delivery never waits for a job queue
and nothing is lost when Huey's storage is (Redis here keeps nothing on disk).

Any number of workers may run against one database: rows are claimed, never shared, and
Huey's periodic jobs are written to be safe when two workers run them at once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time

from django.db import close_old_connections
from django.utils.module_loading import autodiscover_modules

from pledgedesk import clock
from pledgedesk.outbox.services import deliver_due

log = logging.getLogger("pledgedesk.worker")

BATCH = 50  # rows claimed at once per delivery thread
ERROR_PAUSE = 5.0  # seconds to wait after the database failed, before trying again


def run(*, threads: int = 2, poll: float = 0.5, parent_pid: int | None = None,
        jobs: bool = True) -> None:
    """Deliver the outbox on ``threads`` threads, polling every ``poll`` seconds when idle,
    and run Huey's consumer (periodic jobs) until SIGTERM or SIGINT; with ``parent_pid``,
    also stop when that process is gone (the server that started this worker died)."""
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")
    stop = threading.Event()
    name = f"{socket.gethostname()}:{os.getpid()}"
    loops = [threading.Thread(target=delivery_loop, name=f"outbox-{i}", daemon=True,
                              kwargs={"stop": stop, "worker": f"{name}/{i}", "poll": poll})
             for i in range(threads)]
    for loop in loops:
        loop.start()
    if parent_pid is not None:
        threading.Thread(target=_watch_parent, args=(parent_pid, stop), daemon=True).start()
    log.info("worker %s: %d delivery thread(s), periodic jobs %s", name, threads,
             "on" if jobs else "off")
    try:
        if jobs:
            HUEY.create_consumer(workers=2, worker_type="thread", periodic=True,
                                 graceful_signal="TERM").run()
        else:
            _wait_for_signal(stop)
    finally:
        stop.set()
        for loop in loops:
            loop.join(timeout=30)


def delivery_loop(*, stop: threading.Event, worker: str, poll: float) -> None:
    while not stop.is_set():
        try:
            close_old_connections()
            claimed = deliver_due(now=clock.current(), worker=worker, limit=BATCH)
        except Exception:  # the database went away: say so once per try, and keep going
            log.exception("worker %s: outbox delivery failed; retrying in %.0f s", worker,
                          ERROR_PAUSE)
            stop.wait(ERROR_PAUSE)
            continue
        if not claimed:
            stop.wait(poll)


def _watch_parent(parent_pid: int, stop: threading.Event) -> None:
    while not stop.is_set():
        if os.getppid() != parent_pid:
            log.info("worker: the server that started it is gone; stopping")
            os.kill(os.getpid(), signal.SIGTERM)
            return
        time.sleep(1)


def _wait_for_signal(stop: threading.Event) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.is_set():
        stop.wait(1)
