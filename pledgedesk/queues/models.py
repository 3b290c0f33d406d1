"""Saved views of the console queue (issue 16): an agent's filters, sort and columns under a
name, personal or shared with every agent."""

from __future__ import annotations

from django.db import models

from pledgedesk.accounts.models import Agent


class SavedView(models.Model):
    class Sort(models.TextChoices):
        QUEUE = "queue", "Priority, then time received"
        SLA_DUE = "sla_due", "SLA due, soonest first"

    owner = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=80)
    shared = models.BooleanField(default=False)
    # Keys of ``queues.spec.FILTERS``; validated by ``queues.spec`` before they are stored.
    filters = models.JSONField(default=dict, blank=True)
    sort = models.CharField(max_length=10, choices=Sort.choices, default=Sort.QUEUE)
    columns = models.JSONField(default=list, blank=True)  # keys of ``queues.spec.COLUMNS``
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_owner_name"),
        ]
        indexes = [models.Index(fields=["shared", "name"], name="saved_view_shared")]

    def __str__(self) -> str:
        return self.name
