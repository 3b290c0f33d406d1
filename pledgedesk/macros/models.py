"""Macros: canned replies an agent picks from the reply box. A macro's body may name a few
placeholders (``pledgedesk.macros.placeholders``) and it may also set fields of the ticket
(status, priority, group) and add tags. Personal macros (``owner`` set) are their owner's
alone; shared ones (``owner`` empty) are every agent's."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from pledgedesk.accounts.models import Agent, AgentGroup

MAX_NAME = 100
MAX_BODY = 20_000
MAX_TAGS = 20


class Macro(models.Model):
    name = models.CharField(max_length=MAX_NAME)
    body = models.TextField()
    owner = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="macros")
    created_by = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    status = models.CharField(max_length=50, blank=True)  # "" leaves the status as it is
    priority = models.CharField(max_length=50, blank=True)
    group = models.ForeignKey(AgentGroup, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    tags = models.JSONField(default=list, blank=True)  # added to the ticket's tags
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="macro_personal_name"),
            models.UniqueConstraint(fields=["name"], condition=Q(owner__isnull=True),
                                    name="macro_shared_name"),
        ]

    @property
    def shared(self) -> bool:
        return self.owner_id is None

    def __str__(self) -> str:
        return self.name
