"""Periodic webhook work for the worker's Huey consumer: forgetting old delivery logs."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from pledgedesk import clock
from pledgedesk.webhooks.services import deliveries_prune


@db_periodic_task(crontab(minute="23", hour="3"))
def prune_delivery_log() -> int:
    return deliveries_prune(now=clock.current())
