"""The batch path: ``add`` and ``between`` for NumPy arrays of instants.

For recomputing the due instant of every open ticket when a calendar or policy changes. It
reads the same snapshot of business periods as the scalar path (``C(x)`` is the business time
before ``x``; ``add`` finds the earliest instant with ``C = C(start) + d``), so the two always
agree; lookups use :class:`pledgedesk.calendar.timeline.GridIndex`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pledgedesk.calendar.errors import CalendarError, NegativeDurationError, OutOfRangeError
from pledgedesk.calendar.instant import MAX_US
from pledgedesk.calendar.timeline import Snapshot, Timeline


def us_array(values: Any, name: str) -> np.ndarray:
    """int64 microseconds from an int array, or from ``datetime64``/``timedelta64``."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[us]").view(np.int64)
    if arr.dtype.kind == "m":
        return arr.astype("timedelta64[us]").view(np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be int64 epoch microseconds, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def business_before(s: Snapshot, x: np.ndarray) -> np.ndarray:
    """``C(x)`` for every element of ``x`` (exact for instants within the snapshot)."""
    a_starts, a_ends, a_cum, _ = s.arrays()
    if a_starts.size == 0:
        return np.zeros(x.shape, dtype=np.int64)
    i = np.maximum(s.indexes()[0].search_right(x) - 1, 0)
    inside = np.minimum(x, a_ends[i]) - a_starts[i]
    return a_cum[i] + np.maximum(inside, 0)


def add_batch(
    timeline: Timeline,
    starts: Any,
    durations: Any,
    never_open: Callable[[int], CalendarError],
) -> np.ndarray:
    """Due instants (int64 epoch microseconds) for ``starts`` plus business ``durations``."""
    x, d = np.broadcast_arrays(us_array(starts, "starts"), us_array(durations, "durations"))
    if x.size == 0:
        return np.empty(x.shape, dtype=np.int64)
    if (d < 0).any():
        bad = int(np.argmax(d < 0))
        raise NegativeDurationError(
            f"durations[{bad}] = {int(d.flat[bad])} microseconds is negative",
            value=int(d.flat[bad]),
        )
    lo, hi = int(x.min()), int(x.max())
    if int(d.max()) > MAX_US - hi:
        raise OutOfRangeError(
            f"adding {int(d.max())} microseconds goes beyond the year 9995", value=int(d.max())
        )
    s = timeline.cover(lo, hi)
    while True:
        target = business_before(s, x) + d
        key = target - (d > 0)  # a positive duration ends at a closing, not the next opening
        if int(key.max()) < s.hi_cum:
            break
        s = timeline.extend_forward(s, lo, lambda: never_open(lo))
    a_starts, _, a_cum, _ = s.arrays()
    j = s.indexes()[1].search_right(key)
    return a_starts[j] + target - a_cum[j]


def between_batch(timeline: Timeline, starts: Any, ends: Any) -> np.ndarray:
    """Business microseconds from each start to its end (``ends >= starts``)."""
    x1, x2 = np.broadcast_arrays(us_array(starts, "starts"), us_array(ends, "ends"))
    if x1.size == 0:
        return np.empty(x1.shape, dtype=np.int64)
    if (x2 < x1).any():
        bad = int(np.argmax(x2 < x1))
        raise NegativeDurationError(
            f"ends[{bad}] is before starts[{bad}]", value=(int(x1.flat[bad]), int(x2.flat[bad]))
        )
    s = timeline.cover(int(x1.min()), int(x2.max()))
    return business_before(s, x2) - business_before(s, x1)
