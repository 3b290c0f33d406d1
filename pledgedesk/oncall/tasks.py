"""The worker's on-call job: every minute, pages nobody acknowledged in time move one step
(repeat, next layer, lead). The task reads the clock once and calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from pledgedesk import clock
from pledgedesk.oncall.services import advance_pages


@db_periodic_task(crontab(minute="*"))
def advance_pages_every_minute() -> int:
    return advance_pages(now=clock.current())
