"""Sign-in limits, shared by every door that checks a password: the portal's and the console's
sign-in forms, Django admin's login, and (with its own budget) the portal's password-reset form.

Two kinds of counter, kept where every web worker sees them (Redis when ``REDIS_URL`` is set
and answering, else the ``web_signincounter`` table), each moved by one atomic step that returns
the new value, so parallel requests cannot all read "nothing so far" (issue 13 measured 12-13
passwords checked out of 40 parallel guesses against a limit of 5):

- An *account* may be tried ``PER_ACCOUNT`` times within ``WINDOW`` of its first attempt. The
  attempt is counted before its password is checked, and one over the limit is refused without
  checking it; a success clears the count. Callers name the account (``signin.account_key``):
  the user the identifier resolves to, so typing it another way buys no more guesses.
- A client *address* is never refused for its failures, only slowed down: behind a reverse
  proxy one person's guesses must not lock every customer out. From ``FREE_FAILURES`` failures
  within ``WINDOW`` on, each attempt from the address first waits a delay that doubles every
  ``DOUBLING`` failures, up to ``MAX_DELAY``. A wait holds a web thread, so at most
  ``MAX_WAITING`` attempts per process wait at once; another delayed attempt is turned away for
  ``BUSY_RETRY`` rather than take the threads every other client needs.

When Redis does not answer, counters live in the database for ``REDIS_RETRY``, then Redis is
tried again: an outage loses the counts made in Redis so far, never sign-in. Instants come from
the caller and waits go through ``pledgedesk.clock``, so tests run at any instant, unwaited.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from pledgedesk import clock
from pledgedesk.web.models import SignInCounter

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5
FREE_FAILURES = 10
FIRST_DELAY = timedelta(milliseconds=250)
DOUBLING = 5
MAX_DELAY = timedelta(seconds=5)
MAX_WAITING = 2
BUSY_RETRY = timedelta(seconds=5)
REDIS_RETRY = timedelta(seconds=30)

SIGN_IN = "signin"  # portal, console and admin: one budget per account and per address
RESET = "reset"  # password-reset mails: their own budget, so they cannot lock a sign-in out


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: timedelta = timedelta(0)
    busy: bool = False  # refused only because too many slowed-down attempts wait already


def admit(*, scope: str, account: str, address: str, now: datetime) -> Verdict:
    """Count one attempt on ``account`` and make ``address`` wait its delay. Call it before
    checking the password; when it refuses, do not check the password."""
    count, since = _run("hit", _key(scope, "account", account), now)
    if count > PER_ACCOUNT:
        return Verdict(allowed=False, retry_after=since + WINDOW - now)
    wait = delay_for(_run("peek", _key(scope, "address", address), now))
    if wait and not _wait(wait):
        return Verdict(allowed=False, retry_after=BUSY_RETRY, busy=True)
    return Verdict(allowed=True)


def record_failure(*, scope: str, address: str, now: datetime) -> None:
    """One more failure from ``address`` (its attempt was already counted on the account)."""
    _run("hit", _key(scope, "address", address), now)


def clear_account(*, scope: str, account: str, now: datetime) -> None:
    """A success: the account's attempts are forgotten (the address's failures are not)."""
    _run("clear", _key(scope, "account", account), now)


def delay_for(failures: int) -> timedelta:
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(MAX_DELAY, FIRST_DELAY * 2 ** ((failures - FREE_FAILURES) // DOUBLING))


_waiting = threading.BoundedSemaphore(MAX_WAITING)


def _wait(delay: timedelta) -> bool:
    if not _waiting.acquire(blocking=False):
        return False
    try:
        clock.sleep(delay.total_seconds())
    finally:
        _waiting.release()
    return True


def _key(scope: str, kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]
    return f"pledgedesk:signin:{scope}:{kind}:{digest}"


# --- where the counters live ------------------------------------------------------------


def _run(operation: str, key: str, now: datetime):
    url = settings.CONFIG.redis_url
    if url and now >= _redis_down_until.get(url, now):
        import redis  # only installations with REDIS_URL use it

        try:
            return getattr(_redis_store(url), operation)(key, now=now)
        except redis.RedisError as exc:
            _redis_down_until[url] = now + REDIS_RETRY
            log.warning("sign-in limits: Redis at REDIS_URL did not answer (%s); counting in "
                        "the database for %s", exc, REDIS_RETRY)
    return getattr(_DATABASE, operation)(key, now=now)


_redis_down_until: dict[str, datetime] = {}
_redis_stores: dict[str, _RedisStore] = {}
_redis_lock = threading.Lock()


def _redis_store(url: str) -> _RedisStore:
    with _redis_lock:
        if url not in _redis_stores:
            _redis_stores[url] = _RedisStore(url)
        return _redis_stores[url]


# Written out, not built: the table and its columns are this module's own (web.models).
_UPSERT = """
INSERT INTO "web_signincounter" ("key", "count", "started_at") VALUES (%s, 1, %s)
ON CONFLICT ("key") DO UPDATE SET
  "count" = CASE WHEN "web_signincounter"."started_at" <= %s THEN 1
                 ELSE "web_signincounter"."count" + 1 END,
  "started_at" = CASE WHEN "web_signincounter"."started_at" <= %s THEN excluded."started_at"
                      ELSE "web_signincounter"."started_at" END
RETURNING "count", "started_at"
"""


class _DatabaseStore:
    """One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` per count (PostgreSQL, and
    SQLite from 3.35): the row is created, restarted or incremented, and read, in one step."""

    def hit(self, key: str, *, now: datetime) -> tuple[int, datetime]:
        adapt = connection.ops.adapt_datetimefield_value
        ended = adapt(now - WINDOW)
        with connection.cursor() as cursor:
            cursor.execute(_UPSERT, [key, adapt(now), ended, ended])
            count, since = cursor.fetchone()
        return int(count), _instant(since)

    def peek(self, key: str, *, now: datetime) -> int:
        live = SignInCounter.objects.filter(key=key, started_at__gt=now - WINDOW)
        return next(iter(live.values_list("count", flat=True)), 0)

    def clear(self, key: str, *, now: datetime) -> None:
        # Rows of windows that have ended go too, so the table stays the size of the last
        # quarter hour's traffic.
        SignInCounter.objects.filter(Q(key=key) | Q(started_at__lte=now - WINDOW)).delete()


def _instant(value) -> datetime:
    """A timestamp as the driver returns it: aware from psycopg, text from SQLite."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# Restart the window when it has ended, else increment; the caller's instant decides, not
# Redis's clock (the expiry only collects keys nobody touches any more).
_REDIS_HIT = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local since = tonumber(redis.call('HGET', KEYS[1], 's'))
if not since or now - since >= window then
  redis.call('HSET', KEYS[1], 'n', 1, 's', now)
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, now}
end
return {redis.call('HINCRBY', KEYS[1], 'n', 1), since}
"""


class _RedisStore:
    def __init__(self, url: str):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # Short time-outs and one immediate retry (a connection Redis closed since): an
        # unreachable Redis must cost a sign-in milliseconds, not redis-py's default backoff.
        self.client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5,
                                           retry=Retry(NoBackoff(), 1))
        self._hit = self.client.register_script(_REDIS_HIT)

    def hit(self, key: str, *, now: datetime) -> tuple[int, datetime]:
        count, since = self._hit(keys=[key], args=[_ms(now), _ms(WINDOW)])
        return int(count), datetime.fromtimestamp(int(since) / 1000, UTC)

    def peek(self, key: str, *, now: datetime) -> int:
        count, since = self.client.hmget(key, "n", "s")
        if count is None or since is None or _ms(now) - int(since) >= _ms(WINDOW):
            return 0
        return int(count)

    def clear(self, key: str, *, now: datetime) -> None:
        self.client.delete(key)


def _ms(value: datetime | timedelta) -> int:
    if isinstance(value, timedelta):
        return int(value.total_seconds() * 1000)
    return int(value.timestamp() * 1000)


_DATABASE = _DatabaseStore()
