"""One family of calendar errors.

Every error a caller can provoke with bad input is a subclass of :class:`CalendarError`
(itself a ``ValueError``), carries a machine ``code`` and the offending ``value``, and names
that value in its message. Nothing in this package loops without a bound: a search that could
run forever raises :class:`NeverOpenError` (or :class:`NeverClosesError`) instead.
"""

from __future__ import annotations

from typing import Any


class CalendarError(ValueError):
    """Base class of every error raised by ``pledgedesk.calendar`` for bad input."""

    code = "calendar_error"

    def __init__(self, message: str, value: Any = None) -> None:
        super().__init__(message)
        self.value = value


class NaiveDatetimeError(CalendarError):
    """An instant without a time zone (or whose tzinfo gives no UTC offset) was passed."""

    code = "naive_datetime"


class UnknownTimeZoneError(CalendarError):
    """The time zone is not an IANA key known to ``zoneinfo``."""

    code = "unknown_time_zone"


class UnknownHolidayRegionError(CalendarError):
    """The ``holidays`` package knows no such country, or no such subdivision of it."""

    code = "unknown_holiday_region"


class InvalidScheduleError(CalendarError):
    """Malformed, overlapping or empty windows, bad dates, unknown weekdays or holiday names."""

    code = "invalid_schedule"


class NegativeDurationError(CalendarError):
    """A negative duration, a negative number of days, or ``between`` with ``t1 > t2``."""

    code = "negative_duration"


class NeverOpenError(CalendarError):
    """The calendar has no opening at all, or none within the search bound after an instant."""

    code = "never_open"


class NeverClosesError(CalendarError):
    """``next_close`` found no closing within the search bound (e.g. a plain 24x7 calendar)."""

    code = "never_closes"


class OutOfRangeError(CalendarError):
    """The answer would fall outside the years ``datetime`` can represent (2..9998 here)."""

    code = "out_of_range"
