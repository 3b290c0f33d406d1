"""Exact, DST-proof business-time arithmetic (pure Python: no Django, never reads the clock).

See ``docs/calendar-contract.md`` for the public API and :mod:`pledgedesk.calendar.calendar`
for the documented edge semantics. Modules:

* ``errors``   - the ``CalendarError`` family (each names the offending value)
* ``instant``  - exact aware-datetime <-> epoch-microsecond conversion
* ``schedule`` - validated weekly windows, closed dates, special openings
* ``holiday``  - ``HolidaySpec`` and the chosen dates from the ``holidays`` package
* ``zonemap``  - wall clock to instant with the DST gap/fold rules
* ``timeline`` - per-year cached business periods: the one source add and between read
* ``calendar`` - ``Calendar``: scalar operations and business-day rules
* ``batch``    - NumPy ``add_batch`` / ``between_batch``
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
