"""``Calendar``: an immutable, hashable business calendar and its operations.

All operations take timezone-aware instants in any zone and return instants in the calendar's
zone. Business time is counted on real elapsed instants: periods are half-open, ``[open, close)``,
so a calendar is closed at its closing instant and open at its opening instant.

Edge semantics (each is tested in ``tests/calendar``):

* ``add(t, d)`` is the earliest instant ``x >= next_open(t)`` with ``between(t, x) == d``. A
  duration that ends exactly at closing time is due at closing time, not at the next opening;
  a ticket received while closed starts at the next opening; ``add(t, 0) == next_open(t)``.
* ``between(t1, t2)`` counts business time in ``[t1, t2]``; ``t1 > t2`` raises
  :class:`NegativeDurationError`.
* DST: see :mod:`pledgedesk.calendar.zonemap` (gap -> transition instant, fold -> first
  occurrence). Business time is real time: a 24x7 spring-forward day has 23 hours. A result
  in the repeated autumn hour carries ``fold=1`` when it is the second pass; compare such
  results in UTC, because Python's ``==`` between datetimes of *different* zones is always
  False for a time in a repeated hour (PEP 495), and ``==`` within one zone ignores ``fold``.
* A *business day* is a local date with at least one opening left after holidays, closures and
  special openings. Its openings are the windows that *start* on that date (an overnight window
  22:00-02:00 belongs to the day it starts on), so closing a date (holiday, closure) removes the
  windows that start on it.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pledgedesk.calendar.errors import (
    InvalidScheduleError,
    NegativeDurationError,
    NeverClosesError,
    NeverOpenError,
    OutOfRangeError,
    UnknownTimeZoneError,
)
from pledgedesk.calendar.holiday import HolidaySpec
from pledgedesk.calendar.instant import EPOCH, MAX_US, US, _not_aware, from_us, to_us
from pledgedesk.calendar.schedule import (
    MINUTES_PER_DAY,
    WEEKDAYS,
    Window,
    covers_whole_week,
    normalize_closed,
    normalize_specials,
    normalize_weekly,
    parse_minutes,
)
from pledgedesk.calendar.timeline import MAX_SEARCH_YEARS, Config, Snapshot, Timeline
from pledgedesk.calendar.walloffset import WallOffsets, offsets_for
from pledgedesk.calendar.zonemap import wall_to_us

if TYPE_CHECKING:  # NumPy (via .batch) loads on the first batch call, not at start
    import numpy as np

_ZERO = timedelta(0)
_TIMELINES: OrderedDict[Config, Timeline] = OrderedDict()
_TIMELINES_LOCK = threading.Lock()
_TIMELINES_MAX = 512


def resolve_tz(tz: Any) -> ZoneInfo:
    """Return the ``ZoneInfo`` for an IANA key (or a ``ZoneInfo``, or ``timezone.utc``).

    Raises :class:`UnknownTimeZoneError` naming the value otherwise.
    """
    if isinstance(tz, ZoneInfo):
        return tz
    if tz is UTC:
        return ZoneInfo("UTC")
    unknown = UnknownTimeZoneError(
        f"time zone {tz!r} is not a known IANA zone such as 'America/Toronto'", value=tz
    )
    if not (isinstance(tz, str) and tz.strip()):
        raise unknown
    try:
        return ZoneInfo(tz.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise unknown from None


def _timeline_for(config: Config) -> Timeline:
    # Equal calendars share their precomputed periods (the policy layer rebuilds calendars
    # from policy files; recomputing a year of periods each time would be wasted).
    with _TIMELINES_LOCK:
        timeline = _TIMELINES.get(config)
        if timeline is None:
            timeline = Timeline(config)
            _TIMELINES[config] = timeline
            if len(_TIMELINES) > _TIMELINES_MAX:
                _TIMELINES.popitem(last=False)
        else:
            _TIMELINES.move_to_end(config)
        return timeline


class Calendar:
    """An immutable business calendar, equal and hashable by value.

    ``weekly`` maps ``"mon".."sun"`` (or 0..6, Monday=0) to any number of ``(start, end)``
    windows (``"HH:MM"`` strings or ``datetime.time``; ``"24:00"`` allowed as an end; an end at
    or before the start runs past midnight). ``holidays`` is a :class:`HolidaySpec` or ``None``.
    ``closed`` lists dates or inclusive ``(first, last)`` date ranges closed all day.
    ``special_openings`` lists ``(date, start, end)`` extra openings that apply even on a
    holiday or closed date. A calendar with no weekly window and no special opening raises
    :class:`NeverOpenError`.
    """

    __slots__ = ("_config", "_epoch_tz", "_fromutc", "_timeline", "_tz", "_walls")

    _config: Config
    _epoch_tz: datetime
    _fromutc: Any
    _timeline: Timeline
    _tz: ZoneInfo
    _walls: WallOffsets

    def __init__(
        self,
        tz: str | ZoneInfo,
        weekly: Mapping[Any, Iterable[Any]] | None = None,
        holidays: HolidaySpec | None = None,
        closed: Iterable[Any] | None = (),
        special_openings: Iterable[Any] | None = (),
    ) -> None:
        zone = resolve_tz(tz)
        hours = normalize_weekly(weekly)
        if holidays is not None and not isinstance(holidays, HolidaySpec):
            raise InvalidScheduleError(
                f"holidays {holidays!r} must be a HolidaySpec or None", value=holidays
            )
        specials = normalize_specials(special_openings)
        if not any(hours) and not specials:
            raise NeverOpenError(
                f"calendar in {zone.key} has no opening at all: weekly hours {weekly!r} and "
                "no special openings",
                value=weekly,
            )
        config = Config(zone, hours, holidays, normalize_closed(closed), specials)
        object.__setattr__(self, "_tz", zone)
        # 1970-01-01T00:00 *labelled* with the zone: adding a UTC offset from the epoch gives
        # the UTC wall clock that ``zone.fromutc`` turns into local time (with the right fold).
        object.__setattr__(self, "_epoch_tz", datetime(1970, 1, 1, tzinfo=zone))
        object.__setattr__(self, "_fromutc", zone.fromutc)
        object.__setattr__(self, "_config", config)
        object.__setattr__(self, "_timeline", _timeline_for(config))
        object.__setattr__(self, "_walls", offsets_for(zone))

    @classmethod
    def always_open(
        cls,
        tz: str | ZoneInfo = "UTC",
        holidays: HolidaySpec | None = None,
        closed: Iterable[Any] | None = (),
    ) -> Calendar:
        """A 24x7 calendar (every day 00:00-24:00), optionally minus holidays/closed dates."""
        return cls(tz, {day: [("00:00", "24:00")] for day in WEEKDAYS}, holidays, closed)

    # -- value semantics ------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Calendar is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Calendar is immutable (cannot delete {name!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Calendar):
            return NotImplemented
        return self._config == other._config

    def __hash__(self) -> int:
        return hash(self._config)

    def __reduce__(self) -> tuple[Any, ...]:
        c = self._config
        weekly = {WEEKDAYS[i]: list(ws) for i, ws in enumerate(c.weekly) if ws}
        return (Calendar, (c.tz.key, weekly, c.holidays, c.closed, c.specials))

    def __repr__(self) -> str:
        c = self._config
        hours = ", ".join(
            f"{WEEKDAYS[i]} " + " ".join(str(w) for w in ws) for i, ws in enumerate(c.weekly) if ws
        )
        extra = f", holidays={c.holidays.region}" if c.holidays else ""
        extra += f", closed={len(c.closed)}" if c.closed else ""
        extra += f", special_openings={len(c.specials)}" if c.specials else ""
        return f"Calendar({c.tz.key!r}, {hours}{extra})"

    @property
    def tz(self) -> ZoneInfo:
        """The calendar's zone: windows are in its wall clock, results are returned in it."""
        return self._tz

    @property
    def weekly(self) -> tuple[tuple[Window, ...], ...]:
        """Seven tuples of windows, Monday first."""
        return self._config.weekly

    @property
    def holidays(self) -> HolidaySpec | None:
        """The holiday set, or ``None``."""
        return self._config.holidays

    @property
    def closed(self) -> tuple[tuple[date, date], ...]:
        """Closed dates as inclusive ``(first, last)`` ranges."""
        return self._config.closed

    @property
    def special_openings(self) -> tuple[tuple[date, Window], ...]:
        """Special openings as ``(date, Window)``."""
        return self._config.specials

    # -- core operations (hot paths, deliberately inlined) -------------------------------------

    def is_open(
        self, t: datetime, _epoch: datetime = EPOCH, _bisect: Any = bisect_right
    ) -> bool:
        """True when ``t`` lies in an opening (openings are ``[open, close)``)."""
        try:
            x = t - _epoch
        except TypeError:
            raise _not_aware(t) from None
        s = self._timeline.snap
        if s is None or not s.lo_td <= x <= s.hi_td:
            s = self._timeline.cover(x // US, x // US)
        i = _bisect(s.starts_td, x) - 1
        return i >= 0 and x < s.ends_td[i]

    # The hot paths below work on timedeltas since the epoch (``t - EPOCH``), bisect the
    # snapshot's timedelta lists and build the result with ``tz.fromutc``: no integer or float
    # conversion at all. Module constants are bound as default arguments (local lookups).

    def between(
        self,
        t1: datetime,
        t2: datetime,
        _epoch: datetime = EPOCH,
        _zero: timedelta = _ZERO,
        _bisect: Any = bisect_right,
        _datetime: type = datetime,
    ) -> timedelta:
        """Business time elapsed from ``t1`` to ``t2`` (``t1 <= t2``; both aware).

        Raises :class:`NegativeDurationError` when ``t2`` is before ``t1``.
        """
        # Both in the calendar's own zone (the common case): wall time minus the wall day's
        # cached offset, no zone call, and the search bounded to that day's openings (see
        # walloffset); a day with a DST change, or outside the snapshot, takes the slow path.
        s = self._timeline.snap
        if (
            type(t1) is _datetime
            and type(t2) is _datetime
            and t1.tzinfo is self._tz is t2.tzinfo
            and s is not None
        ):
            index = s.wall_days
            if index is None:
                index = s.wall_days = self._walls.day_index(
                    s.starts_td, s.lo_td, s.hi_td, s.ya, s.yb
                )
            x1 = t1 - self._epoch_tz
            x2 = t2 - self._epoch_tz
            d1 = index.get(x1.days)
            d2 = index.get(x2.days)
            fast = d1 is not None and d2 is not None
        else:
            fast = False
        if fast:
            x1 -= d1[0]
            x2 -= d2[0]
            lo1, hi1, lo2, hi2 = d1[1], d1[2], d2[1], d2[2]
        else:
            try:
                x1 = t1 - _epoch
                x2 = t2 - _epoch
            except TypeError:
                raise _not_aware(
                    t2 if isinstance(t1, datetime) and t1.utcoffset() else t1
                ) from None
            if s is None or not (s.lo_td <= x1 and x2 <= s.hi_td):
                s = self._timeline.cover(x1 // US, x2 // US)
            lo1 = lo2 = 0
            hi1 = hi2 = len(s.starts_td)
        if x2 < x1:
            raise NegativeDurationError(
                f"between({t1.isoformat()}, {t2.isoformat()}): the end is before the start",
                value=(t1, t2),
            )
        starts = s.starts_td
        i = _bisect(starts, x2, lo2, hi2) - 1
        if i < 0:
            return _zero
        start = starts[i]
        e = s.ends_td[i]
        if x1 >= start:  # both in or after the same opening
            return (x2 if x2 < e else e) - (x1 if x1 < e else e)
        c2 = s.cum_td[i] + (x2 if x2 < e else e) - start
        i = _bisect(starts, x1, lo1, hi1) - 1
        if i < 0:
            return c2
        e = s.ends_td[i]
        return c2 - s.cum_td[i] - (x1 if x1 < e else e) + starts[i]

    def add(
        self,
        t: datetime,
        duration: timedelta,
        _epoch: datetime = EPOCH,
        _zero: timedelta = _ZERO,
        _one: timedelta = US,
        _bisect: Any = bisect_right,
    ) -> datetime:
        """The due instant: ``duration`` of business time after ``t``.

        The earliest instant ``x >= next_open(t)`` with ``between(t, x) == duration``: a
        duration ending exactly at closing time is due at closing time; a ticket received
        while closed starts at the next opening; ``add(t, timedelta(0)) == next_open(t)``.
        Raises :class:`NegativeDurationError` for a negative duration and
        :class:`NeverOpenError` when no opening exists for ``MAX_SEARCH_YEARS`` years.
        """
        try:
            x = t - _epoch
        except TypeError:
            raise _not_aware(t) from None
        try:
            negative = duration < _zero
        except TypeError:
            raise TypeError(f"expected a datetime.timedelta duration, got {duration!r}") from None
        if negative:
            raise NegativeDurationError(
                f"duration -{-duration} is negative: business durations must be >= 0",
                value=duration,
            )
        s = self._timeline.snap
        if s is not None and s.lo_td <= x <= s.hi_td:
            starts = s.starts_td
            i = _bisect(starts, x) - 1
            if i >= 0:
                e = s.ends_td[i]
                target = s.cum_td[i] + (x if x < e else e) - starts[i] + duration
            else:
                target = duration
            key = target - _one if duration else target
            if key < s.hi_cum_td:
                j = _bisect(s.cum_end_td, key)
                return self._fromutc(self._epoch_tz + (starts[j] + target - s.cum_td[j]))
        return from_us(self._add_us(x // US, duration // US), self._tz)

    def _add_us(self, x: int, d: int) -> int:
        """Slow path of :meth:`add`: build whatever years the answer needs."""
        if d > MAX_US - x:
            raise OutOfRangeError(
                f"adding {timedelta(microseconds=d)} to {_show(x)} goes beyond the year 9995",
                value=timedelta(microseconds=d),
            )
        s = self._timeline.cover(x, x)
        while True:
            found = s.instant_at(s.business_before(x) + d, d > 0)
            if found is not None:
                return found
            s = self._timeline.extend_forward(s, x, lambda: self._never_open(x))

    def next_open(self, t: datetime) -> datetime:
        """``t`` (in the calendar's zone) if open, else the start of the next opening."""
        return from_us(self._next_open_us(to_us(t)), self._tz)

    def next_close(self, t: datetime) -> datetime:
        """The end of the opening containing ``t``, or of the next opening if ``t`` is closed.

        Raises :class:`NeverClosesError` when that opening lasts ``MAX_SEARCH_YEARS`` years
        (a plain 24x7 calendar never closes).
        """
        x = self._next_open_us(to_us(t))
        if covers_whole_week(self._config.weekly) and not (
            self._config.holidays or self._config.closed
        ):
            raise self._never_closes(x)
        s = self._timeline.cover(x, x)
        while True:
            i = bisect_right(s.starts, x) - 1
            if s.ends[i] < s.hi:
                return from_us(s.ends[i], self._tz)
            s = self._timeline.extend_forward(
                s, x, lambda: self._never_closes(x), from_last_opening=False
            )

    def _next_open_us(self, x: int) -> int:
        s = self._timeline.cover(x, x)
        while True:
            i = bisect_right(s.starts, x) - 1
            if i >= 0 and x < s.ends[i]:
                return x
            if i + 1 < len(s.starts) and s.starts[i + 1] <= s.hi:
                return s.starts[i + 1]
            s = self._timeline.extend_forward(s, x, lambda: self._never_open(x))

    # -- business days --------------------------------------------------------------------

    def _day_index(self, s: Snapshot, x: int) -> int:
        """Index of the business day owning the open instant ``x`` (the latest day whose
        first opening is at or before ``x``)."""
        return bisect_right(s.day_start, x) - 1

    def _first_day_from(self, ordinal: int, origin: int) -> tuple[Snapshot, int]:
        """The first business day whose local date ordinal is ``>= ordinal``."""
        s = self._timeline.cover(origin, origin)
        while True:
            k = bisect_left(s.day_ord, ordinal)
            if k < len(s.day_ord) and s.day_end[k] < s.hi:
                return s, k
            s = self._timeline.extend_forward(s, origin, lambda: self._never_open(origin))

    def _day_ahead(self, s: Snapshot, k: int, n: int, origin: int) -> Snapshot:
        """A snapshot in which business day ``k + n`` exists and is complete."""
        while not (k + n < len(s.day_ord) and s.day_end[k + n] < s.hi):
            s = self._timeline.extend_forward(s, origin, lambda: self._never_open(origin))
        return s

    def _local_date(self, x: int) -> date:
        return from_us(x, self._tz).date()

    def business_day_end(self, t: datetime) -> datetime:
        """The last closing of the business day ``t`` falls in, or of the business day of
        ``next_open(t)`` when ``t`` is closed (a lunch break belongs to its own day).

        For an overnight window 22:00-02:00 that is 02:00 the next morning; on a 24x7
        calendar it is the next local midnight.
        """
        y = self._next_open_us(to_us(t))
        s = self._timeline.cover(y, y)
        k = self._day_index(s, y)
        s = self._day_ahead(s, k, 0, y)
        return from_us(s.day_end[k], self._tz)

    def next_business_morning(self, t: datetime, *, morning_end: str | time = "12:00") -> datetime:
        """End of the next business morning: the instant ``morning_end`` (default 12:00 local,
        same DST rules as windows) on the first business day whose local date is after the
        local date of ``t``, clamped into that day's openings:

        * noon inside an opening or in a break between openings of that day -> noon;
        * the day closes before noon (e.g. 06:00-11:00) -> its last closing;
        * the day opens at or after noon (e.g. 13:00-21:00) -> the end of its first window,
          so a "next morning" target always leaves at least one opening to act in.
        """
        x = to_us(t)
        minutes = parse_minutes(morning_end, allow_24=True)
        s, k = self._first_day_from(self._local_date(x).toordinal() + 1, x)
        return from_us(self._morning_end(s, k, minutes), self._tz)

    def _morning_end(self, s: Snapshot, k: int, minutes: int) -> int:
        noon = wall_to_us(date.fromordinal(s.day_ord[k]), minutes, self._tz)
        if noon <= s.day_start[k]:
            return s.day_first_end[k]
        return min(noon, s.day_end[k])

    def cutoff_due(
        self,
        t: datetime,
        cutoff: str | time = "15:00",
        cutoff_tz: str | ZoneInfo | None = None,
        *,
        morning_end: str | time = "12:00",
    ) -> datetime:
        """RK-6: received before ``cutoff`` (wall clock in ``cutoff_tz``, default the calendar's
        zone): due at the end of that business day; otherwise at the end of the next business
        morning (see :meth:`next_business_morning`).

        The business day of receipt ``D`` and the receipt instant ``r``:

        * ``t`` open: ``D`` is the business day owning ``t``, ``r = t``;
        * ``t`` closed on a local date that is a business day (before opening, in a break,
          after closing): ``D`` is that date, ``r = t`` (so 20:00 after a 15:00 cutoff is
          "after the cutoff" and due the next business morning);
        * ``t`` closed on a date that is not a business day (weekend, holiday): ``D`` is the
          next business day and ``r`` its local midnight, i.e. received at the start of it.

        Then the due instant is the last closing of ``D`` if ``r`` is before both the cutoff
        instant on ``D``'s date and that closing, else the end of the morning of the business
        day after ``D``. Later receipts never get earlier due instants.
        """
        x = to_us(t)
        cut = parse_minutes(cutoff, allow_24=True)
        zone = self._tz if cutoff_tz is None else resolve_tz(cutoff_tz)
        minutes = parse_minutes(morning_end, allow_24=True)
        s = self._timeline.cover(x, x)
        i = bisect_right(s.starts, x) - 1
        if i >= 0 and x < s.ends[i]:
            k = self._day_index(s, x)
        else:
            s, k = self._first_day_from(self._local_date(x).toordinal(), x)
        day = date.fromordinal(s.day_ord[k])
        r = max(x, wall_to_us(day, 0, self._tz))
        s = self._day_ahead(s, k, 0, x)
        if r < wall_to_us(day, cut, zone) and r < s.day_end[k]:
            return from_us(s.day_end[k], self._tz)
        s = self._day_ahead(s, k, 1, x)
        return from_us(self._morning_end(s, k + 1, minutes), self._tz)

    def add_days(self, t: datetime, n: int) -> datetime:
        """``n`` business days after ``t`` ("resolve within 1 business day").

        Start at ``y = next_open(t)``, in business day ``D``. The due instant is the same local
        wall-clock time of day as ``y`` on the ``n``-th business day after ``D`` (mapped with
        the calendar's DST rules), clamped into that day's openings: before its first opening
        -> that opening, after its last closing -> that closing (a short Friday). When ``y`` is
        ``D``'s first opening (``t`` at or before it, e.g. received overnight or on a weekend)
        the due instant is the closing of the ``(n-1)``-th business day after ``D`` rather than
        the opening of the ``n``-th, in line with "ends exactly at closing time is due at
        closing time". Examples (09:00-17:00): Tuesday 10:00 + 1 -> Wednesday 10:00; Tuesday
        20:00 + 1 -> Wednesday 17:00; Friday 10:00 + 1 before a Monday holiday -> Tuesday
        10:00; on 24x7, Saturday 10:00 + 1 -> Sunday 10:00 even on a 23-hour Sunday.
        ``add_days(t, 0) == next_open(t)``.
        """
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"business days must be an int, got {n!r}")
        if n < 0:
            raise NegativeDurationError(f"business days {n!r} is negative", value=n)
        y = self._next_open_us(to_us(t))
        if n == 0:
            return from_us(y, self._tz)
        s = self._timeline.cover(y, y)
        k = self._day_index(s, y)
        if y == s.day_start[k]:
            s = self._day_ahead(s, k, n - 1, y)
            return from_us(s.day_end[k + n - 1], self._tz)
        local = from_us(y, self._tz)
        minutes = (local.toordinal() - s.day_ord[k]) * MINUTES_PER_DAY
        minutes += local.hour * 60 + local.minute
        below_minute = local.second * 1_000_000 + local.microsecond
        s = self._day_ahead(s, k, n, y)
        kn = k + n
        target = wall_to_us(date.fromordinal(s.day_ord[kn]), minutes, self._tz) + below_minute
        target = min(max(target, s.day_start[kn]), s.day_end[kn])
        return from_us(target, self._tz)

    # -- batch path (see pledgedesk.calendar.batch) ----------------------------------------

    def add_batch(self, starts: Any, durations: Any) -> np.ndarray:
        """Vectorised :meth:`add`: int64 epoch microseconds (or ``datetime64``) and int64
        microsecond durations (or ``timedelta64``), broadcast together; returns int64 epoch
        microseconds with exactly the scalar semantics."""
        from pledgedesk.calendar import batch

        return batch.add_batch(self._timeline, starts, durations, self._never_open)

    def between_batch(self, starts: Any, ends: Any) -> np.ndarray:
        """Vectorised :meth:`between`: int64 epoch microseconds (or ``datetime64``) in,
        int64 business microseconds out. Any ``ends < starts`` raises."""
        from pledgedesk.calendar import batch

        return batch.between_batch(self._timeline, starts, ends)

    # -- errors ---------------------------------------------------------------------------

    def _never_open(self, x: int) -> NeverOpenError:
        return NeverOpenError(
            f"{self!r} has no opening within {MAX_SEARCH_YEARS} years after {_show(x)}", value=self
        )

    def _never_closes(self, x: int) -> NeverClosesError:
        return NeverClosesError(
            f"{self!r} does not close within {MAX_SEARCH_YEARS} years after {_show(x)}", value=self
        )


def _show(x: int) -> str:
    try:
        return from_us(x, UTC).isoformat()
    except (OverflowError, ValueError):
        return f"{x} microseconds since the epoch"


__all__ = ["Calendar", "resolve_tz"]
