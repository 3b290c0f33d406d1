"""One row per distinct text of a support policy file."""

from __future__ import annotations

from django.db import models


class PolicyVersion(models.Model):
    """One version of a support policy file, kept verbatim. Tickets keep the version they were
    opened under; a new version applies to new tickets (ARCHITECTURE: storage and scale)."""

    key = models.CharField(max_length=100)
    version = models.CharField(max_length=50)
    digest = models.CharField(max_length=64)
    source = models.TextField()
    loaded_at = models.DateTimeField()

    class Meta:
        # The table the tickets app created when the model lived there: moving the model to
        # this app (migrations tickets 0006, versions 0001) changed no table and no row.
        db_table = "tickets_policyversion"
        constraints = [
            models.UniqueConstraint(fields=["key", "digest"], name="policy_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.version}"
