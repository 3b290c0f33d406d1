"""Webhook rules: who may manage subscriptions, what a subscription may ask for, and what a
delivery attempt's answer does to its delivery and its subscription.

Administrators only (the role ``administrator``), like API tokens: a subscription can send any
ticket's public facts, and with ``include_internal`` its internal notes, to a URL of their
choosing. Each function is one transaction; the worker's handler (``handlers``) does the HTTP
outside any, and records what it got with ``attempt_record``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.db import IntegrityError, transaction

from pledgedesk.accounts.models import Agent, Organisation
from pledgedesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pledgedesk.outbox.services import enqueue
from pledgedesk.tickets.events import EventKind
from pledgedesk.webhooks import network, signing
from pledgedesk.webhooks.delivery import Outcome
from pledgedesk.webhooks.models import Delivery, DeliveryAttempt, Subscription

DELIVER_TOPIC = "webhook"
NOTICE_TOPIC = "webhook.disabled"
# A subscription whose every attempt has failed for this long is disabled and its owner told.
FAILING_WINDOW = timedelta(hours=24)
# After a rotation, messages are signed with the old secret too for this long (the spec's
# zero-downtime rotation), so a receiver can switch over without losing a delivery.
ROTATION_GRACE = timedelta(hours=24)
# Delivery log kept this long (attempts with it); ``deliveries_prune`` runs nightly.
LOG_RETENTION = timedelta(days=30)
FIELDS = ("name", "url", "events", "include_internal", "organisation", "active")
MAX_NAME = 100


@dataclass(frozen=True)
class Issued:
    """A subscription with its secret in clear: shown once, at creation and at rotation."""

    subscription: Subscription
    secret: str


# --- managing subscriptions -----------------------------------------------------------------


def subscription_create(*, agent: Agent | None, name: str, url: str, events: list,
                        include_internal: bool = False, organisation: int | None = None,
                        now: datetime) -> Issued:
    """A new active subscription owned by ``agent``, with a fresh secret."""
    require_administrator(agent)
    values = _checked({"name": name, "url": url, "events": events,
                       "include_internal": include_internal, "organisation": organisation})
    secret = signing.new_secret()
    with transaction.atomic(durable=True):
        found = Subscription.objects.create(
            owner=agent, secret=secret, created_at=now, updated_at=now, **values)
    return Issued(subscription=found, secret=secret)


def subscription_update(*, agent: Agent | None, subscription_id: int, changes: dict,
                        now: datetime) -> Subscription:
    """Change any of ``FIELDS``. ``active: true`` re-enables a disabled subscription (its
    failure count starts again); ``active: false`` disables it, recorded as the agent's doing."""
    require_administrator(agent)
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"{unknown[0]} cannot be changed", field=unknown[0])
    with transaction.atomic(durable=True):
        found = _locked(subscription_id)
        merged = {"name": found.name, "url": found.url, "events": found.events,
                  "include_internal": found.include_internal,
                  "organisation": found.organisation_id, **changes}
        merged.pop("active", None)
        values = _checked(merged)
        if values["url"] != found.url:  # a new endpoint starts with a clean record
            found.failing_since, found.consecutive_failures = None, 0
        for field, value in values.items():
            setattr(found, field, value)
        if "active" in changes and changes["active"] is not None:
            _set_active(found, bool(changes["active"]), reason=f"disabled by {agent.name}",
                        now=now)
        found.updated_at = now
        found.save()
    return found


def subscription_rotate_secret(*, agent: Agent | None, subscription_id: int,
                               now: datetime) -> Issued:
    """A new secret; the old one still signs (as a second signature) for ``ROTATION_GRACE``."""
    require_administrator(agent)
    secret = signing.new_secret()
    with transaction.atomic(durable=True):
        found = _locked(subscription_id)
        found.previous_secret, found.previous_secret_until = found.secret, now + ROTATION_GRACE
        found.secret, found.updated_at = secret, now
        found.save(update_fields=["previous_secret", "previous_secret_until", "secret",
                                  "updated_at"])
    return Issued(subscription=found, secret=secret)


def delivery_replay(*, agent: Agent | None, subscription_id: int, delivery_id: int,
                    now: datetime) -> Delivery:
    """Send a delivery again, now: the same ``webhook-id`` and body, a fresh timestamp and
    signature. One attempt; the log shows its answer."""
    require_administrator(agent)
    with transaction.atomic(durable=True):
        found = _locked(subscription_id)
        if not found.active:
            raise Conflict("the subscription is disabled; enable it before replaying",
                           field="subscription")
        delivery = (Delivery.objects.select_for_update()
                    .filter(pk=delivery_id, subscription=found).first())
        if delivery is None:
            raise NotFound(f"delivery {delivery_id} not found", field="delivery")
        delivery.replays += 1
        delivery.save(update_fields=["replays"])
        enqueue(topic=DELIVER_TOPIC, key=f"webhook:replay:{delivery.pk}:{delivery.replays}",
                payload={"delivery": delivery.pk, "replay": delivery.replays}, now=now)
    return delivery


def require_administrator(agent: Agent | None) -> None:
    if agent is None or not agent.active or not agent.has_role(Agent.Role.ADMINISTRATOR):
        raise PermissionDenied("only an administrator can manage webhooks")


def _locked(subscription_id: int) -> Subscription:
    found = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
    if found is None:
        raise NotFound(f"webhook subscription {subscription_id} not found", field="subscription")
    return found


def _checked(values: dict) -> dict:
    name = str(values["name"] or "").strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"name must be 1 to {MAX_NAME} characters", field="name")
    url = values["url"]
    network.check_url(url)
    include_internal = bool(values["include_internal"])
    return {"name": name, "url": url.strip(), "include_internal": include_internal,
            "events": checked_events(values["events"], include_internal=include_internal),
            "organisation": _organisation(values["organisation"])}


def checked_events(events, *, include_internal: bool) -> list[str]:
    """The chosen kinds in ``EventKind`` order; InvalidInput naming the first bad one."""
    if not isinstance(events, list | tuple) or not events:
        raise InvalidInput("choose at least one event", field="events")
    chosen = set()
    for name in events:
        member = EventKind.of(str(name).removeprefix("ticket."))
        if member is None:
            raise InvalidInput(f"{name!r} is not an event; see docs/webhooks.md for the list",
                               field="events")
        if member.internal and not include_internal:
            raise InvalidInput(f"{member.value} is an internal event: set include_internal to "
                               "send internal events", field="events")
        chosen.add(member)
    return [k.value for k in EventKind if k in chosen]


def _organisation(value) -> Organisation | None:
    if value in (None, ""):
        return None
    try:
        return Organisation.objects.get(pk=int(value))
    except (Organisation.DoesNotExist, TypeError, ValueError):
        raise InvalidInput(f"organisation {value} does not exist", field="organisation") from None


def _set_active(found: Subscription, active: bool, *, reason: str, now: datetime) -> None:
    if active == found.active:
        return
    found.active = active
    if active:
        found.disabled_at, found.disabled_reason = None, ""
        found.failing_since, found.consecutive_failures = None, 0
    else:
        found.disabled_at, found.disabled_reason = now, reason


# --- delivering ----------------------------------------------------------------------------


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # the outbox tries again later
    GIVE_UP = "give_up"  # no more attempts: 410, the subscription disabled, or out of tries


def delivery_open(*, payload: dict, now: datetime) -> Delivery:
    """The delivery a planned outbox row stands for, written the first time it is handled
    (a second handling of the same row finds it by its ``webhook_id``)."""
    values = {"subscription_id": payload["subscription"], "event_type": payload["type"],
              "event_id": payload.get("event"), "ticket_number": payload.get("ticket"),
              "organisation_id": payload.get("organisation"),
              "internal": bool(payload.get("internal")), "body": payload["body"],
              "created_at": now}
    try:
        with transaction.atomic(durable=True):
            found, _ = Delivery.objects.get_or_create(webhook_id=payload["webhook_id"],
                                                      defaults=values)
    except IntegrityError:  # its subscription was deleted after planning
        raise NotFound(f"webhook subscription {payload['subscription']} no longer exists",
                       field="subscription") from None
    return found


def delivery_skip(*, delivery: Delivery) -> None:
    """A pending delivery whose subscription was disabled (or no longer may read it)."""
    Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.PENDING).update(
        state=Delivery.State.SKIPPED)


def attempt_record(*, delivery: Delivery, replay: int, outcome: Outcome, last_try: bool,
                   now: datetime) -> Verdict:
    """Log one attempt and decide what follows: 2xx delivered; 410 disables the subscription
    (the spec: the receiver wants no more); any other failure retries, unless it was the last
    try, or the subscription has now failed continuously for ``FAILING_WINDOW``, which
    disables it. Disabling tells the owner (an outbox row, in this transaction)."""
    with transaction.atomic(durable=True):
        sub = Subscription.objects.select_for_update().get(pk=delivery.subscription_id)
        DeliveryAttempt.objects.create(
            delivery=delivery, at=now, replay=replay, status_code=outcome.status_code,
            response_body=outcome.response_body, error=outcome.error,
            duration_ms=outcome.duration_ms)
        verdict = _verdict(sub, outcome, last_try=last_try or replay > 0, now=now)
        _track(delivery, outcome, verdict, now)
        sub.save(update_fields=["failing_since", "consecutive_failures", "active",
                                "disabled_at", "disabled_reason"])
    return verdict


def _verdict(sub: Subscription, outcome: Outcome, *, last_try: bool, now: datetime) -> Verdict:
    if outcome.succeeded:
        sub.failing_since, sub.consecutive_failures = None, 0
        return Verdict.DELIVERED
    sub.failing_since = sub.failing_since or now
    sub.consecutive_failures += 1
    if outcome.status_code == 410:
        _disable(sub, "the endpoint answered 410 Gone: it wants no more deliveries", now)
    elif sub.active and now - sub.failing_since >= FAILING_WINDOW:
        _disable(sub, f"every attempt since {sub.failing_since:%Y-%m-%d %H:%M} UTC failed "
                      f"({sub.consecutive_failures} in a row; the last {outcome.describe()})",
                 now)
    if not sub.active or last_try:
        return Verdict.GIVE_UP
    return Verdict.RETRY


def _disable(sub: Subscription, reason: str, now: datetime) -> None:
    if not sub.active:
        return
    _set_active(sub, False, reason=reason, now=now)
    enqueue(topic=NOTICE_TOPIC, key=f"webhook:disabled:{sub.pk}:{int(now.timestamp())}",
            payload={"subscription": sub.pk, "reason": reason}, now=now)


def _track(delivery: Delivery, outcome: Outcome, verdict: Verdict, now: datetime) -> None:
    changes = {"last_attempt_at": now, "last_status": outcome.status_code}
    if verdict == Verdict.DELIVERED:
        changes.update(state=Delivery.State.DELIVERED, delivered_at=now)
    elif verdict == Verdict.GIVE_UP and delivery.state != Delivery.State.DELIVERED:
        changes["state"] = Delivery.State.FAILED
    Delivery.objects.filter(pk=delivery.pk).update(**changes)
    for field, value in changes.items():
        setattr(delivery, field, value)


def deliveries_prune(*, now: datetime) -> int:
    """Forget deliveries (and their attempts) older than ``LOG_RETENTION``; how many."""
    with transaction.atomic(durable=True):
        old = Delivery.objects.filter(created_at__lt=now - LOG_RETENTION)
        DeliveryAttempt.objects.filter(delivery__in=old).delete()
        deleted, _ = old.delete()
    return deleted

