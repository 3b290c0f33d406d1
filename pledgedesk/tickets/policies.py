"""The Django side of support policies: which file an organisation runs on, and the versions
tickets were opened under.

Policy files live in ``settings.PLEDGEDESK_POLICY_DIR`` as ``<key>.toml``. Reading one records
its exact text as a ``PolicyVersion`` (once per distinct content); tickets point at that row,
so a ticket is always evaluated under the policy it was opened under, and an edited file
applies to new tickets only (ARCHITECTURE: storage and scale).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from pledgedesk.errors import InvalidInput
from pledgedesk.policy.compile import Policy, compile_policy
from pledgedesk.policy.errors import PolicyError
from pledgedesk.policy.loader import parse_policy
from pledgedesk.tickets.models import PolicyVersion


def policy_path(key: str) -> Path:
    if not key or "/" in key or key.startswith("."):
        raise InvalidInput(f"not a policy key: {key!r}", field="policy_key")
    return Path(settings.PLEDGEDESK_POLICY_DIR) / f"{key}.toml"


def policy_version_current(key: str, *, now: datetime) -> PolicyVersion:
    """The version of policy ``key`` in force now: the file's current content, recorded."""
    path = policy_path(key)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"no support policy named {key!r}", field="policy_key") from None
    digest = hashlib.sha256(source.encode()).hexdigest()
    existing = PolicyVersion.objects.filter(key=key, digest=digest).first()
    if existing is not None:
        return existing
    policy = _compile(key, digest, source)  # refuse to record a broken file
    version, _ = PolicyVersion.objects.get_or_create(
        key=key, digest=digest,
        defaults={"version": policy.version, "source": source, "loaded_at": now},
    )
    return version


def policy_for(version: PolicyVersion) -> Policy:
    return _compile(version.key, version.digest, version.source)


@lru_cache(maxsize=64)
def _compile(key: str, digest: str, source: str) -> Policy:
    try:
        return compile_policy(parse_policy(source, f"{key}.toml"), key=key)
    except PolicyError as exc:
        raise InvalidInput(
            f"support policy {key!r} is invalid: {exc}", field="policy_key"
        ) from None
