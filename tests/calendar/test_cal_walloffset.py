"""Scalar ``between`` on datetimes in the calendar's own zone (the cached wall-offset path)
equals ``between`` on the same instants given in UTC (the zone-asking path), across DST gaps and
folds with ``fold`` 0 and 1, and the wall-offset table leaves out exactly the days that change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledgedesk.calendar import Calendar
from pledgedesk.calendar.walloffset import offsets_for

ZONES = ["America/Toronto", "Europe/London", "Australia/Lord_Howe", "America/Santiago",
         "Pacific/Apia", "Asia/Kolkata"]
HOURS = [
    {day: [("09:00", "17:00")] for day in ("mon", "tue", "wed", "thu", "fri")},
    {day: [("00:00", "24:00")] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    {"sun": [("02:30", "03:30")], "sat": [("22:00", "02:30")], "wed": [("01:00", "02:00")]},
]

walls = st.datetimes(min_value=datetime(2009, 1, 1), max_value=datetime(2014, 12, 31))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ZONES), st.sampled_from(range(len(HOURS))), walls, walls,
       st.booleans(), st.booleans())
def test_own_zone_between_equals_utc_between(zone, hours, a, b, fold_a, fold_b):
    tz = ZoneInfo(zone)
    cal = Calendar(zone, HOURS[hours])
    t1 = a.replace(tzinfo=tz, fold=int(fold_a))
    t2 = b.replace(tzinfo=tz, fold=int(fold_b))
    if t2.astimezone(UTC) < t1.astimezone(UTC):
        t1, t2 = t2, t1
    expected = cal.between(t1.astimezone(UTC), t2.astimezone(UTC))
    assert cal.between(t1, t2) == expected
    assert cal.between(t1, t2) == expected  # again, once the day index is built


def test_days_with_an_offset_change_are_left_out():
    toronto = offsets_for(ZoneInfo("America/Toronto"))
    toronto.load(2026)
    day = (date(2026, 3, 8) - date(1970, 1, 1)).days  # spring forward at 02:00
    assert day not in toronto.days
    assert (date(2026, 11, 1) - date(1970, 1, 1)).days not in toronto.days  # fall back
    assert toronto.days[day - 1] == timedelta(hours=-5)
    assert toronto.days[day + 1] == timedelta(hours=-4)
    # Samoa skipped 2011-12-30 entirely (a one-day gap): only that wall day is left out.
    apia = offsets_for(ZoneInfo("Pacific/Apia"))
    apia.load(2011)
    skipped = (date(2011, 12, 30) - date(1970, 1, 1)).days
    assert skipped not in apia.days
    assert apia.days[skipped - 1] == timedelta(hours=-10)
    assert apia.days[skipped + 1] == timedelta(hours=14)
