"""Webhook subscriptions, the messages planned for them and every attempt to deliver one.

- ``Subscription``: an administrator's endpoint (URL, signing secret, chosen event kinds,
  optionally one customer organisation's tickets only). The secret is kept in clear because
  signing needs it; it is shown once (creation, rotation) and never logged or rendered again.
- ``Delivery``: one message for one subscription, written by the ``webhook`` outbox handler
  the first time it runs. ``webhook_id`` is the Standard Webhooks id: the same for every
  retry and replay, so a receiver drops duplicates. ``body`` is the exact JSON text signed and
  sent, so a replay sends the same bytes.
- ``DeliveryAttempt``: one HTTP request (or the reason none was made) and its answer.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from pledgedesk.accounts.models import Agent, Organisation


class Subscription(models.Model):
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=2000)
    secret = models.CharField(max_length=100)
    # The secret before the last rotation: messages carry its signature too until this instant.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    events = models.JSONField(default=list, help_text="EventKind values to send.")
    include_internal = models.BooleanField(
        default=False, help_text="Also internal events and facts (internal notes, assignee).")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text="Only this organisation's tickets; empty for every organisation's.")
    owner = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="+",
                              help_text="The administrator told when it is disabled.")
    active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True)
    # The current run of failed attempts: since when, and how many (reset by a success).
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(active=True) | Q(disabled_at__isnull=False),
                                   name="webhook_subscription_disabled_when"),
        ]

    def __str__(self) -> str:
        return self.name

    def signing_secrets(self, now) -> list[str]:
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_until and now < \
                self.previous_secret_until:
            secrets.append(self.previous_secret)
        return secrets


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending"  # being tried; the outbox retries it
        DELIVERED = "delivered"  # a 2xx answer
        FAILED = "failed"  # out of attempts, or the endpoint answered 410
        SKIPPED = "skipped"  # the subscription was disabled before it could be sent

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE,
                                     related_name="deliveries", db_index=False)
    webhook_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=60)
    event_id = models.BigIntegerField(null=True, blank=True)
    ticket_number = models.BigIntegerField(null=True, blank=True)
    # What the body was built for, checked again before each send: a subscription narrowed to
    # one organisation, or no longer taking internal events, is not sent what it no longer may.
    organisation_id = models.BigIntegerField(null=True, blank=True)
    internal = models.BooleanField(default=False)
    body = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replays = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["subscription", "-id"], name="webhook_delivery_log"),
            models.Index(fields=["created_at"], name="webhook_delivery_age"),  # pruning
        ]


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts",
                                 db_index=False)
    at = models.DateTimeField()
    replay = models.PositiveIntegerField(default=0, help_text="0: planned delivery; n: replay n.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The first characters only.")
    error = models.TextField(blank=True, help_text="Why no HTTP answer (refused, timed out).")
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["delivery", "-id"], name="webhook_attempt_log")]

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
