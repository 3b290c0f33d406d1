"""Professional Services (issue 17): time on tickets, prepaid hour banks (RK-10), courtesy work
(RK-11), recorded exceptions (RL-11) and the engagement pipeline (FG-12).

Nothing here changes by itself: ``proservices.services`` writes every row, each change in one
transaction, the hour bank's balance under its row lock.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from pledgedesk.accounts.models import Agent, Contact, Organisation
from pledgedesk.tickets.models import Ticket


class HourBank(models.Model):
    """Prepaid hours an organisation bought from a tier of the policy's paid team (RK-10).
    ``balance_minutes`` is the bought minutes less billable time drawn from it; it may go
    negative only where the policy allows work at zero (``at_zero = "allow_and_flag"``)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="hour_banks")
    team = models.CharField(max_length=50)
    tier = models.CharField(max_length=50)
    minutes_bought = models.PositiveIntegerField()
    balance_minutes = models.IntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()  # exclusive: the term is starts_on <= day < ends_on
    bought_by = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_at = models.DateTimeField()
    # How many times the balance fell below the policy's threshold: one notice each.
    crossings = models.PositiveIntegerField(default=0)
    flagged_at = models.DateTimeField(null=True, blank=True)  # went below zero (allow_and_flag)

    class Meta:
        indexes = [models.Index(fields=["organisation", "starts_on"], name="ps_bank_org")]

    def __str__(self) -> str:
        return f"{self.tier} ({self.starts_on})"


class ThresholdNotice(models.Model):
    """The primary contact was told to replenish: one row per crossing of the line."""

    bank = models.ForeignKey(HourBank, on_delete=models.CASCADE, related_name="notices")
    crossing = models.PositiveIntegerField()
    balance_minutes = models.IntegerField()
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bank", "crossing"],
                                               name="ps_notice_once_per_crossing")]


class PsCase(models.Model):
    """A ticket that is a Professional Services case, drawing on its organisation's bank."""

    class Source(models.TextChoices):
        TITLE_MARKER = "title_marker"
        AGENT = "agent"

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="ps_case")
    source = models.CharField(max_length=20, choices=Source.choices)
    opened_by = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    reason = models.TextField(blank=True)
    opened_at = models.DateTimeField()


class TimeEntry(models.Model):
    """Time an agent spent on a ticket. Courtesy time (RK-11) is out-of-scope work done at the
    desk's discretion, with its reason; it never draws on a bank."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_entries")
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveIntegerField()
    worked_on = models.DateField()
    billable = models.BooleanField(default=False)
    courtesy = models.BooleanField(default=False)
    courtesy_reason = models.TextField(blank=True)
    note = models.TextField(blank=True)
    bank = models.ForeignKey(HourBank, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="entries")
    over_zero = models.BooleanField(default=False)  # logged while the bank was empty
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ticket", "created_at"], name="ps_time_ticket"),
                   models.Index(fields=["bank", "created_at"], name="ps_time_bank")]
        constraints = [
            models.CheckConstraint(condition=Q(courtesy=False) | ~Q(courtesy_reason=""),
                                   name="ps_courtesy_has_reason"),
            models.CheckConstraint(condition=Q(courtesy=False) | Q(billable=False),
                                   name="ps_courtesy_not_billable"),
        ]


class PolicyException(models.Model):
    """An agent's exception to policy, with its reason (RL-11)."""

    class Kind(models.TextChoices):
        PRIORITY = "priority", "A priority the plan does not include"
        OUT_OF_SCOPE = "out_of_scope", "Work out of scope"
        TARGET_WAIVED = "target_waived", "A target waived"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="+")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["organisation", "created_at"], name="ps_exc_org"),
                   models.Index(fields=["agent", "created_at"], name="ps_exc_agent")]
        constraints = [models.CheckConstraint(condition=~Q(reason=""),
                                              name="ps_exception_has_reason")]


class Engagement(models.Model):
    """A Professional Services engagement moving through the policy's stages (FG-12)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="engagements")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    stage = models.CharField(max_length=50)
    passed = models.JSONField(default=list)  # stage keys reached so far, in order
    po_number = models.CharField(max_length=100, blank=True)
    project_manager = models.ForeignKey(Agent, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    engineer = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    overview_at = models.DateTimeField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    stage_changed_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["stage", "stage_changed_at"], name="ps_eng_board"),
                   models.Index(fields=["organisation", "created_at"], name="ps_eng_org")]

    def __str__(self) -> str:
        return self.title


def engagement_document_path(instance: EngagementDocument, filename: str) -> str:
    return f"engagements/{instance.engagement_id}/{instance.stage}/{filename}"


class EngagementDocument(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE,
                                   related_name="documents")
    stage = models.CharField(max_length=50)
    file = models.FileField(upload_to=engagement_document_path, max_length=300)
    filename = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField()


class EngagementMove(models.Model):
    """Every stage move, with who and when: the engagement's history."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="moves")
    from_stage = models.CharField(max_length=50, blank=True)
    to_stage = models.CharField(max_length=50)
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    facts = models.JSONField(default=dict)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["engagement", "at"], name="ps_move_eng")]


class Defect(models.Model):
    """A suspected product defect on a ticket (RK-5): its reference in the development team's
    tracker, the workaround given (if any) and the defect's own priority."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="defect")
    reference = models.CharField(max_length=300)
    team = models.CharField(max_length=50)
    workaround = models.TextField(blank=True)
    priority = models.CharField(max_length=50, blank=True)
    reported_by = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField()


class FeatureRequest(models.Model):
    """A feature request routed to the team that owns it (RL-8); its status is the customer's
    to see."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        UNDER_REVIEW = "under_review", "Under review"
        PLANNED = "planned", "Planned"
        SHIPPED = "shipped", "Shipped"
        DECLINED = "declined", "Declined"

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE,
                                  related_name="feature_request")
    team = models.CharField(max_length=50)
    summary = models.CharField(max_length=300)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    # The agent who took the ticket as a feature request; None when the customer asked for it
    # as one (portal, API), the ticket's requester then.
    opened_by = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
