"""The one place Pledgedesk reads the wall clock.

Rules never call ``datetime.now()``: services take ``now`` as an argument, and the code at the
edge (a view, a worker job, a command) asks ``current()`` once and passes it down. Tests and
the demo swap the clock with ``use()`` to run any rule at any instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: for tests and for fast-forwarding a demo."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError(f"FixedClock needs a timezone-aware instant, got {at!r}")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at = self.at + timedelta(**delta)
        return self.at


_clock: SystemClock | FixedClock = SystemClock()


def current() -> datetime:
    """The current instant, in UTC, from the installed clock."""
    return _clock.now().astimezone(UTC)


@contextmanager
def use(clock: SystemClock | FixedClock) -> Iterator[SystemClock | FixedClock]:
    global _clock
    previous, _clock = _clock, clock
    try:
        yield clock
    finally:
        _clock = previous
