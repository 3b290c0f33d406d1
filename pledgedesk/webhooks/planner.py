"""Fan-out: each ticket event becomes one planned ``webhook`` delivery per active subscription
that chose its kind (and may read it), keyed ``webhook:<subscription>:<event>`` so planning
the same event twice plans nothing twice. The body is built now, from the event and its
ticket as they are when the event is planned (normally seconds after it), and every attempt
and replay sends exactly these bytes."""

from __future__ import annotations

import secrets
from datetime import datetime

from pledgedesk.outbox.registry import EventNotice, Planned, planner
from pledgedesk.webhooks import payloads, selectors
from pledgedesk.webhooks.services import DELIVER_TOPIC


@planner("webhooks")
def plan(notice: EventNotice, *, now: datetime) -> list[Planned]:
    subscriptions = selectors.subscriptions_for(organisation_id=notice.organisation_id,
                                                kind=notice.kind)
    if not subscriptions:
        return []
    event = selectors.event_with_ticket(notice.event_id)
    if event is None:
        return []
    message = selectors.event_message(event)
    bodies = {internal: payloads.dumps(payloads.body_for(event, message, internal=internal))
              for internal in {s.include_internal for s in subscriptions}}
    return [Planned(DELIVER_TOPIC, f"webhook:{s.pk}:{event.pk}", {
        "subscription": s.pk, "webhook_id": new_webhook_id(), "event": event.pk,
        "ticket": event.ticket.number, "organisation": event.ticket.organisation_id,
        "type": payloads.event_type(event.kind),
        "internal": s.include_internal, "body": bodies[s.include_internal],
    }) for s in subscriptions]


def new_webhook_id() -> str:
    """``msg_`` and 128 random bits: unique across desks and database resets, and free of the
    ``.`` the signed content uses as its separator."""
    return "msg_" + secrets.token_urlsafe(16)
