"""A real ``pledgedesk.worker`` process for the tests, with a probe topic it can deliver.

Run as ``python -m tests.outbox.worker_probe``. PROBE_DATABASE (JSON) points it at the test
database; each delivery of the probe topic appends "<key> <pid>" to PROBE_LOG (one write per
line, O_APPEND) and then takes PROBE_SECONDS, so a test can kill it mid-run.
"""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledgedesk.project.settings")

import django
from django.conf import settings

settings.DATABASES["default"].update(json.loads(os.environ["PROBE_DATABASE"]))
django.setup()

from pledgedesk import worker  # noqa: E402
from pledgedesk.outbox import registry, services  # noqa: E402

services.LEASE = timedelta(seconds=float(os.environ.get("PROBE_LEASE", "300")))
LOG = os.environ["PROBE_LOG"]
SECONDS = float(os.environ.get("PROBE_SECONDS", "0"))


@registry.handler("probe")
def deliver(row, *, now):
    fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{row.key} {os.getpid()}\n".encode())
    finally:
        os.close(fd)
    time.sleep(SECONDS)


if __name__ == "__main__":
    worker.run(threads=2, poll=0.05, jobs=os.environ.get("PROBE_JOBS") == "1")
