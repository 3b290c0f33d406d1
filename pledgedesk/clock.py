"""The one place Pledgedesk reads the wall clock.

Rules never call ``datetime.now()``: services take ``now`` as an argument, and the code at the
edge (a view, a worker job, a command) asks ``current()`` once and passes it down. Tests and
the demo swap the clock with ``use()`` to run any rule at any instant.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


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

    def sleep(self, seconds: float) -> None:
        """Waiting on a fixed clock moves it on at once: a delay is seen, not waited."""
        self.advance(seconds=seconds)


_clock: SystemClock | FixedClock = SystemClock()


def current() -> datetime:
    """The current instant, in UTC, from the installed clock."""
    return _clock.now().astimezone(UTC)


def sleep(seconds: float) -> None:
    """Wait ``seconds`` on the installed clock (a deliberate delay, such as sign-in's)."""
    _clock.sleep(seconds)


@contextmanager
def use(clock: SystemClock | FixedClock) -> Iterator[SystemClock | FixedClock]:
    global _clock
    previous, _clock = _clock, clock
    try:
        yield clock
    finally:
        _clock = previous
