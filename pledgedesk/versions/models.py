"""One row per distinct text of a support policy file."""

from __future__ import annotations

from django.db import models


class PolicyVersion(models.Model):
    """One version of a support policy file, kept verbatim. Tickets keep the version they were
    opened under; a new version applies to new tickets (ARCHITECTURE: storage and scale).

    PR-9 (issue 18, docs/policy-versions.md): a *published* version (``published_at`` set, by
    ``pledgedesk policy publish`` or the admin) is in force from ``effective_at`` on, never
    before. A version recorded from the file in PLEDGEDESK_POLICY_DIR (unpublished) was in
    force from the moment it was read: its ``effective_at`` is its ``loaded_at``."""

    key = models.CharField(max_length=100)
    version = models.CharField(max_length=50)
    digest = models.CharField(max_length=64)
    source = models.TextField()
    loaded_at = models.DateTimeField()
    effective_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        # The table the tickets app created when the model lived there: moving the model to
        # this app (migrations tickets 0006, versions 0001) changed no table and no row.
        db_table = "tickets_policyversion"
        constraints = [
            models.UniqueConstraint(fields=["key", "digest"], name="policy_version_unique"),
        ]
        indexes = [models.Index(fields=["key", "effective_at"], name="policy_version_effective")]

    @property
    def published(self) -> bool:
        return self.published_at is not None

    def __str__(self) -> str:
        return f"{self.key} {self.version}"
