"""Webhook subscriptions through the API (administrators only): create, list, change, rotate
the secret, read the delivery log, replay a delivery. The secret is in the response to
``POST /webhooks`` and ``POST /webhooks/{id}/rotate`` and nowhere else. docs/webhooks.md
describes what subscribers receive and how to verify it."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict, StringConstraints

from pledgedesk.api import schemas as s
from pledgedesk.api.auth import Caller, caller_of
from pledgedesk.tickets.events import EventKind
from pledgedesk.webhooks import selectors, services
from pledgedesk.webhooks.models import Delivery, DeliveryAttempt, Subscription
from pledgedesk.webhooks.payloads import event_type

router = Router(tags=["webhooks"])
ERRORS = s.ERRORS
Url = Annotated[s.Text, StringConstraints(min_length=1, max_length=2000)]
Name = Annotated[s.Text, StringConstraints(min_length=1, max_length=100)]
EventName = Annotated[s.Text, StringConstraints(min_length=1, max_length=60)]
SubId = Annotated[int, Path(ge=1, le=s.MAX_ID)]
DeliveryId = Annotated[int, Path(ge=1, le=s.MAX_ID)]


class SubscriptionIn(s.In):
    name: Name
    url: Url = Field(description="https:// (or http://) to a public address; no credentials.")
    events: list[EventName] = Field(
        min_length=1, max_length=len(EventKind),
        description="Event kinds (``public_reply``) or types (``ticket.public_reply``); see "
                    "``GET /webhooks/event-types``.")
    include_internal: bool = Field(
        default=False, description="Also internal events and facts (internal notes, "
                                   "assignee, group, tags).")
    organisation: s.Id | None = Field(default=None, description="Only this organisation's "
                                      "tickets; null for every organisation's.")


class SubscriptionPatchIn(s.In):
    name: Name | None = None
    url: Url | None = None
    events: list[EventName] | None = Field(default=None, min_length=1,
                                           max_length=len(EventKind))
    include_internal: bool | None = None
    organisation: s.Id | None = Field(default=None, description="null: every organisation.")
    active: bool | None = Field(default=None, description="false disables it; true enables "
                                "it again (its failure count starts over).")


class SubscriptionOut(s.Out):
    id: int
    name: str
    url: str
    events: list[str]
    include_internal: bool
    organisation: s.Ref | None
    owner: s.Ref
    active: bool
    disabled_at: s.Instant | None
    disabled_reason: str
    failing_since: s.Instant | None = Field(description="First failure of the current run "
                                            "of failures; null after a success.")
    consecutive_failures: int
    previous_secret_valid_until: s.Instant | None = Field(
        description="After a rotation, messages carry the old secret's signature too until "
                    "then.")
    created_at: s.Instant
    updated_at: s.Instant


class SecretOut(SubscriptionOut):
    secret: str = Field(description="whsec_ + base64: shown in this response only.")


class EventTypeOut(s.Out):
    type: str
    kind: str
    internal: bool = Field(description="Sent only to subscriptions with include_internal.")
    label: str


class AttemptOut(s.Out):
    at: s.Instant
    replay: int = Field(description="0 for the planned delivery and its retries; n for the "
                                    "n-th replay.")
    status_code: int | None
    response_body: str = Field(description="The first 1,024 bytes of the answer.")
    error: str = Field(description="Why there was no answer (refused address, time-out).")
    duration_ms: int


class DeliveryOut(s.Out):
    id: int
    webhook_id: str
    type: str
    event_id: int | None
    ticket: int | None
    state: str = Field(description="pending, delivered, failed or skipped.")
    created_at: s.Instant
    last_attempt_at: s.Instant | None
    last_status: int | None
    delivered_at: s.Instant | None
    replays: int


class DeliveryDetailOut(DeliveryOut):
    body: str = Field(description="The exact JSON text sent and signed.")
    attempts: list[AttemptOut]


class DeliveryPageOut(s.Out):
    deliveries: list[DeliveryOut]
    next_before: int | None = Field(description="Pass as ``before`` for the next page.")


class LogQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    before: s.Id | None = None
    limit: int = Field(default=selectors.LOG_PAGE, ge=1, le=200)


def _admin(request) -> Caller:
    caller = caller_of(request)
    services.require_administrator(caller.principal.agent)
    return caller


@router.get("/webhooks", response={200: list[SubscriptionOut], **ERRORS},
            summary="Webhook subscriptions (administrators)")
def subscriptions(request):
    _admin(request)
    return [_subscription(sub) for sub in selectors.subscription_list()]


@router.post("/webhooks", response={201: SecretOut, **ERRORS},
             summary="Subscribe a URL to ticket events; the secret is in this response only")
def create(request, payload: SubscriptionIn):
    caller = _admin(request)
    issued = services.subscription_create(agent=caller.principal.agent, now=caller.now,
                                          **payload.model_dump())
    return Status(201, _secret(issued))


@router.get("/webhooks/event-types", response={200: list[EventTypeOut], **ERRORS},
            summary="The events a subscription may choose (administrators)")
def event_types(request):
    _admin(request)
    return [EventTypeOut(type=event_type(k.value), kind=k.value, internal=k.internal,
                         label=k.label) for k in EventKind]


@router.get("/webhooks/{subscription_id}", response={200: SubscriptionOut, **ERRORS},
            summary="One webhook subscription (administrators)")
def subscription(request, subscription_id: SubId):
    _admin(request)
    return _subscription(selectors.subscription_get(subscription_id))


@router.patch("/webhooks/{subscription_id}", response={200: SubscriptionOut, **ERRORS},
              summary="Change a subscription, or disable or enable it (administrators)")
def update(request, subscription_id: SubId, payload: SubscriptionPatchIn):
    caller = _admin(request)
    services.subscription_update(agent=caller.principal.agent, subscription_id=subscription_id,
                                 changes=payload.model_dump(exclude_unset=True), now=caller.now)
    return _subscription(selectors.subscription_get(subscription_id))


@router.post("/webhooks/{subscription_id}/rotate", response={200: SecretOut, **ERRORS},
             summary="A new secret; the old one also signs for 24 hours (administrators)")
def rotate(request, subscription_id: SubId):
    caller = _admin(request)
    return _secret(services.subscription_rotate_secret(
        agent=caller.principal.agent, subscription_id=subscription_id, now=caller.now))


@router.get("/webhooks/{subscription_id}/deliveries",
            response={200: DeliveryPageOut, **ERRORS},
            summary="The delivery log, newest first (administrators)")
def deliveries(request, subscription_id: SubId, query: Query[LogQuery]):
    _admin(request)
    sub = selectors.subscription_get(subscription_id)
    rows = selectors.delivery_log(sub, before=query.before, limit=query.limit)
    return DeliveryPageOut(deliveries=[_delivery(d) for d in rows],
                           next_before=rows[-1].pk if len(rows) == query.limit else None)


@router.get("/webhooks/{subscription_id}/deliveries/{delivery_id}",
            response={200: DeliveryDetailOut, **ERRORS},
            summary="One delivery with its body and every attempt (administrators)")
def delivery(request, subscription_id: SubId, delivery_id: DeliveryId):
    _admin(request)
    found = selectors.delivery_get(selectors.subscription_get(subscription_id), delivery_id)
    return DeliveryDetailOut(**_delivery(found).model_dump(), body=found.body,
                             attempts=[_attempt(a) for a in selectors.delivery_attempts(found)])


@router.post("/webhooks/{subscription_id}/deliveries/{delivery_id}/replay",
             response={202: DeliveryOut, **ERRORS},
             summary="Send a delivery again: same webhook-id and body, fresh signature "
                     "(administrators)")
def replay(request, subscription_id: SubId, delivery_id: DeliveryId):
    caller = _admin(request)
    found = services.delivery_replay(agent=caller.principal.agent,
                                     subscription_id=subscription_id, delivery_id=delivery_id,
                                     now=caller.now)
    return Status(202, _delivery(found))


def _subscription(sub: Subscription) -> SubscriptionOut:
    org = sub.organisation
    return SubscriptionOut(
        id=sub.pk, name=sub.name, url=sub.url, events=list(sub.events),
        include_internal=sub.include_internal,
        organisation=s.Ref(id=org.pk, name=org.name) if org else None,
        owner=s.Ref(id=sub.owner.pk, name=sub.owner.name), active=sub.active,
        disabled_at=sub.disabled_at, disabled_reason=sub.disabled_reason,
        failing_since=sub.failing_since, consecutive_failures=sub.consecutive_failures,
        previous_secret_valid_until=sub.previous_secret_until if sub.previous_secret else None,
        created_at=sub.created_at, updated_at=sub.updated_at)


def _secret(issued: services.Issued) -> SecretOut:
    return SecretOut(**_subscription(issued.subscription).model_dump(), secret=issued.secret)


def _delivery(found: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=found.pk, webhook_id=found.webhook_id, type=found.event_type,
        event_id=found.event_id, ticket=found.ticket_number, state=found.state,
        created_at=found.created_at, last_attempt_at=found.last_attempt_at,
        last_status=found.last_status, delivered_at=found.delivered_at, replays=found.replays)


def _attempt(attempt: DeliveryAttempt) -> AttemptOut:
    return AttemptOut(at=attempt.at, replay=attempt.replay, status_code=attempt.status_code,
                      response_body=attempt.response_body, error=attempt.error,
                      duration_ms=attempt.duration_ms)
