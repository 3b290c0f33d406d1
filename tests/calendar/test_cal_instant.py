"""Exact conversions between aware datetimes and epoch microseconds."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pledgedesk.calendar import NaiveDatetimeError, NegativeDurationError
from pledgedesk.calendar.instant import EPOCH, US, duration_us, from_us, to_us

TOR = ZoneInfo("America/Toronto")


def test_to_us_is_exact_integer_microseconds():
    assert to_us(datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC)) == 1
    assert to_us(datetime(2026, 3, 8, 3, 0, tzinfo=TOR)) == 1772953200 * 10**6


def test_to_us_of_naive_datetime_raises():
    with pytest.raises(NaiveDatetimeError):
        to_us(datetime(2026, 3, 8, 3, 0))


def test_from_us_carries_fold_in_repeated_hour():
    second = from_us(to_us(datetime(2026, 11, 1, 6, 30, tzinfo=UTC)), TOR)
    assert (second.hour, second.minute, second.fold) == (1, 30, 1)


@settings(max_examples=300, deadline=None)
@given(st.integers(-(2**33) * 10**6, 2**36 * 10**6))
def test_from_us_round_trips_exactly_on_both_paths(x):
    t = from_us(x, TOR)
    assert to_us(t) == x
    assert t == EPOCH + timedelta(microseconds=x)


def test_duration_us_rejects_negative():
    with pytest.raises(NegativeDurationError):
        duration_us(-US)
    assert duration_us(timedelta(hours=1, microseconds=3)) == 3_600_000_003
