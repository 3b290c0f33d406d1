"""Who is who: customer organisations and their contacts, agents and their groups, API tokens.

An organisation holds plans from the support policy it is served under; its zone and country
feed the calendars that run "in the customer's own hours" (FG-1, PR-3). Its contacts are the
only people who may open tickets for it, within the policy's intake rule (RK-2, FG-10).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from pledgedesk.policy.compile import Location


class Bannable(models.Model):
    """Support may refuse an abusive requester or organisation (RL-7); a ban needs a reason."""

    banned_at = models.DateTimeField(null=True, blank=True)
    ban_reason = models.TextField(blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(banned_at__isnull=True) | ~Q(ban_reason=""),
                name="%(class)s_ban_has_reason",
            ),
        ]

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None


class Organisation(Bannable):
    name = models.CharField(max_length=200)
    policy_key = models.CharField(
        max_length=100, help_text="The support policy this organisation is served under."
    )
    plans = models.JSONField(default=list, help_text="Plan keys from the policy it holds.")
    timezone = models.CharField(max_length=64, blank=True)
    country = models.CharField(max_length=2, blank=True)
    subdivision = models.CharField(max_length=10, blank=True)
    primary_contact = models.ForeignKey(
        "Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    administrator = models.ForeignKey(
        "Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The designated Administrator tickets should come from or copy (RK-2).",
    )
    account_manager = models.ForeignKey(
        "Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dedicated_representative = models.ForeignKey(
        "Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="PR-5: the enterprise plan's dedicated account representative.",
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name

    @property
    def location(self) -> Location:
        """Where the organisation is, for calendars in its own zone and holidays (FG-1, PR-3):
        the one place its zone, country and subdivision become a ``Location``, read by
        intake (on-call paging), the SLA timers and the pages that show its times."""
        return Location(timezone=self.timezone or None, country=self.country or None,
                        subdiv=self.subdivision or None)


class Contact(Bannable):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="contact",
    )
    authorised = models.BooleanField(
        default=False, help_text="Listed on the account as authorised personnel (FG-10)."
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(max_length=254)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("address"), name="contact_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.address


class ContactPhone(models.Model):
    """A phone number in E.164 form, so a voicemail's caller id finds its contact (FG-4)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=20, unique=True)

    def __str__(self) -> str:
        return self.number


class AccessGrant(models.Model):
    """Temporary access to open tickets, confirmed by the primary contact (FG-10)."""

    class State(models.TextChoices):
        PENDING = "pending"
        CONFIRMED = "confirmed"
        REJECTED = "rejected"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="access_grants")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    requested_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["contact", "state", "expires_at"])]


class AgentGroup(models.Model):
    """A team tickets are routed to: Support, Development, Product Services (RK-5, RK-10)."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    class Role(models.TextChoices):
        ENGINEER = "engineer"
        SENIOR_TECHNICIAN = "senior_technician"
        SUPPORT_LEAD = "support_lead"
        PROFESSIONAL_SERVICES = "professional_services"
        ACCOUNT_MANAGER = "account_manager"
        PROJECT_MANAGER = "project_manager"
        ADMINISTRATOR = "administrator"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent"
    )
    name = models.CharField(max_length=200)
    roles = models.JSONField(default=list)
    groups = models.ManyToManyField(AgentGroup, blank=True, related_name="agents")
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name

    def has_role(self, role: str) -> bool:
        return role in self.roles


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 digest is stored; the token is shown once, at issue.

    Tokens are 256-bit random strings, so a fast digest is enough (a slow password hash
    protects low-entropy secrets, which these are not) and every request can afford it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    # Set when the token is used, at most once a minute (accounts.tokens.LAST_USED_RESOLUTION).
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="None: never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
