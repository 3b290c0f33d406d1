"""Sign-in rate limits, per account and per client address, in the shared cache (the database
cache table, or Redis when REDIS_URL is set) so every web worker counts the same failures.

Only failures count. Within ``WINDOW`` an account may fail ``PER_ACCOUNT`` times and an
address ``PER_ADDRESS`` times; after that sign-in is refused without checking the password
until the window that started with the first failure has passed. Instants come from the
caller (``now``), never the wall clock, so tests run at any instant.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5
PER_ADDRESS = 30


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: timedelta = timedelta(0)


def _keys(scope: str, account: str, address: str) -> list[tuple[str, int]]:
    def key(kind: str, value: str) -> str:
        digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
        return f"signin:{scope}:{kind}:{digest}"

    return [(key("account", account), PER_ACCOUNT), (key("address", address), PER_ADDRESS)]


def check(*, scope: str, account: str, address: str, now: datetime) -> Verdict:
    """Whether another attempt may be made now."""
    wait = timedelta(0)
    for key, limit in _keys(scope, account, address):
        count, since = _read(key, now)
        if count >= limit:
            wait = max(wait, since + WINDOW - now)
    return Verdict(allowed=wait <= timedelta(0), retry_after=wait)


def record_failure(*, scope: str, account: str, address: str, now: datetime) -> None:
    for key, _ in _keys(scope, account, address):
        count, since = _read(key, now)
        ttl = max(1, int((since + WINDOW - now).total_seconds()) + 1)
        cache.set(key, {"count": count + 1, "since": since.isoformat()}, timeout=ttl)


def reset(*, scope: str, account: str, address: str) -> None:
    """A successful sign-in clears the account's failures (not the address's)."""
    cache.delete(_keys(scope, account, address)[0][0])


def _read(key: str, now: datetime) -> tuple[int, datetime]:
    entry = cache.get(key)
    if entry:
        since = datetime.fromisoformat(entry["since"])
        if now - since < WINDOW:
            return int(entry["count"]), since
    return 0, now
