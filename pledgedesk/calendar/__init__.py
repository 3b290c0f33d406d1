"""Exact, DST-proof business-time arithmetic (pure Python: no Django, never reads the clock).

See ``docs/calendar-contract.md`` for the public API and :mod:`pledgedesk.calendar.calendar`
for the documented edge semantics.
"""

from pledgedesk.calendar.calendar import Calendar, resolve_tz
from pledgedesk.calendar.errors import (
    CalendarError,
    InvalidScheduleError,
    NaiveDatetimeError,
    NegativeDurationError,
    NeverClosesError,
    NeverOpenError,
    OutOfRangeError,
    UnknownHolidayRegionError,
    UnknownTimeZoneError,
)
from pledgedesk.calendar.holiday import HolidaySpec
from pledgedesk.calendar.schedule import Window
from pledgedesk.calendar.timeline import MAX_SEARCH_YEARS

__all__ = [
    "MAX_SEARCH_YEARS",
    "Calendar",
    "CalendarError",
    "HolidaySpec",
    "InvalidScheduleError",
    "NaiveDatetimeError",
    "NegativeDurationError",
    "NeverClosesError",
    "NeverOpenError",
    "OutOfRangeError",
    "UnknownHolidayRegionError",
    "UnknownTimeZoneError",
    "Window",
    "resolve_tz",
]
