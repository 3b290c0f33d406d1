"""The single source of business periods that every operation reads.

For one calendar configuration, open periods are generated per year (weekly windows of each
local date, minus holidays and closed dates, plus special openings, mapped to instants by
:mod:`pledgedesk.calendar.zonemap`) and cached. A :class:`Snapshot` joins a contiguous range of
years into sorted, merged half-open intervals ``[starts[i], ends[i])`` of epoch microseconds,
with ``cum[i]`` the business microseconds before interval ``i``. With ``C(x)`` the business
time before instant ``x``:

* ``between(t1, t2) = C(t2) - C(t1)``
* ``add(t, d)`` = the earliest instant ``x`` at or after ``next_open(t)`` with ``C(x) = C(t) + d``

so ``add`` and ``between`` can never disagree. Touching intervals are merged, so a 24x7
calendar is one seamless period across midnight and "ends exactly at closing time" has one
answer. Snapshots only grow by whole years, on demand, as far as a query needs: durations of
years work, and a search that finds no opening for ``MAX_SEARCH_YEARS`` raises.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pledgedesk.calendar.errors import CalendarError, OutOfRangeError
from pledgedesk.calendar.holiday import HolidayFilter, HolidaySpec
from pledgedesk.calendar.instant import EPOCH, US, US_PER_DAY
from pledgedesk.calendar.schedule import Window
from pledgedesk.calendar.zonemap import wall_to_us

if TYPE_CHECKING:  # NumPy loads on the first batch call, not with every web worker
    import numpy as np

MIN_YEAR = 2
MAX_YEAR = 9997
MAX_SEARCH_YEARS = 50
_MAX_STEP_YEARS = 25


def utc_year_start_us(year: int) -> int:
    """Epoch microseconds of 1 January ``year`` 00:00 UTC."""
    return (datetime(year, 1, 1, tzinfo=UTC) - EPOCH) // US


def year_of(x: int) -> int:
    """UTC calendar year of instant ``x`` (clamped to the representable range)."""
    try:
        return (EPOCH + timedelta(microseconds=x)).year
    except OverflowError:
        return MAX_YEAR + 2 if x > 0 else MIN_YEAR - 1


@dataclass(frozen=True, slots=True)
class Config:
    """The validated, hashable configuration a timeline is generated from."""

    tz: ZoneInfo
    weekly: tuple[tuple[Window, ...], ...]
    holidays: HolidaySpec | None
    closed: tuple[tuple[date, date], ...]
    specials: tuple[tuple[date, Window], ...]


@dataclass(frozen=True, slots=True)
class YearPeriods:
    """Open intervals (merged per day) and business days of the local dates of one year."""

    intervals: tuple[tuple[int, int], ...]
    # (date ordinal, first opening, end of first window, last closing) per business day
    days: tuple[tuple[int, int, int, int], ...]


class Snapshot:
    """Merged intervals, cumulative business time and business days of years ``ya..yb``.

    Answers are exact for instants in ``[lo, hi]``; the caller extends the timeline when a
    query or its answer falls outside.
    """

    __slots__ = (
        "_grid",
        "_np",
        "cum",
        "cum_end",
        "cum_end_td",
        "cum_td",
        "day_end",
        "day_first_end",
        "day_ord",
        "day_start",
        "ends",
        "ends_td",
        "hi",
        "hi_cum",
        "hi_cum_td",
        "hi_td",
        "lo",
        "lo_td",
        "starts",
        "starts_td",
        "wall_days",
        "ya",
        "yb",
    )

    def __init__(self, ya: int, yb: int, years: list[YearPeriods]) -> None:
        self.ya, self.yb = ya, yb
        # Nothing from a year outside ya..yb can reach these instants (windows start on their
        # local date and last less than two days; zones are within 26 hours of UTC).
        self.lo = utc_year_start_us(ya) + 3 * US_PER_DAY
        self.hi = utc_year_start_us(yb + 1) - 2 * US_PER_DAY
        starts: list[int] = []
        ends: list[int] = []
        for year in years:
            for s, e in year.intervals:
                if ends and s <= ends[-1]:
                    if e > ends[-1]:
                        ends[-1] = e
                else:
                    starts.append(s)
                    ends.append(e)
        cum, cum_end, total = [], [], 0
        for s, e in zip(starts, ends, strict=True):
            cum.append(total)
            total += e - s
            cum_end.append(total)
        self.starts, self.ends, self.cum, self.cum_end = starts, ends, cum, cum_end
        days = [d for year in years for d in year.days]
        self.day_ord = [d[0] for d in days]
        self.day_start = [d[1] for d in days]
        self.day_first_end = [d[2] for d in days]
        self.day_end = [d[3] for d in days]
        self.hi_cum = self.business_before(self.hi)
        self._np: tuple[np.ndarray, ...] | None = None
        self._grid: tuple[GridIndex, GridIndex] | None = None
        # Wall day of the calendar's zone -> (offset, search bounds), built by the first
        # scalar ``between`` on this snapshot (see walloffset.WallOffsets.day_index).
        self.wall_days: dict[int, tuple[timedelta, int, int]] | None = None
        # The same numbers as timedeltas since the epoch: the scalar hot paths work on
        # ``t - EPOCH`` directly and build results with ``tz.fromutc``, which is several
        # times cheaper than converting to and from integers.
        self.starts_td = [US * v for v in starts]
        self.ends_td = [US * v for v in ends]
        self.cum_td = [US * v for v in cum]
        self.cum_end_td = [US * v for v in cum_end]
        self.lo_td, self.hi_td, self.hi_cum_td = US * self.lo, US * self.hi, US * self.hi_cum

    def business_before(self, x: int) -> int:
        """``C(x)``: business microseconds from the snapshot's start up to instant ``x``."""
        i = bisect_right(self.starts, x) - 1
        if i < 0:
            return 0
        e = self.ends[i]
        return self.cum[i] + (x if x < e else e) - self.starts[i]

    def instant_at(self, target: int, strictly_after: bool) -> int | None:
        """Earliest instant with ``C = target``; with ``strictly_after`` the one ending a
        positive duration (closing time rather than the next opening), otherwise the first
        open instant at that business position. ``None`` if beyond ``hi``."""
        key = target - 1 if strictly_after else target
        if key >= self.hi_cum:
            return None
        j = bisect_right(self.cum_end, key)
        return self.starts[j] + target - self.cum[j]

    def arrays(self) -> tuple[np.ndarray, ...]:
        """NumPy copies ``(starts, ends, cum, cum_end)`` for the batch path (built once)."""
        if self._np is None:
            import numpy as np

            self._np = tuple(
                np.asarray(a, dtype=np.int64)
                for a in (self.starts, self.ends, self.cum, self.cum_end)
            )
        return self._np

    def indexes(self) -> tuple[GridIndex, GridIndex]:
        """Grid indexes over ``starts`` and ``cum_end`` for the batch path (built once)."""
        if self._grid is None:
            starts, _, _, cum_end = self.arrays()
            self._grid = (GridIndex(starts), GridIndex(cum_end))
        return self._grid


class GridIndex:
    """``np.searchsorted(values, x, side="right")`` for many unsorted ``x``, several times
    faster than NumPy's binary search on random keys.

    A regular grid over the sorted ``values`` (about four cells per value) stores how many
    values lie at or before each grid line; a query starts from its cell's count and steps
    forward, vectorised, while the next value is still ``<= x``. The loop runs at most one
    more time than the largest number of values in one cell, and always ends.
    """

    def __init__(self, values: np.ndarray) -> None:
        import numpy as np

        self.values = values
        self.n = len(values)
        if self.n:
            self.lo = int(values[0])
            self.cells = 4 * self.n
            self.step = max(1, (int(values[-1]) - self.lo) // self.cells + 1)
            lines = self.lo + self.step * np.arange(self.cells + 2, dtype=np.int64)
            self.counts = np.searchsorted(values, lines, side="right")

    def search_right(self, x: np.ndarray) -> np.ndarray:
        """Index of the first value ``> x`` for each ``x`` (``n`` if none)."""
        import numpy as np

        if self.n == 0:
            return np.zeros(x.shape, dtype=np.intp)
        cell = np.clip((x - self.lo) // self.step, 0, self.cells + 1)
        i = self.counts[cell]
        i[x < self.lo] = 0
        last = self.n - 1
        while True:
            more = self.values[np.minimum(i, last)] <= x
            more &= i < self.n
            if not more.any():
                return i
            i += more


class Timeline:
    """Lazily generated and cached open periods of one :class:`Config` (thread-safe)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._holidays = HolidayFilter(config.holidays) if config.holidays else None
        self._years: dict[int, YearPeriods] = {}
        self._specials: dict[date, list[Window]] = {}
        for day, window in config.specials:
            self._specials.setdefault(day, []).append(window)
        self._lock = threading.Lock()
        self.snap: Snapshot | None = None

    # -- coverage -----------------------------------------------------------------------

    def cover(self, lo: int, hi: int) -> Snapshot:
        """A snapshot exact for every instant in ``[lo, hi]``."""
        with self._lock:
            snap = self.snap
            if snap is not None and snap.lo <= lo and hi <= snap.hi:
                return snap
            ylo, yhi = year_of(lo) - 1, year_of(hi) + 1
            if ylo < MIN_YEAR or yhi > MAX_YEAR:
                raise OutOfRangeError(
                    f"instant {_show(lo if ylo < MIN_YEAR else hi)} is outside the supported "
                    f"years {MIN_YEAR + 1}-{MAX_YEAR - 1}",
                    value=lo if ylo < MIN_YEAR else hi,
                )
            if snap is not None and ylo - 5 <= snap.yb and snap.ya <= yhi + 5:
                # Close to what is built: grow it, keeping one contiguous range.
                ylo, yhi = min(ylo, snap.ya), max(yhi, snap.yb)
            return self._install(ylo, yhi)

    def extend_forward(
        self,
        snap: Snapshot,
        origin: int,
        error: Callable[[], CalendarError],
        *,
        from_last_opening: bool = True,
    ) -> Snapshot:
        """Grow ``snap`` by at least a year towards the future.

        Raises ``error()`` once ``MAX_SEARCH_YEARS`` years past ``origin`` are built without
        what the caller looks for (with ``from_last_opening``, also counted from the last
        opening built so far, so a long duration on a working calendar is never cut short).
        """
        with self._lock:
            current = self.snap
            if current is not None and current.ya == snap.ya and current.yb > snap.yb:
                return current
            since = year_of(origin)
            if from_last_opening and snap.ends:
                since = max(since, year_of(snap.ends[-1]))
            if snap.yb - since >= MAX_SEARCH_YEARS:
                raise error()
            if snap.yb >= MAX_YEAR:
                raise OutOfRangeError(
                    f"the answer for {_show(origin)} lies beyond the year {MAX_YEAR}",
                    value=origin,
                )
            step = max(1, min(snap.yb - snap.ya + 1, _MAX_STEP_YEARS))
            return self._install(snap.ya, min(MAX_YEAR, snap.yb + step))

    def _install(self, ya: int, yb: int) -> Snapshot:
        snap = Snapshot(ya, yb, [self._year(y) for y in range(ya, yb + 1)])
        self.snap = snap
        return snap

    # -- generation ---------------------------------------------------------------------

    def _year(self, year: int) -> YearPeriods:
        cached = self._years.get(year)
        if cached is None:
            cached = self._generate(year)
            self._years[year] = cached
        return cached

    def _closed_dates(self, year: int) -> set[date]:
        closed = set(self._holidays.closed_dates(year)) if self._holidays else set()
        first, last = date(year, 1, 1), date(year, 12, 31)
        for a, b in self.config.closed:
            a, b = max(a, first), min(b, last)
            for ordinal in range(a.toordinal(), b.toordinal() + 1):
                closed.add(date.fromordinal(ordinal))
        return closed

    def _generate(self, year: int) -> YearPeriods:
        tz, weekly = self.config.tz, self.config.weekly
        closed = self._closed_dates(year)
        intervals: list[tuple[int, int]] = []
        days: list[tuple[int, int, int, int]] = []
        boundary: dict[tuple[int, int], int] = {}
        day = date(year, 1, 1)
        one = timedelta(days=1)
        while day.year == year:
            windows = [] if day in closed else list(weekly[day.weekday()])
            windows.extend(self._specials.get(day, ()))
            if windows:
                spans = []
                for w in sorted(windows):
                    s = _boundary(boundary, day, w.start, tz)
                    e = _boundary(boundary, day, w.end, tz)
                    if s < e:  # a window wholly inside a spring-forward gap is empty
                        spans.append((s, e))
                merged: list[list[int]] = []
                for s, e in spans:
                    if merged and s <= merged[-1][1]:
                        merged[-1][1] = max(merged[-1][1], e)
                    else:
                        merged.append([s, e])
                if merged:
                    intervals.extend((s, e) for s, e in merged)
                    days.append((day.toordinal(), merged[0][0], merged[0][1], merged[-1][1]))
            day += one
        return YearPeriods(tuple(intervals), tuple(days))


def _boundary(cache: dict[tuple[int, int], int], day: date, minutes: int, tz: ZoneInfo) -> int:
    # The same wall-clock reading (e.g. Monday 24:00 and Tuesday 00:00) maps to one instant.
    ordinal = day.toordinal() + minutes // 1440
    key = (ordinal, minutes % 1440)
    x = cache.get(key)
    if x is None:
        x = wall_to_us(date.fromordinal(ordinal), minutes % 1440, tz)
        cache[key] = x
    return x


def _show(x: int) -> str:
    try:
        return (EPOCH + timedelta(microseconds=x)).isoformat()
    except OverflowError:
        return f"{x} microseconds since the epoch"
