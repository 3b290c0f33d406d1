"""What announcing a published policy version leaves behind (PR-9): the announcement (the
portal's and widget's banner, shown from publication until ``announce_days`` after the version
takes effect) and who dismissed it. The mail to each primary contact is an outbox row, keyed
once per version and contact."""

from __future__ import annotations

from django.db import models

from pledgedesk.accounts.models import Contact
from pledgedesk.versions.models import PolicyVersion


class Announcement(models.Model):
    version = models.OneToOneField(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)  # the version's key: the banner's one filter
    created_at = models.DateTimeField()
    shows_from = models.DateTimeField()
    shows_until = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "shows_until"], name="announcement_key_until")]

    def __str__(self) -> str:
        return f"{self.key} version {self.version.version}"


class Dismissal(models.Model):
    """One person closed one announcement's banner: it is not shown to them again."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE,
                                     related_name="dismissals")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["announcement", "contact"],
                                               name="announcement_dismissed_once")]
