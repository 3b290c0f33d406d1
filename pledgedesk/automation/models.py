"""What the SLA sweep and the escalation chains remember, so each fires exactly once.

``SlaCrossing`` is the "fired" table: one row per (ticket, metric, kind, instant crossed), its
unique constraint deciding which of two racing sweeps records the warning or the breach (never a
check-then-insert; ``automation.sweep``). ``StepRun`` does the same for each escalation step
(its outbox key).
``SweepMark`` is the sweep's persisted high-water mark: the instant up to which crossings were
looked for, so the next sweep reads only the timers whose instant fell since then.
"""

from __future__ import annotations

from django.db import models

from pledgedesk.tickets.models import Ticket


class SweepMark(models.Model):
    name = models.CharField(max_length=30, unique=True)  # "sla"
    swept_to = models.DateTimeField()


class SlaCrossing(models.Model):
    class Kind(models.TextChoices):
        WARNING = "warning"
        BREACH = "breach"

    # Indexed by the unique constraint below, which leads with the ticket.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    metric = models.CharField(max_length=30)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The start of the clock, recorded by sweeps before 0002_sweep; later sweeps read no engine,
    # and the escalation planner works the cycle out from the history (``automation.chains``).
    cycle = models.DateTimeField(null=True, blank=True,
                                 help_text="The start of the clock (the follow-up cycle).")
    instant = models.DateTimeField(help_text="The warning or late instant it crossed.")
    fired_at = models.DateTimeField()
    sweep = models.CharField(max_length=32, help_text="The sweep run that recorded it.")
    event_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "metric", "kind", "instant"],
                                    name="sla_crossing_instant_once"),
        ]


class StepRun(models.Model):
    """An escalation step that ran (or found nothing to do), keyed like its outbox row."""

    key = models.CharField(max_length=200, unique=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=20)
