"""Reading an agent's notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from pledgedesk.accounts.models import Agent
from pledgedesk.notify.models import Notification, NotifySettings


def notifications_for(agent: Agent, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The agent's own notifications, newest first, limited to the kinds they chose to see."""
    rows = Notification.objects.filter(agent=agent)
    shown = (NotifySettings.objects.filter(agent=agent)
             .values_list("console_kinds", flat=True).first())
    if shown:
        rows = rows.filter(kind__in=shown)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-id")


def unread_count(agent: Agent) -> int:
    return notifications_for(agent, unread_only=True).count()
