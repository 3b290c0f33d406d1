"""A real ``pledgedesk.worker`` process whose clock the test sets (issue 15).

Run as ``python -m tests.automation.worker_clock``. PROBE_DATABASE (JSON) points it at the test
database; PROBE_CLOCK names a file holding one ISO instant, which is this process's clock
(``pledgedesk.clock``, read on every ``clock.current()``): the outbox loop claims, leases and
stamps by it, and every handler gets it as ``now``. Huey's periodic jobs follow it too: each
time the instant in the file enters a new minute, the jobs due at that minute (SLA sweep, page
escalation, ...) are enqueued on this worker's Huey storage (Redis with REDIS_URL), as Huey's
own scheduler does on the wall clock. Two such workers each enqueue them, so the jobs race, as
they do between two real workers.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledgedesk.project.settings")

import django
from django.conf import settings

settings.DATABASES["default"].update(json.loads(os.environ["PROBE_DATABASE"]))
django.setup()

from pledgedesk import clock, worker  # noqa: E402


class FileClock:
    """The instant written in ``path`` (by the test); never moves by itself."""

    def __init__(self, path: Path):
        self.path = path

    def now(self) -> datetime:
        return datetime.fromisoformat(self.path.read_text().strip())

    def sleep(self, seconds: float) -> None:  # a deliberate delay is seen, not waited
        pass


def follow_minutes(source: FileClock, stop: threading.Event) -> None:
    """Enqueue Huey's periodic jobs once for every minute the injected clock enters."""
    from huey.contrib.djhuey import HUEY

    seen = None
    while not stop.wait(0.05):
        # Huey's scheduler reads naive UTC minutes
        minute = source.now().astimezone(UTC).replace(second=0, microsecond=0, tzinfo=None)
        if minute == seen:
            continue
        seen = minute
        for task in HUEY.read_periodic(minute):
            HUEY.enqueue(task)


if __name__ == "__main__":
    injected = FileClock(Path(os.environ["PROBE_CLOCK"]))
    halt = threading.Event()
    with clock.use(injected):
        # Huey's tasks are discovered by worker.run; read_periodic needs them registered first.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks")
        threading.Thread(target=follow_minutes, args=(injected, halt), daemon=True).start()
        try:
            worker.run(threads=2, poll=0.05, jobs=True)
        finally:
            halt.set()
