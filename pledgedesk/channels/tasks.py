"""The worker's periodic job for mail in (``pledgedesk worker`` runs it; Huey finds it here)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from pledgedesk import clock
from pledgedesk import config as pd_config
from pledgedesk.channels.fetch import mail_poll


@db_periodic_task(crontab(minute="*"))
def mail_poll_every_minute() -> None:
    """Fetch every mailbox of ``PLEDGEDESK_IMAP_URL``, then take over stored messages a
    crashed processor left behind (also those that came through ``mail ingest``)."""
    mail_poll(mailboxes=pd_config.imap_all(), now=clock.current())
