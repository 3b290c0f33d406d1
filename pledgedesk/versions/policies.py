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
from django.db import connection, transaction

from pledgedesk.errors import InvalidInput
from pledgedesk.policy.compile import Policy, compile_policy
from pledgedesk.policy.errors import PolicyError
from pledgedesk.policy.loader import parse_policy
from pledgedesk.versions.models import PolicyVersion


def policy_path(key: str) -> Path:
    if not key or "/" in key or key.startswith("."):
        raise InvalidInput(f"not a policy key: {key!r}", field="policy_key")
    return Path(settings.PLEDGEDESK_POLICY_DIR) / f"{key}.toml"


def policy_version_current(key: str, *, now: datetime) -> PolicyVersion:
    """The version of policy ``key`` in force now: the file's current content, recorded.

    Every ticket creation asks this, so the answer is kept per process while the file's
    identity (inode, size, modification time in ns) is unchanged: an edited or replaced file
    is read, hashed and recorded again on the next call. Only versions known to be committed
    are kept, so a rolled-back row is never handed out."""
    path = policy_path(key)
    slot = (connection.settings_dict["NAME"], str(path))
    try:
        stat = path.stat()
        stamp = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        known = _current.get(slot)
        if known is not None and known[0] == stamp:
            return known[1]
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:  # missing, or removed between the stat and the read
        raise InvalidInput(f"no support policy named {key!r}", field="policy_key") from None
    version = _record(key, source, now)
    transaction.on_commit(lambda: _current.__setitem__(slot, (stamp, version)))
    return version


def _record(key: str, source: str, now: datetime) -> PolicyVersion:
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


# (database name, policy file) -> (file identity when read, its recorded version).
_current: dict[tuple[str, str], tuple[tuple[int, int, int], PolicyVersion]] = {}


def forget_current_versions(**_signal) -> None:
    """Drop the per-process cache; connected to post_migrate, which a database flush sends."""
    _current.clear()


def policy_for(version: PolicyVersion) -> Policy:
    return _compile(version.key, version.digest, version.source)


def policy_in_force(key: str, *, now: datetime) -> tuple[PolicyVersion, Policy]:
    """The policy ``key`` as it stands at ``now``: its recorded version (what a new ticket
    keeps) and that version compiled. The one way every door and service asks "which policy
    does this organisation run under now" (an organisation's is its ``policy_key``)."""
    version = policy_version_current(key, now=now)
    return version, policy_for(version)


@lru_cache(maxsize=64)
def _compile(key: str, digest: str, source: str) -> Policy:
    try:
        return compile_policy(parse_policy(source, f"{key}.toml"), key=key)
    except PolicyError as exc:
        raise InvalidInput(
            f"support policy {key!r} is invalid: {exc}", field="policy_key"
        ) from None
