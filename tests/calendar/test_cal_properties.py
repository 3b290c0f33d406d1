"""Property tests against a small, obviously correct minute-stepping reference.

The reference never builds intervals. For every real minute of a 12-day span it reads the local
wall clock and keeps the highest reading seen so far (the "high-water mark", which ignores the
clock jumping back in autumn and jumps with it in spring). A minute is open when that mark lies
inside a window of a date that is not closed (or of a special opening). This is the documented
DST rule restated: a window boundary in the spring gap is the transition; a boundary in the
repeated autumn hour is its first occurrence. Business time is then counted by stepping minutes.
"""

from datetime import UTC, date, datetime, timedelta

import holidays as holidays_pkg
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pledgedesk.calendar import Calendar, HolidaySpec

MINUTE = timedelta(minutes=1)
SPAN_DAYS = 12
ZONES = (
    "America/Toronto",
    "Europe/London",
    "Australia/Sydney",
    "America/Santiago",  # changes at midnight: windows crossing midnight on DST days
    "America/St_Johns",  # half-hour offset
    "UTC",
)
# Days around DST changes (northern and southern), holidays and year ends.
BASES = (
    date(2026, 3, 8),
    date(2026, 11, 1),
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2026, 9, 6),
    date(2026, 12, 25),
    date(2027, 3, 14),
    date(2027, 11, 7),
)
HOLIDAYS = (None, ("CA", "ON"), ("US", None), ("GB", "ENG"), ("AU", "NSW"), ("CL", None))


@st.composite
def weekly_hours(draw):
    """Non-overlapping windows laid out along the week (some touching, some overnight)."""
    unit = draw(st.sampled_from([1, 30, 60]))
    position = draw(st.integers(0, 1440 // unit)) * unit
    windows: dict[int, list[tuple[str, str]]] = {}
    first_start = position
    for _ in range(draw(st.integers(1, 9))):
        length = draw(st.integers(1, 1440 // unit)) * unit
        if length == 1440 and position % 1440:
            length -= unit  # only 00:00-24:00 can last a whole day
        end = position + length
        if end - 10080 > first_start:  # would wrap onto the week's first window
            break
        if position >= 10080:
            break
        day, start = divmod(position, 1440)
        windows.setdefault(day, []).append((_hhmm(start), _end(start, length)))
        position = end + draw(st.integers(0, 3000 // unit)) * unit
    return windows


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _end(start: int, length: int) -> str:
    return "24:00" if start + length == 1440 else _hhmm((start + length) % 1440)


@st.composite
def scenarios(draw):
    zone = draw(st.sampled_from(ZONES))
    base = draw(st.sampled_from(BASES))
    span_start = base - timedelta(days=5)
    region = draw(st.sampled_from(HOLIDAYS))
    closed = draw(
        st.lists(st.integers(0, SPAN_DAYS - 1).map(lambda n: span_start + timedelta(days=n)),
                 max_size=2)
    )
    specials = []
    if draw(st.booleans()):
        day = span_start + timedelta(days=draw(st.integers(0, SPAN_DAYS - 1)))
        start = draw(st.integers(0, 47)) * 30
        length = draw(st.integers(1, 47)) * 30
        specials.append((day, _hhmm(start), _end(start, length)))
    spec = None if region is None else HolidaySpec(region[0], region[1])
    cal = Calendar(zone, draw(weekly_hours()), spec, closed, specials)
    return cal, span_start


class Reference:
    """Open/closed for each real minute of ``[start, start + SPAN_DAYS)`` in the calendar zone."""

    def __init__(self, cal: Calendar, span_start: date) -> None:
        tz = cal.tz
        self.start = datetime(span_start.year, span_start.month, span_start.day, tzinfo=tz)
        self.start = self.start.astimezone(UTC)
        closed = {d for a, b in cal.closed for d in _days(a, b)}
        if cal.holidays is not None:
            years = range(span_start.year - 1, span_start.year + 2)
            closed |= set(
                holidays_pkg.country_holidays(
                    cal.holidays.country, subdiv=cal.holidays.subdiv, years=years
                )
            )
        specials: dict[date, list] = {}
        for day, window in cal.special_openings:
            specials.setdefault(day, []).append(window)
        # Local wall-clock minutes are counted from midnight of the local date two days before
        # the span; windows_of[k] are the windows of that date + k days (weekly unless closed,
        # plus special openings).
        first_day = span_start - timedelta(days=2)
        windows_of = []
        for offset in range(SPAN_DAYS + 4):
            day = first_day + timedelta(days=offset)
            windows = [] if day in closed else list(cal.weekly[day.weekday()])
            windows_of.append(windows + specials.get(day, []))
        naive_origin = datetime(first_day.year, first_day.month, first_day.day)
        utc_origin = (self.start.replace(tzinfo=None) - naive_origin) // MINUTE
        first_second = int(self.start.timestamp())
        self.open: list[bool] = []
        high_water = -1
        for minute in range(SPAN_DAYS * 1440):
            # the local reading is UTC plus the zone's offset at that instant
            offset = datetime.fromtimestamp(first_second + 60 * minute, tz).utcoffset()
            high_water = max(high_water, utc_origin + minute + offset // MINUTE)
            day, wall = divmod(high_water, 1440)
            self.open.append(
                any(w.start <= wall < w.end for w in windows_of[day])
                or any(w.start <= wall + 1440 < w.end for w in windows_of[day - 1])
            )

    def instant(self, minute: int) -> datetime:
        return self.start + minute * MINUTE

    def between(self, i: int, j: int) -> int:
        return sum(self.open[i:j])

    def add(self, i: int, d: int) -> int | None:
        """Minute index of the due instant, stepping one minute at a time."""
        u, count = i, 0
        while u < len(self.open):
            if d == 0 and self.open[u]:
                return u
            if self.open[u]:
                count += 1
            u += 1
            if d and count == d:
                return u
        return None


def _days(a: date, b: date):
    return [date.fromordinal(o) for o in range(a.toordinal(), b.toordinal() + 1)]


_CACHE: dict = {}


def reference(cal: Calendar, span_start: date) -> Reference:
    key = (cal, span_start)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = Reference(cal, span_start)
    return _CACHE[key]


PROPERTY = settings(
    max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(scenarios(), st.data())
def test_add_between_and_is_open_agree_with_minute_stepping_reference(scenario, data):
    cal, span_start = scenario
    ref = reference(cal, span_start)
    n = len(ref.open)
    for _ in range(6):
        i = data.draw(st.integers(0, n - 2 * 1440))
        j = data.draw(st.integers(i, n))
        t1, t2 = ref.instant(i), ref.instant(j)
        # between agrees
        assert cal.between(t1, t2) == ref.between(i, j) * MINUTE
        assert cal.is_open(t1) == ref.open[i]
        # add agrees wherever the reference span holds the answer
        d = data.draw(st.integers(0, max(0, ref.between(i, n) - 1)))
        due_minute = ref.add(i, d)
        assume(due_minute is not None)
        due = cal.add(t1, d * MINUTE)
        # compare in UTC: Python's == across zones is False for a time in a repeated hour
        assert due.astimezone(UTC) == ref.instant(due_minute)
        assert due.tzinfo is cal.tz
        # round trip
        assert cal.between(t1, due) == d * MINUTE


@PROPERTY
@given(scenarios(), st.data())
def test_add_is_monotone_and_inverts_between_to_the_microsecond(scenario, data):
    cal, span_start = scenario
    origin = datetime(span_start.year, span_start.month, span_start.day, tzinfo=UTC)
    us = timedelta(microseconds=1)
    a = data.draw(st.integers(0, SPAN_DAYS * 86_400 * 10**6))
    b = data.draw(st.integers(a, SPAN_DAYS * 86_400 * 10**6))
    d1 = data.draw(st.integers(0, 30 * 86_400 * 10**6))
    d2 = data.draw(st.integers(d1, 30 * 86_400 * 10**6))
    ta, tb = origin + a * us, origin + b * us
    for t, d in ((ta, d1), (ta, d2), (tb, d1)):
        assert cal.between(t, cal.add(t, d * us)) == d * us
    due = cal.add(ta, d1 * us).astimezone(UTC)
    assert due <= cal.add(tb, d1 * us).astimezone(UTC)
    assert due <= cal.add(ta, d2 * us).astimezone(UTC)
    assert cal.between(ta, tb) <= tb - ta
    assert due >= ta
    # the batch path answers exactly like the scalar path
    starts = np.array([(ta - origin) // us, (tb - origin) // us]) + (origin - _EPOCH) // us
    durations = np.array([d1, d2])
    got = cal.add_batch(starts, durations)
    want = [cal.add(ta, d1 * us).astimezone(UTC), cal.add(tb, d2 * us).astimezone(UTC)]
    assert [_EPOCH + int(x) * us for x in got] == want
    elapsed = cal.between_batch(starts, starts + durations)
    assert list(elapsed) == [
        cal.between(ta, ta + d1 * us) // us,
        cal.between(tb, tb + d2 * us) // us,
    ]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.data())
def test_business_day_rules_never_go_back_in_time(scenario, data):
    cal, span_start = scenario
    origin = datetime(span_start.year, span_start.month, span_start.day, tzinfo=UTC)
    a = data.draw(st.integers(0, SPAN_DAYS * 1440)) * MINUTE
    b = a + data.draw(st.integers(0, 3 * 1440)) * MINUTE
    n = data.draw(st.integers(0, 3))
    ta, tb = origin + a, origin + b

    def utc(t: datetime) -> datetime:
        return t.astimezone(UTC)

    assert utc(cal.add_days(ta, n)) <= utc(cal.add_days(tb, n))
    assert utc(cal.add_days(ta, n)) <= utc(cal.add_days(ta, n + 1))
    assert utc(cal.add_days(ta, n)) >= utc(cal.next_open(ta))
    assert utc(cal.cutoff_due(ta, "15:00")) <= utc(cal.cutoff_due(tb, "15:00"))
    assert utc(cal.cutoff_due(ta, "15:00")) >= ta
    assert utc(cal.business_day_end(ta)) > utc(cal.next_open(ta))
    assert utc(cal.next_business_morning(ta)) > ta
