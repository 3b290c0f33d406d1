"""Wall clock to instant: the spring gap maps to the transition, the autumn fold to its first
occurrence."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from pledgedesk.calendar.instant import EPOCH, US
from pledgedesk.calendar.zonemap import wall_to_us

TOR = ZoneInfo("America/Toronto")
SANTIAGO = ZoneInfo("America/Santiago")


def utc_us(*args: int) -> int:
    return (datetime(*args, tzinfo=UTC) - EPOCH) // US


def test_ordinary_wall_time():
    assert wall_to_us(date(2026, 3, 2), 9 * 60, TOR) == utc_us(2026, 3, 2, 14)


def test_minutes_past_midnight_run_into_the_next_day():
    assert wall_to_us(date(2026, 3, 2), 26 * 60, TOR) == utc_us(2026, 3, 3, 7)


def test_wall_time_in_spring_gap_is_the_transition():
    for minutes in (120, 135, 150, 179):
        assert wall_to_us(date(2026, 3, 8), minutes, TOR) == utc_us(2026, 3, 8, 7)
    assert wall_to_us(date(2026, 3, 8), 180, TOR) == utc_us(2026, 3, 8, 7)


def test_wall_time_in_autumn_fold_is_its_first_occurrence():
    assert wall_to_us(date(2026, 11, 1), 90, TOR) == utc_us(2026, 11, 1, 5, 30)  # 01:30 EDT
    assert wall_to_us(date(2026, 11, 1), 120, TOR) == utc_us(2026, 11, 1, 7)  # 02:00 EST


def test_midnight_gap_maps_to_the_transition():
    # Santiago springs forward at 24:00 on 5 September 2026: 00:00-00:59 does not exist
    assert wall_to_us(date(2026, 9, 6), 0, SANTIAGO) == utc_us(2026, 9, 6, 4)
    assert wall_to_us(date(2026, 9, 5), 1440, SANTIAGO) == utc_us(2026, 9, 6, 4)


def test_mapping_is_monotone_through_both_changes():
    for day in (date(2026, 3, 8), date(2026, 11, 1)):
        values = [wall_to_us(day, m, TOR) for m in range(0, 1441, 15)]
        assert values == sorted(values)
