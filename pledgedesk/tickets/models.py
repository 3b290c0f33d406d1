"""Tickets, their conversation, their append-only history and their persisted SLA timers.

Nothing here changes a ticket by itself: every change goes through ``tickets.services``, which
writes the ticket, one ``TicketEvent`` per changed fact and the recomputed ``SlaTimer`` rows in
one transaction.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q

from pledgedesk.accounts.models import Agent, AgentGroup, Contact, Organisation
from pledgedesk.versions.models import PolicyVersion

# Status categories in which a ticket is still in the queue (the policy's New, Open, Pending
# and On-Hold kinds); Solved and Closed tickets leave it.
OPEN_CATEGORIES = ("new", "open", "pending", "on_hold")


class TicketNumber(models.Model):
    """The last ticket number handed out, one row: SQLite's numbering. PostgreSQL uses a
    sequence instead (``pledgedesk.tickets.numbers``)."""

    last = models.BigIntegerField(default=0)


class Ticket(models.Model):
    class Hold(models.TextChoices):
        NONE = ""
        AWAITING_AUTHORISATION = "awaiting_authorisation"
        NEEDS_ACCOUNT_LOOKUP = "needs_account_lookup"

    number = models.BigIntegerField(unique=True)
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    # No single-column index on organisation, requester, group or assignee: each leads one of
    # the composite indexes below, which serve the same look-ups (and foreign-key checks), so
    # a second index would only be one more to write on every insert and update.
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets",
        db_index=False,
    )
    requester = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets",
        db_index=False,
    )
    caller_number = models.CharField(max_length=20, blank=True)
    cc = models.ManyToManyField(Contact, blank=True, related_name="cc_tickets")
    created_by_agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=250)
    description = models.TextField(blank=True)
    channel = models.CharField(max_length=20)
    plan = models.CharField(max_length=50)
    priority = models.CharField(max_length=50)
    priority_rank = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=50)
    status_category = models.CharField(max_length=10)
    hold = models.CharField(max_length=30, choices=Hold.choices, blank=True, default="")
    group = models.ForeignKey(
        AgentGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets",
        db_index=False,
    )
    assignee = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets",
        db_index=False,
    )
    topic = models.CharField(max_length=100, blank=True)
    tags = models.JSONField(default=list, blank=True)
    out_of_scope = models.BooleanField(default=False)
    administrator_not_included = models.BooleanField(default=False)
    exclusions = models.JSONField(default=list, blank=True)
    identity_verified = models.BooleanField(default=False)
    escalation_requested_at = models.DateTimeField(null=True, blank=True)
    page_on_call = models.BooleanField(default=False)
    intake_notes = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)
    # Set when this ticket was merged into another (tickets.merge): it is closed, and its
    # conversation continues there. Indexed only where set: the few merged tickets.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_from", db_index=False)

    class Meta:
        indexes = [
            models.Index(fields=["merged_into"], name="ticket_merged_into",
                         condition=Q(merged_into__isnull=False)),
            # The queue (RK-8, FG-6): priority rank, then time received; keyset on (rank,
            # received_at, id) so every page is an index range scan.
            models.Index(
                fields=["priority_rank", "received_at", "id"], name="ticket_queue",
                condition=Q(status_category__in=list(OPEN_CATEGORIES)),
            ),
            models.Index(fields=["assignee", "priority_rank", "received_at", "id"],
                         name="ticket_queue_assignee"),
            models.Index(fields=["group", "priority_rank", "received_at", "id"],
                         name="ticket_queue_group"),
            models.Index(fields=["organisation", "received_at"], name="ticket_org"),
            # An organisation's open queue (the portal list for primary contacts and
            # Administrators, the console's organisation filter): a range scan at 1M tickets
            # instead of sorting every ticket the organisation ever had.
            models.Index(
                fields=["organisation", "priority_rank", "received_at", "id"],
                name="ticket_queue_org",
                condition=Q(status_category__in=list(OPEN_CATEGORIES)),
            ),
            models.Index(fields=["requester", "received_at"], name="ticket_requester"),
            # Status and priority filters: a range scan in queue order even when the filter
            # matches almost nothing (without these, such a page scanned the whole queue index:
            # 344 ms and 785 ms at 1M tickets on SQLite).
            models.Index(fields=["status", "priority_rank", "received_at", "id"],
                         name="ticket_queue_status"),
            models.Index(
                fields=["priority", "priority_rank", "received_at", "id"],
                name="ticket_queue_priority",
                condition=Q(status_category__in=list(OPEN_CATEGORIES)),
            ),
            # Reports (issue 19, migration 0011): the tickets received in a period with every
            # column a report groups by, so a quarter is one index range scan.
            models.Index(fields=["received_at"], name="ticket_report_received",
                         include=["id", "policy_version", "plan", "priority", "organisation",
                                  "group", "assignee", "merged_into"]),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"


class Message(models.Model):
    """A public reply, customer message or internal note. Bodies are stored as given and are
    sanitised (nh3) or escaped whenever they are shown."""

    class Visibility(models.TextChoices):
        PUBLIC = "public"
        INTERNAL = "internal"

    # Indexed by (ticket, created_at, id) below; no second index on ticket alone.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages",
                               db_index=False)
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    author_agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=20)
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ticket", "created_at", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=~(Q(visibility="internal") & Q(author_agent__isnull=True)),
                name="internal_note_has_agent",
            ),
        ]


def storage_name(sha256: str) -> str:
    """Never the uploaded name (user input) and never shared: a random suffix keeps two
    uploads of the same bytes apart, so removing one (a rolled-back change) cannot remove a
    file another attachment still points at. The one naming rule: ``upload_to`` below and the
    services' staging (tickets.attachments) both use it."""
    return f"{sha256[:2]}/{sha256}-{secrets.token_hex(8)}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return storage_name(instance.sha256)


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()


class TicketEvent(models.Model):
    """One change to a ticket: who, when, through which channel, old and new value.

    Append-only: services insert, nothing updates or deletes. The SLA engine's history, the
    ticket history page and audit reports all read this table.
    """

    # Indexed by (ticket, at, id) below; no second index on ticket alone.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events",
                               db_index=False)
    at = models.DateTimeField()
    kind = models.CharField(max_length=30)
    actor_agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=20, blank=True)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["ticket", "at", "id"]),
            # Reports (issue 19, migration 0011): status and priority changes in a period.
            models.Index(fields=["at"], name="ticket_event_state_at", condition=Q(kind__in=[
                "created", "status_changed", "reopened", "priority_changed"])),
        ]


class SlaTimer(models.Model):
    """The SLA engine's verdict for one (ticket, metric), kept as queryable columns so queues,
    "breaching in the next hour" and compliance reports are index scans (FreeScout#2074)."""

    # Indexed by the (ticket, metric) unique constraint below; no second index on ticket.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="timers",
                               db_index=False)
    metric = models.CharField(max_length=30)
    state = models.CharField(max_length=20)
    due_at = models.DateTimeField(null=True, blank=True)
    # The engine's ``late_at``: a running row is breached strictly after it (the next opening
    # when ``due_at`` is a closing time). Set exactly when ``due_at`` is (a constraint below),
    # so the queue's SQL reads this column alone, as ``sla.timer_state_at`` does.
    late_at = models.DateTimeField(null=True, blank=True)
    goal_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_by_minutes = models.PositiveIntegerField(null=True, blank=True)
    used_seconds = models.BigIntegerField(default=0)
    paused_seconds = models.BigIntegerField(default=0)
    reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "metric"], name="sla_timer_unique"),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True, late_at__isnull=True)
                | Q(due_at__isnull=False, late_at__isnull=False),
                name="sla_timer_late_with_due"),
        ]
        indexes = [
            # "Breaching within N minutes" and "already breached" (tickets.selectors) range
            # over late_at among unmet running or breached rows: open work only, a small part
            # of the table.
            models.Index(fields=["late_at"], name="sla_timer_unmet_late",
                         condition=Q(met_at__isnull=True, state__in=["running", "breached"])),
            # Reports (issue 19, migration 0011): a period's exclusions and their reasons.
            models.Index(fields=["ticket"], name="sla_timer_excluded",
                         condition=Q(state="excluded")),
        ]


class TicketRefusal(models.Model):
    """A request that was refused at intake (RL-7: banned requester), kept so nothing is lost
    and the support lead can see what was turned away and why."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requester = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=20)
    subject = models.CharField(max_length=250)
    description = models.TextField(blank=True)
    reason = models.TextField()
    at = models.DateTimeField()


def remember_related(instance: models.Model, name: str, rows: list) -> None:
    """Leave ``rows`` as ``instance.<name>.all()``, exactly as ``prefetch_related(name)`` would:
    for a row just written, whose related rows the writer already holds."""
    loaded = getattr(instance, name).all()
    loaded._result_cache, loaded._prefetch_done = list(rows), True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = loaded


class TicketSearch(models.Model):
    """What full-text search reads for one ticket (``tickets.search``): its subject, its
    people (requester, caller, organisation), its public conversation and its internal notes
    apart, so a contact's search never reaches a note. Written in the transaction of every
    change to them. PostgreSQL keeps two generated tsvector columns over these (GIN-indexed);
    SQLite an FTS5 table kept by triggers (migration 0008_search)."""

    ticket = models.OneToOneField(Ticket, primary_key=True, on_delete=models.CASCADE,
                                  related_name="search")
    subject = models.TextField(blank=True, default="")
    people = models.TextField(blank=True, default="")
    public_body = models.TextField(blank=True, default="")
    internal_body = models.TextField(blank=True, default="")
    # The ticket's organisation, kept in step with it (migration 0010_search_speed): lets a
    # contact's search walk their organisation's newest rows by index instead of the table.
    organisation = models.ForeignKey(Organisation, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     db_index=False)

    class Meta:
        indexes = [models.Index(fields=["organisation", "ticket"], name="ticket_search_org")]
