"""Periodic job: digests of notifications for agents who chose them."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from pledgedesk import clock
from pledgedesk.notify.services import send_digests


@db_periodic_task(crontab(minute="*/5"))
def digests() -> None:
    send_digests(now=clock.current())
