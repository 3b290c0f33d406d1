"""The Django side of support policies: which file an organisation runs on, and the versions
tickets were opened under.

Policy files live in ``settings.PLEDGEDESK_POLICY_DIR`` as ``<key>.toml``. Reading one records
its exact text as a ``PolicyVersion`` (once per distinct content); tickets point at that row,
so a ticket is always evaluated under the policy it was opened under, and an edited file
applies to new tickets only (ARCHITECTURE: storage and scale).

Once a key has a published version (PR-9, ``pledgedesk.publishing``), the file is a draft: what
is in force is chosen from the recorded versions by their effective instant
(docs/policy-versions.md).
"""

from __future__ import annotations

import hashlib
import time
from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

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
    """The version of policy ``key`` in force at ``now`` (PR-9, docs/policy-versions.md).

    - A key with a published version: the version (published, or recorded from the file
      before the first publication) with the greatest ``effective_at`` <= ``now``, never a
      later one. The file is no longer read: an edit applies once it is published.
    - A key never published: the file's current content, recorded (the bootstrap).

    Every ticket creation asks this, so the answer comes from a per-process cache: the key's
    versions are re-read when the database says they changed (one indexed aggregate, at most
    every RECHECK_SECONDS, and at once after a publication in this process), and the one in
    force is chosen by ``now`` from them, so a version becoming effective at an instant is
    picked up at that instant without a restart. In file mode the file's identity (inode, size,
    modification time in ns) is checked on every call, as before. Only what is known to be
    committed is kept, so a rolled-back row is never handed out."""
    slot = (connection.settings_dict["NAME"], key)
    timeline = _timelines.get(slot)
    if timeline is None or time.monotonic() - timeline.checked > RECHECK_SECONDS:
        timeline = _timeline_refresh(key, slot, timeline)
    if not timeline.versions:
        return policy_file_record(key, now=now)
    return timeline.at(key, now)


def policy_file_record(key: str, *, now: datetime) -> PolicyVersion:
    """The policy file's current content, recorded as a version (effective from ``now``, the
    moment it was read) or found recorded. Kept per process while the file is unchanged."""
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


def policy_versions_changed(key: str) -> None:
    """Tell this process's cache that ``key``'s versions changed (a publication): forgotten
    when the caller's transaction commits, so the next call reads them again. Other processes
    see the change within RECHECK_SECONDS."""
    slot = (connection.settings_dict["NAME"], key)
    transaction.on_commit(lambda: _timelines.pop(slot, None))


# How long a process trusts its list of a key's versions before asking the database whether
# it changed (a publication by another process: the CLI, another web worker).
RECHECK_SECONDS = 1.0


@dataclass(frozen=True)
class _Timeline:
    checked: float  # time.monotonic() when the database was asked
    stamp: tuple  # (newest id, newest published_at) of the key's rows
    versions: tuple[PolicyVersion, ...]  # by (effective_at, id); () while never published

    def at(self, key: str, now: datetime) -> PolicyVersion:
        found = bisect_right(self.versions, now, key=lambda v: v.effective_at)
        if found:
            return self.versions[found - 1]
        # An instant before every version (an injected clock): the first version recorded
        # from the file, never a published one before its instant.
        bootstrap = [v for v in self.versions if not v.published]
        if bootstrap:
            return min(bootstrap, key=lambda v: (v.loaded_at, v.pk))
        raise InvalidInput(f"no version of support policy {key!r} is in force at "
                           f"{now.isoformat()}", field="policy_key")


def _timeline_refresh(key: str, slot: tuple[str, str], known: _Timeline | None) -> _Timeline:
    rows = PolicyVersion.objects.filter(key=key)
    stamp = tuple(rows.aggregate(top=Max("id"), published=Max("published_at")).values())
    if known is not None and known.stamp == stamp:
        fresh = replace(known, checked=time.monotonic())
    elif stamp[1] is None:
        fresh = _Timeline(time.monotonic(), stamp, ())
    else:
        fresh = _Timeline(time.monotonic(), stamp,
                          tuple(rows.order_by("effective_at", "id")))
    transaction.on_commit(lambda: _timelines.__setitem__(slot, fresh))
    return fresh


def _record(key: str, source: str, now: datetime) -> PolicyVersion:
    digest = hashlib.sha256(source.encode()).hexdigest()
    existing = PolicyVersion.objects.filter(key=key, digest=digest).first()
    if existing is not None:
        return existing
    policy = _compile(key, digest, source)  # refuse to record a broken file
    version, _ = PolicyVersion.objects.get_or_create(
        key=key, digest=digest,
        defaults={"version": policy.version, "source": source, "loaded_at": now,
                  "effective_at": now},
    )
    return version


# (database name, policy file) -> (file identity when read, its recorded version).
_current: dict[tuple[str, str], tuple[tuple[int, int, int], PolicyVersion]] = {}
# (database name, policy key) -> its versions as last read.
_timelines: dict[tuple[str, str], _Timeline] = {}


def forget_current_versions(**_signal) -> None:
    """Drop the per-process cache; connected to post_migrate, which a database flush sends."""
    _current.clear()
    _timelines.clear()


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
