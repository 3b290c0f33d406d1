"""Parsing of the small textual values a policy file uses: durations, clock times, windows.

Durations are written as a number and a unit, several of them concatenated:
``"30m"``, ``"2h"``, ``"1h30m"``, ``"1d"`` (one day is 24 hours of the calendar's business
time; use ``business_days`` for "N business days"). Clock times are ``"HH:MM"`` with
``"24:00"`` allowed as a window end. A window is ``"HH:MM-HH:MM"``; an end at or before the
start runs past midnight, as the calendar library defines.
"""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION_PART = re.compile(r"(\d+)\s*([dhm])")
_DURATION_FULL = re.compile(r"^\s*(?:\d+\s*[dhm]\s*)+$")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def parse_duration(text: object) -> timedelta:
    """Parse ``"2h"``, ``"30m"``, ``"1h30m"``, ``"1d"`` into a positive timedelta."""
    if not isinstance(text, str):
        raise ValueError(f"a duration is a string such as \"2h\" or \"30m\", not {text!r}")
    if not _DURATION_FULL.match(text):
        raise ValueError(
            f"cannot read duration {text!r}: write a number and a unit m, h or d, e.g. \"30m\", "
            "\"2h\", \"1h30m\""
        )
    total = timedelta()
    for amount, unit in _DURATION_PART.findall(text):
        total += int(amount) * _UNITS[unit]
    if total <= timedelta():
        raise ValueError(f"duration {text!r} must be longer than zero")
    return total


def format_duration(value: timedelta) -> str:
    """The inverse of :func:`parse_duration`, for messages and rendering (``"1h30m"``)."""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes or not parts:
        parts.append(f"{minutes}m")
    return "".join(parts)


def parse_clock(text: object, *, allow_24: bool = False) -> tuple[int, int]:
    """Parse ``"HH:MM"`` into (hour, minute); ``"24:00"`` only where ``allow_24``."""
    if not isinstance(text, str) or not _CLOCK.match(text):
        raise ValueError(f"cannot read time {text!r}: write HH:MM, e.g. \"15:00\"")
    hour, minute = int(text[:2]), int(text[3:])
    if hour == 24 and (minute != 0 or not allow_24):
        raise ValueError(f"time {text!r} is not a clock time (24:00 is only a window end)")
    return hour, minute


def parse_window(text: object) -> tuple[str, str]:
    """Parse ``"08:00-17:00"`` into its two clock strings, validated."""
    if not isinstance(text, str) or text.count("-") != 1:
        raise ValueError(f"cannot read opening window {text!r}: write \"HH:MM-HH:MM\"")
    start, end = (part.strip() for part in text.split("-"))
    parse_clock(start)
    parse_clock(end, allow_24=True)
    if start == end:
        raise ValueError(f"opening window {text!r} is empty")
    return start, end


def clock_minutes(text: str) -> int:
    hour, minute = parse_clock(text, allow_24=True)
    return hour * 60 + minute
