"""Reading the outbox: what a ticket's side effects did, and what failed."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from pledgedesk.outbox.models import Delivery
from pledgedesk.outbox.registry import EVENT_TOPIC


def ticket_deliveries(ticket_id: int) -> QuerySet[Delivery]:
    """The ticket's deliveries other than the internal fan-out rows, oldest first."""
    return (Delivery.objects.filter(ticket_id=ticket_id).exclude(topic=EVENT_TOPIC)
            .order_by("id"))


def failed_deliveries(organisation_ids=None) -> QuerySet[Delivery]:
    rows = Delivery.objects.filter(state=Delivery.State.FAILED)
    if organisation_ids is not None:
        rows = rows.filter(organisation_id__in=organisation_ids)
    return rows.order_by("-id")


def backlog(organisation_ids=None) -> list[dict]:
    """Counts by topic and state, for the console's outbox page and /healthz-style checks."""
    rows = Delivery.objects.exclude(state=Delivery.State.DELIVERED)
    if organisation_ids is not None:
        rows = rows.filter(organisation_id__in=organisation_ids)
    return list(rows.values("topic", "state").annotate(count=Count("id"))
                .order_by("topic", "state"))
