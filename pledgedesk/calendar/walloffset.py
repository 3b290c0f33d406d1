"""Aware datetimes in a calendar's own zone to instants without asking the zone each time.

``t - EPOCH`` asks the zone for ``t``'s UTC offset on every call, the larger part of a scalar
``between``. For ``t`` in the calendar's own zone (the same ``tzinfo`` object), ``t - wall0``
with ``wall0 = 1970-01-01 00:00`` on that zone's clock is plain wall-clock arithmetic (Python
asks no zone when both sides share a ``tzinfo``), and on a wall day whose offset is one value
all day the instant is that wall time minus the day's offset.

A wall day that touches a DST gap or fold (or any other offset change) has no entry, nor do the
years not loaded yet: the caller then falls back to ``t - EPOCH``, so gap and fold readings
(``fold=0`` and ``fold=1``) keep exactly the zone's own meaning.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from pledgedesk.calendar.instant import EPOCH

_HOUR = timedelta(hours=1)
_SECOND = timedelta(seconds=1)
_DAY = timedelta(days=1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class WallOffsets:
    """Wall day number (``(t - wall0).days``) to that day's UTC offset, loaded a year at a time.

    Thread-safe for readers: a year's days are added with one ``dict.update``; a reader that
    misses simply takes the slow path.
    """

    __slots__ = ("days", "tz", "wall0", "years")

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.wall0 = datetime(1970, 1, 1, tzinfo=tz)
        self.days: dict[int, timedelta] = {}
        self.years: set[int] = set()

    def load(self, year: int) -> None:
        """Make the wall days of ``year`` available."""
        if year in self.years or not 1 < year < 9998:
            return
        self.days.update(_year_offsets(self.tz, year))
        self.years.add(year)

    def day_index(
        self, starts: list[timedelta], lo: timedelta, hi: timedelta, ya: int, yb: int
    ) -> dict[int, tuple[timedelta, int, int]]:
        """For each wall day of years ``ya..yb`` with one offset, whose instants all lie in
        ``[lo, hi]``: ``(offset, a, b)`` where ``bisect_right(starts, x)`` lies in ``[a, b]``
        for every instant ``x`` of that day (so a search may start and stop there)."""
        for year in range(ya, yb + 1):
            self.load(year)
        index = {}
        for k, offset in list(self.days.items()):
            first = timedelta(days=k) - offset
            last = first + _DAY
            if lo <= first and last <= hi:
                index[k] = (offset, bisect_right(starts, first), bisect_right(starts, last))
        return index


@cache
def offsets_for(tz: ZoneInfo) -> WallOffsets:
    """The one :class:`WallOffsets` of ``tz`` (shared by every calendar in that zone)."""
    return WallOffsets(tz)


@lru_cache(maxsize=256)
def _year_offsets(tz: ZoneInfo, year: int) -> dict[int, timedelta]:
    """Every wall day of ``year`` on which ``tz`` keeps one offset all day, with that offset.

    Offset changes are found by sampling the offset hourly (UTC) from two days before the year
    to two days after it, each change then pinned to the second by bisection; a wall day is
    left out when any change's ambiguous wall interval (gap or fold) meets it.
    """
    lo = datetime(year, 1, 1, tzinfo=UTC) - 2 * _DAY
    hi = datetime(year + 1, 1, 1, tzinfo=UTC) + 2 * _DAY
    ambiguous: list[tuple[timedelta, timedelta]] = []
    t, offset = lo, lo.astimezone(tz).utcoffset()
    while t < hi:
        n = t + _HOUR
        after = n.astimezone(tz).utcoffset()
        if after != offset:
            u = _change_between(t, n, offset, tz)
            ambiguous.append((u - EPOCH + min(offset, after), u - EPOCH + max(offset, after)))
            offset = after
        t = n
    first = date(year, 1, 1).toordinal() - _EPOCH_ORDINAL
    last = date(year, 12, 31).toordinal() - _EPOCH_ORDINAL
    days = {}
    for k in range(first, last + 1):
        start = timedelta(days=k)
        end = start + _DAY
        if any(a < end and start < b for a, b in ambiguous):
            continue
        midnight = datetime.combine(date.fromordinal(k + _EPOCH_ORDINAL), datetime.min.time(), tz)
        days[k] = midnight.utcoffset()
    return days


def _change_between(a: datetime, b: datetime, offset: timedelta | None, tz: ZoneInfo) -> datetime:
    """The first whole second in ``(a, b]`` whose offset differs from ``offset`` (at ``a``)."""
    while b - a > _SECOND:
        mid = a + (b - a) // 2 // _SECOND * _SECOND
        if mid == a:
            break
        if mid.astimezone(tz).utcoffset() == offset:
            a = mid
        else:
            b = mid
    return b
