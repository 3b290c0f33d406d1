"""Table tests for each seed's business hours (MISSION RL-1/RL-2, RK-6, FG-1/FG-7/FG-8,
PR-2, PR-3) around weekends, Canadian and US holidays of 2026 and 2027 and both DST changes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pledgedesk.calendar import Calendar, HolidaySpec

NY = ZoneInfo("America/New_York")
CHI = ZoneInfo("America/Chicago")
LON = ZoneInfo("Europe/London")
SYD = ZoneInfo("Australia/Sydney")
TOR = ZoneInfo("America/Toronto")
UTC = ZoneInfo("UTC")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
H = timedelta(hours=1)


def hours(tz: str, start: str, end: str, holidays: HolidaySpec | None) -> Calendar:
    return Calendar(tz, {d: [(start, end)] for d in WEEKDAYS}, holidays)


def at(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)


# RL-1: Monday-Friday 09:00-17:00 US Eastern, major Canadian holidays excluded.
# RL-2: first touch within 2 business hours.
RL1 = hours("America/New_York", "09:00", "17:00", HolidaySpec("CA"))


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        (at(NY, 2026, 3, 2, 15), at(NY, 2026, 3, 2, 17), "ends exactly at closing"),
        (at(NY, 2026, 3, 6, 16), at(NY, 2026, 3, 9, 10), "weekend of spring forward"),
        (at(NY, 2026, 4, 2, 16, 30), at(NY, 2026, 4, 6, 10, 30), "Good Friday 2026"),
        (at(NY, 2026, 6, 30, 16), at(NY, 2026, 7, 2, 10), "Canada Day 2026 (Wednesday)"),
        (at(NY, 2026, 9, 4, 16), at(NY, 2026, 9, 8, 10), "Labour Day 2026"),
        (at(NY, 2026, 10, 30, 15, 30), at(NY, 2026, 11, 2, 9, 30), "weekend of fall back"),
        (at(NY, 2026, 11, 25, 16), at(NY, 2026, 11, 26, 10), "US Thanksgiving is open"),
        (at(NY, 2026, 12, 24, 16), at(NY, 2026, 12, 28, 10), "Christmas 2026 (Friday)"),
        (at(NY, 2026, 12, 31, 16), at(NY, 2027, 1, 4, 10), "New Year 2027 (Friday)"),
        (at(NY, 2027, 3, 13, 12), at(NY, 2027, 3, 15, 11), "received Saturday, DST 2027"),
        (at(NY, 2027, 3, 25, 16), at(NY, 2027, 3, 29, 10), "Good Friday 2027"),
        (at(NY, 2027, 6, 30, 16, 30), at(NY, 2027, 7, 2, 10, 30), "Canada Day 2027"),
        (at(NY, 2027, 11, 5, 16), at(NY, 2027, 11, 8, 10), "fall back 2027"),
        (at(NY, 2027, 12, 24, 16), at(NY, 2027, 12, 28, 10), "Christmas on Saturday, observed"),
        (at(UTC, 2026, 7, 1, 14), at(NY, 2026, 7, 2, 11), "received in UTC on Canada Day"),
    ],
)
def test_rl_1_rl_2_first_touch_within_two_business_hours(received, due, why):
    assert RL1.add(received, 2 * H) == due, why
    assert RL1.between(received, due) == 2 * H


# RK-6: business hours, holidays excluded; before 15:00 US Central respond the same business
# day, after 15:00 by the next business morning. Hours 08:00-17:00 Central, US holidays.
RK6 = hours("America/Chicago", "08:00", "17:00", HolidaySpec("US"))


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        (at(CHI, 2026, 3, 3, 14, 59), at(CHI, 2026, 3, 3, 17), "before the cutoff"),
        (at(CHI, 2026, 3, 3, 15), at(CHI, 2026, 3, 4, 12), "at the cutoff"),
        (at(NY, 2026, 3, 3, 15, 30), at(CHI, 2026, 3, 3, 17), "15:30 Eastern is 14:30 Central"),
        (at(CHI, 2026, 3, 6, 16), at(CHI, 2026, 3, 9, 12), "Friday before spring forward"),
        (at(CHI, 2026, 3, 7, 10), at(CHI, 2026, 3, 9, 17), "Saturday: start of Monday"),
        (at(CHI, 2026, 7, 2, 16), at(CHI, 2026, 7, 6, 12), "Independence Day observed Friday"),
        (at(CHI, 2026, 10, 30, 15, 30), at(CHI, 2026, 11, 2, 12), "Friday before fall back"),
        (at(CHI, 2026, 11, 25, 16), at(CHI, 2026, 11, 27, 12), "Thanksgiving 2026"),
        (at(CHI, 2026, 12, 24, 16), at(CHI, 2026, 12, 28, 12), "Christmas 2026"),
        (at(CHI, 2027, 1, 15, 16), at(CHI, 2027, 1, 19, 12), "Martin Luther King Jr. Day"),
        (at(CHI, 2027, 6, 17, 15, 30), at(CHI, 2027, 6, 21, 12), "Juneteenth observed"),
        (at(CHI, 2027, 11, 5, 16), at(CHI, 2027, 11, 8, 12), "fall back 2027"),
        (at(CHI, 2027, 12, 23, 16), at(CHI, 2027, 12, 27, 12), "Christmas observed Friday"),
        (at(CHI, 2027, 12, 30, 14), at(CHI, 2027, 12, 30, 17), "before New Year's Eve"),
        (at(CHI, 2027, 12, 30, 16), at(CHI, 2028, 1, 3, 12), "New Year observed 31 Dec"),
    ],
)
def test_rk_6_same_day_before_15_00_central_else_next_business_morning(received, due, why):
    assert RK6.cutoff_due(received, "15:00", "America/Chicago") == due, why


# FG-1: HelpDesk hours Monday-Friday 08:00-17:00 in each customer's US time zone.
# FG-7: callback within 2 hours (Medium). FG-8: non-Urgent after hours waits for 08:00.
@pytest.mark.parametrize(
    ("zone", "callback_due"),
    [
        ("America/New_York", (13, 30)),
        ("America/Chicago", (12, 30)),
        ("America/Denver", (11, 30)),
        ("America/Phoenix", (10, 30)),  # no DST: 15:30 UTC is 08:30 MST
        ("America/Los_Angeles", (10, 30)),
        ("Pacific/Honolulu", (10, 0)),  # 05:30 HST: closed, starts at 08:00
    ],
)
def test_fg_1_fg_7_callback_in_the_customers_zone_after_spring_forward(zone, callback_due):
    cal = hours(zone, "08:00", "17:00", None)
    received = at(UTC, 2026, 3, 9, 15, 30)
    assert cal.add(received, 2 * H) == at(ZoneInfo(zone), 2026, 3, 9, *callback_due)


@pytest.mark.parametrize(
    "zone", ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
)
def test_fg_1_fg_8_after_hours_ticket_waits_for_08_00_next_business_day_across_fall_back(zone):
    tz = ZoneInfo(zone)
    cal = hours(zone, "08:00", "17:00", None)
    assert cal.next_open(at(tz, 2026, 10, 30, 20)) == at(tz, 2026, 11, 2, 8)
    assert cal.add(at(tz, 2026, 10, 30, 16), 2 * H) == at(tz, 2026, 11, 2, 9)


# PR-3: Monday-Friday 09:00-17:00 in the customer's own region, its public holidays excluded.
@pytest.mark.parametrize(
    ("cal", "received", "due", "why"),
    [
        (
            hours("Europe/London", "09:00", "17:00", HolidaySpec("GB", "ENG")),
            at(LON, 2026, 3, 27, 15),
            at(LON, 2026, 3, 30, 11),
            "London, BST starts Sunday 29 March",
        ),
        (
            hours("Europe/London", "09:00", "17:00", HolidaySpec("GB", "ENG")),
            at(LON, 2026, 4, 2, 16),
            at(LON, 2026, 4, 7, 12),
            "London, Good Friday and Easter Monday",
        ),
        (
            hours("Europe/London", "09:00", "17:00", HolidaySpec("GB", "ENG")),
            at(LON, 2027, 12, 24, 15),
            at(LON, 2027, 12, 29, 11),
            "London, Christmas and Boxing Day on a weekend, observed Mon and Tue",
        ),
        (
            hours("Australia/Sydney", "09:00", "17:00", HolidaySpec("AU", "NSW")),
            at(SYD, 2026, 4, 2, 15),
            at(SYD, 2026, 4, 7, 11),
            "Sydney, Easter and the end of DST on 5 April",
        ),
        (
            hours("Australia/Sydney", "09:00", "17:00", HolidaySpec("AU", "NSW")),
            at(SYD, 2026, 4, 24, 15),
            at(SYD, 2026, 4, 28, 11),
            "Sydney, ANZAC Day on Saturday observed Monday",
        ),
        (
            hours("Australia/Sydney", "09:00", "17:00", HolidaySpec("AU", "NSW")),
            at(SYD, 2026, 10, 2, 16),
            at(SYD, 2026, 10, 6, 12),
            "Sydney, DST starts 4 October, Labour Day 5 October",
        ),
        (
            hours("America/Toronto", "09:00", "17:00", HolidaySpec("CA", "ON")),
            at(TOR, 2026, 2, 13, 15),
            at(TOR, 2026, 2, 17, 11),
            "Toronto, Family Day",
        ),
    ],
)
def test_pr_3_four_business_hours_in_the_customers_region(cal, received, due, why):
    assert cal.add(received, 4 * H) == due, why
    assert cal.between(received, due) == 4 * H


# PR-2: response within 24 hours of business days: whole weekdays count, weekends and the
# region's holidays do not (a calendar open 00:00-24:00 Monday-Friday).
def business_days(tz: str, holidays: HolidaySpec) -> Calendar:
    return hours(tz, "00:00", "24:00", holidays)


@pytest.mark.parametrize(
    ("cal", "received", "due", "why"),
    [
        (
            business_days("Europe/London", HolidaySpec("GB", "ENG")),
            at(LON, 2026, 3, 6, 10),
            at(LON, 2026, 3, 9, 10),
            "Friday 10:00 to Monday 10:00",
        ),
        (
            business_days("Europe/London", HolidaySpec("GB", "ENG")),
            at(LON, 2026, 3, 27, 10),
            at(LON, 2026, 3, 30, 10),
            "the spring-forward Sunday is not a business day",
        ),
        (
            business_days("Europe/London", HolidaySpec("GB", "ENG")),
            at(LON, 2026, 4, 2, 10),
            at(LON, 2026, 4, 7, 10),
            "Good Friday and Easter Monday",
        ),
        (
            business_days("America/Toronto", HolidaySpec("CA", "ON")),
            at(TOR, 2026, 10, 30, 10),
            at(TOR, 2026, 11, 2, 10),
            "the fall-back Sunday is not a business day",
        ),
        (
            business_days("America/Toronto", HolidaySpec("CA", "ON")),
            at(TOR, 2026, 12, 24, 10),
            at(TOR, 2026, 12, 29, 10),
            "Christmas, weekend and Boxing Day observed",
        ),
    ],
)
def test_pr_2_twenty_four_hours_of_business_days(cal, received, due, why):
    assert cal.add(received, 24 * H) == due, why
    assert cal.between(received, due) == 24 * H
