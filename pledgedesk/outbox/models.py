"""The outbox: every side effect of a change, written in the change's own transaction.

A row says what must happen once (its ``key``), to whom and with what (``topic``, ``payload``).
The worker claims due rows, calls the topic's handler after commit and outside any transaction,
and records the outcome. Delivery is at least once: a worker killed mid-delivery leaves its
claim to expire, and another worker delivers the row again, so every receiver deduplicates (a
mail's Message-ID and a webhook's id are derived from the row's key).
"""

from __future__ import annotations

from django.db import models


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending"  # due at next_attempt_at (a claim may hold it until claimed_until)
        DELIVERED = "delivered"
        FAILED = "failed"  # gave up: visible on the ticket and in the console, can be retried

    topic = models.CharField(max_length=40)
    key = models.CharField(max_length=200, unique=True)  # what must happen once
    payload = models.JSONField(default=dict)
    # Plain integers, not foreign keys: the outbox sits below tickets and must not import
    # them; a ticket's deliveries are found by this column (indexed below).
    ticket_id = models.BigIntegerField(null=True, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claim = models.CharField(max_length=32, blank=True)  # the holder's token for this claim
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The worker's one query: pending rows by due instant. Delivered rows leave it.
            models.Index(fields=["next_attempt_at", "id"], name="outbox_due",
                         condition=models.Q(state="pending")),
            models.Index(fields=["ticket_id", "id"], name="outbox_ticket",
                         condition=models.Q(ticket_id__isnull=False)),
            models.Index(fields=["state", "topic", "id"], name="outbox_state"),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.topic} {self.key} ({self.state})"
