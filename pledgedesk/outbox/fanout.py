"""The one topic the outbox delivers itself: a ticket event, fanned out to the planners.

Each registered planner (mail, webhooks, pages, escalation) says what the event calls for; the
rows it plans are written in one transaction, keyed so that planning the same event again (a
retry after one planner failed, or after a worker died) adds nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from pledgedesk.outbox.models import Delivery
from pledgedesk.outbox.registry import EVENT_TOPIC, handler, planners
from pledgedesk.outbox.services import enqueue_many, notice_of


@handler(EVENT_TOPIC, max_attempts=20, backoff_seconds=10, max_backoff_seconds=1800)
def plan_event(row: Delivery, *, now: datetime) -> None:
    notice = notice_of(row)
    planned = [p for _name, plan in planners() for p in plan(notice, now=now)]
    with transaction.atomic():
        enqueue_many(planned, now=now, ticket_id=notice.ticket_id,
                     organisation_id=notice.organisation_id)
