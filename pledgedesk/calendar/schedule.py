"""Validated weekly hours, closed dates and special openings (the calendar's configuration).

Hours are minutes since local midnight (so ``"24:00"`` is simply 1440) and, for the week as a
whole, minutes since Monday 00:00 (as in zendesk/biz). A window whose end is at or before its
start runs past midnight and belongs to the day it starts on.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from pledgedesk.calendar.errors import InvalidScheduleError

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")

TimeLike = str | time


def parse_minutes(value: TimeLike, *, allow_24: bool) -> int:
    """Return ``"HH:MM"`` or a ``datetime.time`` as minutes since midnight (0..1440).

    ``"24:00"`` (1440) is accepted only where ``allow_24`` is true, i.e. as a window end.
    Seconds are not supported: business hours have minute resolution.
    """
    if isinstance(value, time):
        if value.tzinfo is not None or value.second or value.microsecond:
            raise InvalidScheduleError(
                f"time {value!r} must be a naive whole minute (the calendar's zone applies)",
                value=value,
            )
        return value.hour * 60 + value.minute
    if isinstance(value, str):
        match = _HHMM.match(value.strip())
        if match:
            hours, minutes = int(match.group(1)), int(match.group(2))
            if minutes < 60 and (hours < 24 or (allow_24 and hours == 24 and minutes == 0)):
                return hours * 60 + minutes
    where = "an end" if allow_24 else "a start"
    raise InvalidScheduleError(
        f"time {value!r} is not a valid {where} time: use 'HH:MM' from 00:00 to "
        f"{'24:00' if allow_24 else '23:59'}",
        value=value,
    )


def format_minutes(minutes: int) -> str:
    """Return minutes since midnight as ``HH:MM`` (``24:00`` and beyond for the next day)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """One opening window of a day, in local wall-clock minutes since that day's midnight.

    ``start`` is in 0..1439 and ``end`` in ``start+1 .. start+1440``; an ``end`` above 1440
    means the window runs past midnight into the next day (it still belongs to its start day).
    Build one from strings with :meth:`parse`: ``Window.parse("22:00", "02:00")``.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (
            isinstance(self.start, int)
            and isinstance(self.end, int)
            and 0 <= self.start < MINUTES_PER_DAY
            and self.start < self.end <= self.start + MINUTES_PER_DAY
        ):
            raise InvalidScheduleError(
                f"window ({self.start!r}, {self.end!r}) is not a valid minute range",
                value=(self.start, self.end),
            )

    @classmethod
    def parse(cls, start: TimeLike, end: TimeLike) -> Window:
        """Parse ``(start, end)`` times; ``end <= start`` runs past midnight.

        A window whose end equals its start is ambiguous (empty or 24 hours?) and is
        rejected: write ``("00:00", "24:00")`` for a whole day.
        """
        s = parse_minutes(start, allow_24=False)
        e = parse_minutes(end, allow_24=True)
        if e == s:
            raise InvalidScheduleError(
                f"window {start!r}-{end!r} is empty or ambiguous: "
                "use '00:00'-'24:00' for a whole day",
                value=(start, end),
            )
        if e < s:
            e += MINUTES_PER_DAY
        return cls(s, e)

    def __str__(self) -> str:
        """``09:00-17:00``, ``00:00-24:00``, or ``22:00-02:00+1`` for a window past midnight."""
        if self.end <= MINUTES_PER_DAY:
            return f"{format_minutes(self.start)}-{format_minutes(self.end)}"
        return f"{format_minutes(self.start)}-{format_minutes(self.end - MINUTES_PER_DAY)}+1"


def as_window(item: Any) -> Window:
    """Accept a :class:`Window` or a ``(start, end)`` pair of times."""
    if isinstance(item, Window):
        return item
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return Window.parse(item[0], item[1])
    raise InvalidScheduleError(
        f"window {item!r} must be a (start, end) pair such as ('09:00', '17:00')", value=item
    )


def weekday_index(key: Any) -> int:
    """Return Monday=0 .. Sunday=6 for ``"mon"``/``"monday"`` (any case) or an int 0..6."""
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 6:
        return key
    if isinstance(key, str):
        k = key.strip().lower()
        if k in WEEKDAYS:
            return WEEKDAYS.index(k)
        if k in _FULL_NAMES:
            return _FULL_NAMES.index(k)
    raise InvalidScheduleError(
        f"weekday {key!r} is unknown: use 'mon'..'sun' or 0..6 (Monday=0)", value=key
    )


def normalize_weekly(weekly: Mapping[Any, Iterable[Any]] | None) -> tuple[tuple[Window, ...], ...]:
    """Return seven sorted tuples of windows (Monday first), validated against overlap.

    Windows are checked in minutes-since-week-start, including the wrap from Sunday night
    into Monday, so an overnight window may not overlap the next day's first window.
    Touching windows (one ends when the next starts) are fine and count as one opening.
    """
    days: list[list[Window]] = [[] for _ in range(7)]
    if weekly is None:
        weekly = {}
    if not isinstance(weekly, Mapping):
        raise InvalidScheduleError(
            f"weekly hours {weekly!r} must be a mapping such as {{'mon': [('09:00', '17:00')]}}",
            value=weekly,
        )
    seen: dict[int, Any] = {}
    for key, windows in weekly.items():
        index = weekday_index(key)
        if index in seen:
            raise InvalidScheduleError(
                f"weekday {key!r} is given twice (also as {seen[index]!r})", value=key
            )
        seen[index] = key
        if isinstance(windows, (str, Window)) or not isinstance(windows, Iterable):
            raise InvalidScheduleError(
                f"hours for {key!r} must be a list of (start, end) windows, got {windows!r}",
                value=windows,
            )
        days[index] = sorted(as_window(w) for w in windows)
    _check_week_overlap(days)
    return tuple(tuple(d) for d in days)


def _check_week_overlap(days: list[list[Window]]) -> None:
    spans = sorted(
        (index * MINUTES_PER_DAY + w.start, index * MINUTES_PER_DAY + w.end, index, w)
        for index, windows in enumerate(days)
        for w in windows
    )
    for (_, prev_end, prev_day, prev), (start, _, day, w) in itertools.pairwise(spans):
        if start < prev_end:
            raise _overlap(prev_day, prev, day, w)
    if spans:
        _last_start, last_end, last_day, last = spans[-1]
        first_start, _, first_day, first = spans[0]
        if last_end - MINUTES_PER_WEEK > first_start and (last_day, last) != (first_day, first):
            raise _overlap(last_day, last, first_day, first)


def _overlap(day_a: int, a: Window, day_b: int, b: Window) -> InvalidScheduleError:
    return InvalidScheduleError(
        f"weekly windows overlap: {WEEKDAYS[day_a]} {a} and {WEEKDAYS[day_b]} {b}",
        value=(WEEKDAYS[day_a], str(a), WEEKDAYS[day_b], str(b)),
    )


def _as_date(value: Any, what: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise InvalidScheduleError(f"{what} {value!r} must be a datetime.date", value=value)


def normalize_closed(closed: Iterable[Any] | None) -> tuple[tuple[date, date], ...]:
    """Return closed dates as sorted inclusive ``(first, last)`` ranges.

    Each item is a ``date`` or an inclusive ``(first, last)`` pair; ``last < first`` is an
    error naming the pair.
    """
    ranges = []
    for item in closed or ():
        if isinstance(item, (tuple, list)):
            if len(item) != 2:
                raise InvalidScheduleError(
                    f"closed range {item!r} must be (first_date, last_date)", value=item
                )
            first = _as_date(item[0], "closed range start")
            last = _as_date(item[1], "closed range end")
            if last < first:
                raise InvalidScheduleError(
                    f"closed range {item!r} is inverted: {last} is before {first}", value=item
                )
            ranges.append((first, last))
        else:
            day = _as_date(item, "closed date")
            ranges.append((day, day))
    return tuple(sorted(set(ranges)))


def normalize_specials(specials: Iterable[Any] | None) -> tuple[tuple[date, Window], ...]:
    """Return special openings as sorted ``(date, Window)`` pairs.

    Each item is ``(date, start, end)`` or ``(date, Window)``. Two special openings of the same
    date may not overlap. A special opening is added to whatever else is open that day (it
    overrides a holiday or closure for its own window only).
    """
    result: list[tuple[date, Window]] = []
    for item in specials or ():
        if isinstance(item, (tuple, list)) and len(item) == 3:
            day, window = _as_date(item[0], "special opening date"), Window.parse(item[1], item[2])
        elif isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[1], Window):
            day, window = _as_date(item[0], "special opening date"), item[1]
        else:
            raise InvalidScheduleError(
                f"special opening {item!r} must be (date, 'HH:MM', 'HH:MM')", value=item
            )
        result.append((day, window))
    result.sort()
    for (day_a, a), (day_b, b) in itertools.pairwise(result):
        if day_a == day_b and b.start < a.end:
            raise InvalidScheduleError(
                f"special openings overlap on {day_a}: {a} and {b}", value=(day_a, str(a), str(b))
            )
    return tuple(result)


def covers_whole_week(weekly: tuple[tuple[Window, ...], ...]) -> bool:
    """True when the weekly windows leave no minute of the week closed."""
    covered = 0
    for windows in weekly:
        covered += sum(w.end - w.start for w in windows)
    return covered >= MINUTES_PER_WEEK
