"""The notification topics' outbox handlers, and the planner that fans ticket events out."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse

from pledgedesk.channels.mailid import sender_domain
from pledgedesk.notify.models import Notification
from pledgedesk.notify.services import notification_record, plan_event
from pledgedesk.outbox.models import Delivery
from pledgedesk.outbox.registry import PermanentFailure, handler, planner

planner("notify")(plan_event)


@handler("notify", max_attempts=10, backoff_seconds=10)
def record(row: Delivery, *, now: datetime) -> None:
    notification_record(payload=row.payload, now=now)


@handler("notify.email", max_attempts=8, backoff_seconds=60)
def send(row: Delivery, *, now: datetime) -> None:
    notes = list(Notification.objects.select_related("agent__user")
                 .filter(pk__in=row.payload["notifications"]).order_by("id"))
    if not notes:
        return
    address = notes[0].agent.user.email
    if not address:
        raise PermanentFailure(f"agent {notes[0].agent} has no email address")
    message = EmailMessage(subject=_subject(notes), body=_body(notes), to=[address],
                           headers={"Message-ID": message_id(row.key),
                                    "Auto-Submitted": "auto-generated",
                                    "X-Auto-Response-Suppress": "All"})
    message.send()
    with transaction.atomic():
        Notification.objects.filter(pk__in=[n.pk for n in notes], mailed_at__isnull=True) \
            .update(mailed_at=now)


def message_id(key: str) -> str:
    """The same Message-ID for every attempt of one delivery: a receiver drops repeats."""
    return f"<{key.replace(':', '.')}@{sender_domain()}>"


def _subject(notes: list[Notification]) -> str:
    if len(notes) == 1:
        return f"[#{notes[0].ticket_number}] {notes[0].text}"[:200]
    return f"{len(notes)} notifications from the help desk"


def _body(notes: list[Notification]) -> str:
    base = settings.PLEDGEDESK_PUBLIC_URL
    lines = [f"- {n.text}\n  {base}{reverse('console:ticket', args=[n.ticket_number])}"
             for n in notes]
    return "\n".join([*lines, "", f"Choose what you are told: {base}"
                      f"{reverse('console:notify_settings')}"]) + "\n"
