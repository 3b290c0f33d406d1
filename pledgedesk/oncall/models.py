"""On-call schedules (FG-11) and pages (FG-8).

A schedule answers the pages of one desk: the support policy its organisations are served
under (``Organisation.policy_key``; agents see every ticket, so a policy's desk is what a page
is routed by). Its layers rotate agents with hand-offs kept as *local wall times* (a date and a
time of day, no offset), overrides and swaps are entered by agents, and ``rotation.timeline``
turns all of it into shifts. Pages record every notification: who was paged, how, when, and
whether it was actually sent.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from pledgedesk.accounts.models import Agent
from pledgedesk.tickets.models import Ticket


class Schedule(models.Model):
    policy_key = models.CharField(
        max_length=100, unique=True,
        help_text="The support policy whose after-hours pages this schedule answers.")
    name = models.CharField(max_length=200)
    zone = models.CharField(max_length=64, help_text="IANA zone of hand-offs and restrictions.")
    lead = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", help_text="Paged last, when nobody acknowledged.")
    ack_timeout_minutes = models.PositiveIntegerField(
        default=15, help_text="Minutes a notification waits for an acknowledgement.")
    repeats = models.PositiveIntegerField(
        default=2, help_text="Times a responder is paged again before the next one is.")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(ack_timeout_minutes__gte=1),
                                              name="schedule_ack_timeout_positive")]

    def __str__(self) -> str:
        return self.name


class Layer(models.Model):
    class Unit(models.TextChoices):
        DAYS = "days"
        WEEKS = "weeks"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="layers")
    name = models.CharField(max_length=100)
    level = models.IntegerField(help_text="A higher level overrides a lower one.")
    every = models.PositiveIntegerField(default=1)
    unit = models.CharField(max_length=5, choices=Unit.choices, default=Unit.WEEKS)
    # The first hand-off as a wall time in the schedule's zone (never an instant: a frozen
    # offset moves the hand-off by an hour after a DST change, grafana oncall#3261).
    handoff_date = models.DateField()
    handoff_time = models.TimeField()
    restrict_days = models.JSONField(default=list, blank=True,
                                     help_text="Weekdays 0 (Mon)..6; empty: no restriction.")
    restrict_start = models.TimeField(null=True, blank=True)
    restrict_end = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["-level", "id"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "level"], name="layer_level_unique"),
            models.CheckConstraint(condition=Q(every__gte=1), name="layer_every_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class LayerMember(models.Model):
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="members")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["layer", "position"], name="member_position_unique"),
            models.UniqueConstraint(fields=["layer", "agent"], name="member_agent_unique"),
        ]


class Override(models.Model):
    """``agent`` covers the schedule from ``start`` to ``end`` (UTC), whoever's turn it is."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(Agent, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["schedule", "end"])]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")),
                                              name="override_ends_after_start")]


class Swap(models.Model):
    """``first`` and ``second`` exchange their shifts between start and end, once ``second``
    (or a lead) accepts what ``first`` proposed."""

    class State(models.TextChoices):
        PROPOSED = "proposed"
        ACCEPTED = "accepted"
        DECLINED = "declined"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="swaps")
    first = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    created_by = models.ForeignKey(Agent, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["schedule", "state", "end"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")),
                                   name="swap_ends_after_start"),
            models.CheckConstraint(condition=~Q(first=models.F("second")),
                                   name="swap_two_agents"),
        ]


class ContactMethod(models.Model):
    """A signed webhook a page is sent to (an SMS/voice provider, a paging service). The
    secret signs, so it is kept to sign with; it is shown once, at creation, never again."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="oncall_methods")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100)
    routing_key = models.CharField(max_length=64, blank=True,
                                   help_text="PagerDuty Events API v2 integration key, if any.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField()


class FeedToken(models.Model):
    """An agent's secret iCalendar feed URL; only the SHA-256 digest is kept."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="oncall_feeds")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)


class Page(models.Model):
    class State(models.TextChoices):
        TRIGGERED = "triggered"
        ACKNOWLEDGED = "acknowledged"
        ESCALATED = "escalated"
        RESOLVED = "resolved"

    OPEN = (State.TRIGGERED, State.ESCALATED)

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pages")
    schedule = models.ForeignKey(Schedule, null=True, on_delete=models.SET_NULL,
                                 related_name="pages")
    source = models.CharField(max_length=50)
    reason = models.CharField(max_length=300)
    state = models.CharField(max_length=12, choices=State.choices, default=State.TRIGGERED)
    # Whom to page, in order (the on-call agent, each layer's, the lead), fixed at creation.
    responders = models.JSONField(default=list)
    target = models.PositiveIntegerField(default=0)  # index in responders
    attempt = models.PositiveIntegerField(default=0)  # notifications of the current target
    step = models.PositiveIntegerField(default=0)  # notifications requested so far
    next_step_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    acknowledged_via = models.CharField(max_length=20, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        indexes = [models.Index(fields=["next_step_at"], name="page_due",
                                condition=Q(state__in=["triggered", "escalated"])),
                   models.Index(fields=["-created_at", "-id"], name="page_recent")]
        constraints = [models.UniqueConstraint(fields=["ticket", "source"],
                                               name="page_once_per_ticket_source")]

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN


class PageNotification(models.Model):
    """One notification of a page: to whom, how, when requested and when actually sent."""

    class Method(models.TextChoices):
        EMAIL = "email"
        WEBHOOK = "webhook"

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="notifications")
    step = models.PositiveIntegerField()
    action = models.CharField(max_length=12, default="trigger")  # trigger/acknowledge/resolve
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=8, choices=Method.choices)
    contact_method = models.ForeignKey(ContactMethod, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    to = models.CharField(max_length=500)
    key = models.CharField(max_length=200, unique=True)  # the outbox row's key
    requested_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)  # the page was answered first
    # The single-use acknowledge link: HMAC-derived token, its digest kept, never the token.
    ack_nonce = models.CharField(max_length=32, blank=True)
    ack_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    ack_expires_at = models.DateTimeField(null=True, blank=True)
    ack_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
