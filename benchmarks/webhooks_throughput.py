"""Webhook delivery throughput to a real receiver on the loopback: 500 ticket events of a kind
only webhooks act on (``topic_changed``), one subscription; the fan-out (every planner) and then
the deliveries (sign, POST, log) timed separately, on one thread, through the outbox as the
worker runs it. Not part of the suite (``testpaths`` is ``tests``); run it with

    .venv/bin/python -m pytest benchmarks/webhooks_throughput.py -q -s -p no:cacheprovider

and with ``DATABASE_URL=postgres://...`` for PostgreSQL.
"""
import time

import pytest

from pledgedesk.outbox.services import deliver_due, enqueue_events
from pledgedesk.tickets.models import TicketEvent
from pledgedesk.webhooks import services
from pledgedesk.webhooks.models import Delivery, DeliveryAttempt
from tests.outbox.helpers import drain
from tests.webhooks.conftest import (  # noqa: F401 (fixtures, found by name)
    desk,
    fixed,
    loopback_allowed,
    receiver,
    ticket_in,
)

pytestmark = pytest.mark.django_db
N = 500


def test_webhook_delivery_throughput(desk, fixed, receiver):  # noqa: F811 (fixtures)
    services.subscription_create(agent=desk.admin, name="bench", url=receiver.url,
                                 events=["topic_changed"], now=fixed.at)
    ticket = ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)
    events = [TicketEvent(ticket=ticket, at=fixed.at, kind="topic_changed", channel="web",
                          old={"topic": ""}, new={"topic": "billing"}) for _ in range(N)]
    TicketEvent.objects.bulk_create(events)
    enqueue_events(events, now=fixed.at)
    start = time.perf_counter()
    planned = deliver_due(now=fixed.at, worker="bench", limit=N)  # fan-out: every planner
    mid = time.perf_counter()
    sent = deliver_due(now=fixed.at, worker="bench", limit=N)  # the webhook deliveries
    end = time.perf_counter()
    http_ms = sum(DeliveryAttempt.objects.values_list("duration_ms", flat=True))
    assert Delivery.objects.filter(state="delivered").count() == N == len(receiver.requests)
    print(f"\nplanning {planned} events: {mid - start:.2f}s ({planned / (mid - start):.0f}/s); "
          f"delivering {sent}: {end - mid:.2f}s ({sent / (end - mid):.0f}/s, HTTP {http_ms} ms "
          f"of it)")
