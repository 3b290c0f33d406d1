"""What each agent is told, and how they want to be told it."""

from __future__ import annotations

from django.db import models

from pledgedesk.accounts.models import Agent


class Kind(models.TextChoices):
    NEW_TICKET = "new_ticket", "New ticket in one of my groups"
    ASSIGNED = "assigned", "Ticket assigned to me"
    CUSTOMER_REPLIED = "customer_replied", "Customer replied on my ticket"
    SLA_WARNING = "sla_warning", "SLA warning on my ticket"
    SLA_BREACHED = "sla_breached", "SLA breached on my ticket"
    PAGE = "page", "I was paged"


# Mailed at once unless the agent chose otherwise; every kind is always in the console list.
EMAIL_BY_DEFAULT = [Kind.ASSIGNED, Kind.CUSTOMER_REPLIED, Kind.SLA_WARNING, Kind.SLA_BREACHED,
                    Kind.PAGE]


def _email_default() -> list[str]:
    return [str(k) for k in EMAIL_BY_DEFAULT]


class NotifySettings(models.Model):
    agent = models.OneToOneField(Agent, on_delete=models.CASCADE, related_name="notify")
    email_kinds = models.JSONField(default=_email_default)  # kinds mailed
    console_kinds = models.JSONField(default=list)  # kinds in the console list ([] = all)
    # A digest collects the mailed kinds (pages excepted: they are never delayed) into one
    # mail every ``digest_minutes``.
    digest = models.BooleanField(default=False)
    digest_minutes = models.PositiveSmallIntegerField(default=60)

    def __str__(self) -> str:
        return f"notifications of {self.agent}"


class Notification(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ticket_id = models.BigIntegerField()
    ticket_number = models.BigIntegerField()
    event_id = models.BigIntegerField()
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # Mail: "" not to be mailed, "now" mailed on its own, "digest" waiting for one.
    mail = models.CharField(max_length=6, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One notice per agent per event and kind, however often the event is planned.
            models.UniqueConstraint(fields=["agent", "event_id", "kind"], name="notify_once"),
        ]
        indexes = [
            models.Index(fields=["agent", "read_at", "id"], name="notify_unread"),
            models.Index(fields=["mail", "mailed_at", "agent"], name="notify_digest",
                         condition=models.Q(mail="digest", mailed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.agent}: {self.text}"
