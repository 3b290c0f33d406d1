"""Exact conversion between aware datetimes and integer epoch microseconds.

All business-time arithmetic happens on integer microseconds since 1970-01-01T00:00Z, never on
wall-clock differences: subtracting two aware datetimes that share a tzinfo gives wall-clock time
in Python, so a 24x7 day across a DST change would wrongly count 24 hours instead of 23 or 25.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from pledgedesk.calendar.errors import NaiveDatetimeError, NegativeDurationError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
US_PER_S = 1_000_000
US_PER_MIN = 60 * US_PER_S
US_PER_DAY = 86_400 * US_PER_S
# Answers are kept below 9996-01-01 so every conversion stays inside datetime's range.
MAX_US = (datetime(9996, 1, 1, tzinfo=UTC) - EPOCH) // US

# ``datetime.fromtimestamp(x / 1e6)`` is exact (round-half-even to the microsecond) while the
# float's rounding error stays under half a microsecond, i.e. for |seconds| < 2**32
# (years 1834-2106). Outside that range the slower timedelta path is used.
_FLOAT_SAFE_US = 2**32 * US_PER_S


def to_us(t: datetime) -> int:
    """Return the aware instant ``t`` as integer microseconds since the Unix epoch.

    Raises :class:`NaiveDatetimeError` (naming ``t``) when ``t`` has no UTC offset.
    """
    try:
        return (t - EPOCH) // US
    except TypeError:
        raise _not_aware(t) from None


def _not_aware(t: object) -> Exception:
    if isinstance(t, datetime):
        return NaiveDatetimeError(
            f"instant {t!r} is naive: pass a timezone-aware datetime", value=t
        )
    return TypeError(f"expected a timezone-aware datetime, got {t!r}")


def from_us(x: int, tz: tzinfo) -> datetime:
    """Return the instant ``x`` (epoch microseconds) as an aware datetime in zone ``tz``.

    The result carries the right ``fold`` in a repeated autumn hour.
    """
    if -_FLOAT_SAFE_US < x < _FLOAT_SAFE_US:
        return datetime.fromtimestamp(x / 1e6, tz)
    return (EPOCH + timedelta(microseconds=x)).astimezone(tz)


def duration_us(duration: timedelta) -> int:
    """Return a non-negative ``timedelta`` as integer microseconds.

    Raises :class:`NegativeDurationError` naming the duration when it is negative.
    """
    try:
        d = duration // US
    except TypeError:
        raise TypeError(f"expected a datetime.timedelta duration, got {duration!r}") from None
    if d < 0:
        raise NegativeDurationError(
            f"duration -{-duration} is negative: business durations must be >= 0",
            value=duration,
        )
    return d
