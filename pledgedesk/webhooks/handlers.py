"""The outbox handlers of webhooks: ``webhook`` sends one signed message (a planned delivery or
a replay), ``webhook.disabled`` tells a subscription's owner by mail that it was switched off.

Retries: the outbox doubles the wait after each failed attempt from ``BACKOFF`` up to
``MAX_BACKOFF``; it has no total retry window, so ``MAX_ATTEMPTS`` is computed to be the
fewest attempts whose waits add up to ``RETRY_WINDOW`` (a day, as issue 15 asks: 15 attempts,
the last about 24 h 15 min after the first).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.mail import EmailMessage

from pledgedesk import clock
from pledgedesk.channels.mailid import sender_domain
from pledgedesk.outbox.registry import PermanentFailure, handler
from pledgedesk.webhooks import delivery as http
from pledgedesk.webhooks import signing
from pledgedesk.webhooks.models import Delivery, Subscription
from pledgedesk.webhooks.services import (
    DELIVER_TOPIC,
    NOTICE_TOPIC,
    Verdict,
    attempt_record,
    delivery_open,
    delivery_skip,
)

RETRY_WINDOW = timedelta(hours=24)
BACKOFF = 30.0
MAX_BACKOFF = 4 * 3600.0


def attempts_spanning(window: timedelta, backoff: float, cap: float) -> int:
    """The fewest attempts whose waits (``backoff`` doubling, capped at ``cap``) reach
    ``window``: the outbox's own schedule (``registry.Handler.delay_after``)."""
    attempts, waited = 1, 0.0
    while waited < window.total_seconds():
        waited += min(backoff * 2 ** (attempts - 1), cap)
        attempts += 1
    return attempts


MAX_ATTEMPTS = attempts_spanning(RETRY_WINDOW, BACKOFF, MAX_BACKOFF)


class DeliveryFailed(Exception):
    """Retried by the outbox: the endpoint failed this time."""


@handler(DELIVER_TOPIC, max_attempts=MAX_ATTEMPTS, backoff_seconds=BACKOFF,
         max_backoff_seconds=MAX_BACKOFF)
def deliver(row, *, now: datetime) -> None:
    payload = row.payload
    replay = int(payload.get("replay", 0))
    found = _delivery(payload, now)
    sub = Subscription.objects.get(pk=found.subscription_id)
    refusal = _refusal(sub, found)
    if refusal:
        delivery_skip(delivery=found)
        raise PermanentFailure(f"not sent: subscription {sub.pk} {refusal}")
    # The signature's timestamp is the instant of sending, read now: a worker may have held
    # this row for a while, and receivers refuse timestamps over a few minutes old.
    sent_at = clock.current()
    headers = signing.headers(sub.signing_secrets(sent_at), webhook_id=found.webhook_id,
                              timestamp=int(sent_at.timestamp()), body=found.body)
    outcome = http.post(sub.url, body=found.body, headers=headers)
    verdict = attempt_record(delivery=found, replay=replay, outcome=outcome,
                             last_try=row.attempts + 1 >= MAX_ATTEMPTS, now=sent_at)
    if verdict == Verdict.RETRY:
        raise DeliveryFailed(outcome.describe())
    if verdict == Verdict.GIVE_UP:
        raise PermanentFailure(f"gave up: {outcome.describe()}")


def _refusal(sub: Subscription, found: Delivery) -> str:
    """Why ``found`` may no longer go to ``sub`` (changed since it was planned), or ""."""
    if not sub.active:
        return "is disabled"
    if found.internal and not sub.include_internal:
        return "no longer takes internal events"
    if sub.organisation_id is not None and found.organisation_id != sub.organisation_id:
        return "is now limited to another organisation's tickets"
    return ""


def _delivery(payload: dict, now: datetime) -> Delivery:
    if "delivery" in payload:  # a replay
        found = Delivery.objects.filter(pk=payload["delivery"]).first()
        if found is None:
            raise PermanentFailure(f"delivery {payload['delivery']} no longer exists")
        return found
    return delivery_open(payload=payload, now=now)


@handler(NOTICE_TOPIC, max_attempts=8)
def tell_owner(row, *, now: datetime) -> None:
    sub = Subscription.objects.select_related("owner__user").filter(
        pk=row.payload["subscription"]).first()
    if sub is None:
        raise PermanentFailure("the subscription no longer exists")
    address = sub.owner.user.email
    if not address:
        raise PermanentFailure(f"{sub.owner.name} has no e-mail address")
    EmailMessage(
        subject=f"Webhook “{sub.name}” was disabled",
        body=(f"The webhook subscription “{sub.name}” ({sub.url}) was disabled: "
              f"{row.payload['reason']}.\n\nNo more events are sent to it. Once the endpoint "
              "works again, enable it in the console (Webhooks) or the API, and replay what "
              "it missed from its delivery log.\n"),
        to=[address],
        headers={"Message-ID": f"<{row.key.replace(':', '.')}@{sender_domain()}>",
                 "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    ).send()
