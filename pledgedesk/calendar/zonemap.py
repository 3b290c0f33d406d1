"""Local wall-clock times of a calendar's zone to instants, with explicit DST rules.

One function maps a wall-clock reading to an instant, and it is monotone (a later wall time never
maps to an earlier instant), so touching windows stay touching and no window is ever inverted:

* Spring-forward gap: a wall time that does not exist (02:30 in Toronto on the second Sunday of
  March) maps to the first real instant after the gap, i.e. the transition itself (03:00 EDT).
  A window 01:00-03:00 on that day therefore lasts one real hour, and a window entirely inside
  the gap lasts nothing and is dropped.
* Fall-back fold: a wall time that occurs twice (01:30 in Toronto on the first Sunday of
  November) maps to its first occurrence (``fold=0``, still on summer time), for window starts
  and ends alike. A window 01:00-02:00 on that day therefore lasts two real hours (01:00 EDT
  to 02:00 EST), a 24x7 fall-back day lasts 25 real hours and a spring-forward day 23.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pledgedesk.calendar.instant import EPOCH, US, US_PER_S, from_us


def wall_to_us(day: date, minutes: int, tz: ZoneInfo) -> int:
    """Instant (epoch microseconds) of ``minutes`` after local midnight starting ``day``.

    ``minutes`` may exceed 1440 (a window running past midnight); the wall-clock reading is
    ``day 00:00 + minutes`` on the clock face, resolved by the module's gap/fold rules.
    """
    wall = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minutes)
    first = (wall - EPOCH) // US  # fold=0: first occurrence, or pre-transition offset in a gap
    if _is_real(wall, first, tz):
        return first
    # In a gap, fold=0 resolves with the old offset and lands after the transition, fold=1
    # resolves with the new offset and lands before it: the transition lies in between.
    other = (wall.replace(fold=1) - EPOCH) // US
    return _transition_between(min(first, other), max(first, other), tz)


def _is_real(wall: datetime, x: int, tz: ZoneInfo) -> bool:
    back = from_us(x, tz)
    return back.replace(tzinfo=None, fold=0) == wall.replace(tzinfo=None, fold=0)


def _transition_between(lo: int, hi: int, tz: ZoneInfo) -> int:
    """First instant in (lo, hi] whose UTC offset differs from the offset at ``lo``."""
    offset = from_us(lo, tz).utcoffset()
    lo_s, hi_s = lo // US_PER_S, -(-hi // US_PER_S)  # zone transitions happen on whole seconds
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if from_us(mid * US_PER_S, tz).utcoffset() == offset:
            lo_s = mid
        else:
            hi_s = mid
    return hi_s * US_PER_S
