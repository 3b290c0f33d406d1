"""The batch path (NumPy) answers exactly like the scalar path."""

from datetime import UTC, datetime, timedelta

import numpy as np

from pledgedesk.calendar import Calendar, HolidaySpec

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
CAL = Calendar(
    "America/Toronto",
    {d: [("09:00", "12:00"), ("13:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")},
    HolidaySpec("CA", "ON"),
)


def sample(n: int = 2000, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lo = (datetime(2026, 1, 1, tzinfo=UTC) - EPOCH) // US
    hi = (datetime(2028, 1, 1, tzinfo=UTC) - EPOCH) // US
    starts = rng.integers(lo, hi, n)
    durations = rng.integers(0, 200 * 3600 * 10**6, n)
    durations[:50] = 0
    durations[50:100] = 3 * 3600 * 10**6  # whole hours: many end exactly at a closing
    starts[100:150] = (datetime(2026, 3, 2, 17, tzinfo=UTC) - EPOCH) // US
    return starts, durations


def test_add_batch_equals_scalar_add():
    starts, durations = sample()
    got = CAL.add_batch(starts, durations)
    for x, d, y in zip(starts.tolist(), durations.tolist(), got.tolist(), strict=True):
        assert EPOCH + y * US == CAL.add(EPOCH + x * US, d * US)


def test_between_batch_equals_scalar_between():
    starts, durations = sample(seed=8)
    ends = starts + durations
    got = CAL.between_batch(starts, ends)
    for x, e, b in zip(starts.tolist(), ends.tolist(), got.tolist(), strict=True):
        assert b * US == CAL.between(EPOCH + x * US, EPOCH + e * US)


def test_batch_accepts_datetime64_and_timedelta64():
    starts = np.array(["2026-03-06T20:00:00"], dtype="datetime64[us]")  # Friday 15:00 Toronto
    got = CAL.add_batch(starts, np.array([3 * 3600], dtype="timedelta64[s]"))
    assert EPOCH + int(got[0]) * US == datetime(2026, 3, 9, 14, tzinfo=UTC)  # Monday 10:00 EDT


def test_batch_broadcasts_one_duration():
    starts, _ = sample(10)
    got = CAL.add_batch(starts, 3600 * 10**6)
    assert got.shape == (10,)


def test_empty_batch():
    assert CAL.add_batch(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).size == 0
    assert CAL.between_batch(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).size == 0


def test_batch_durations_of_years_extend_the_periods():
    start = (datetime(2026, 3, 2, 15, tzinfo=UTC) - EPOCH) // US
    d = 8 * 250 * 20 * 3600 * 10**6  # about twenty working years
    got = CAL.add_batch(np.array([start]), np.array([d]))
    assert EPOCH + int(got[0]) * US == CAL.add(EPOCH + start * US, d * US)


def test_grid_index_matches_numpy_searchsorted_right():
    from pledgedesk.calendar.timeline import GridIndex

    rng = np.random.default_rng(3)
    values = np.sort(rng.integers(-1000, 1000, 300))  # with repeats
    values[100:130] = values[100]  # a dense cluster in one cell
    x = np.concatenate([rng.integers(-1500, 1500, 5000), values, [-10**12, 10**12]])
    assert (GridIndex(values).search_right(x) == np.searchsorted(values, x, side="right")).all()
    empty = GridIndex(np.array([], dtype=np.int64))
    assert (empty.search_right(x) == 0).all()
