"""Reads over every recorded policy version (small: one row per distinct file content)."""

from __future__ import annotations

from pledgedesk.versions.models import PolicyVersion


def policy_versions_all() -> list[PolicyVersion]:
    """Every recorded version, oldest first: later versions win where callers merge by key."""
    return list(PolicyVersion.objects.order_by("loaded_at", "id"))


def policy_version_newest_id() -> int | None:
    """The id of the version recorded last, or None: tells a cache built over all versions
    whether it is still current."""
    return PolicyVersion.objects.order_by("-id").values_list("id", flat=True).first()
