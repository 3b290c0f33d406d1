"""The outbox doors of escalation chains: the planner that turns a recorded warning or breach
into step rows, and the handler that runs one step (``automation.chains``)."""

from __future__ import annotations

from datetime import datetime

from pledgedesk.automation.chains import TOPIC, TRIGGERS, escalation_plan
from pledgedesk.automation.services import escalation_step_run
from pledgedesk.outbox.registry import EventNotice, Planned, handler, planner


@planner("escalation")
def plan(notice: EventNotice, *, now: datetime) -> list[Planned]:
    if notice.kind not in TRIGGERS:
        return []
    return escalation_plan(event_id=notice.event_id)


@handler(TOPIC, max_attempts=8, backoff_seconds=60, max_backoff_seconds=3600)
def deliver(delivery, *, now: datetime) -> None:
    escalation_step_run(key=delivery.key, payload=delivery.payload, now=now)
