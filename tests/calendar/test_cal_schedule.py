"""Validated configuration: windows, weekdays, closed dates, special openings."""

from datetime import date, time

from pledgedesk.calendar import Window
from pledgedesk.calendar.schedule import (
    covers_whole_week,
    normalize_closed,
    normalize_specials,
    normalize_weekly,
    parse_minutes,
)


def test_parse_minutes_accepts_strings_and_times():
    assert parse_minutes("09:30", allow_24=False) == 570
    assert parse_minutes("9:30", allow_24=False) == 570
    assert parse_minutes(time(17, 0), allow_24=True) == 1020
    assert parse_minutes("24:00", allow_24=True) == 1440


def test_window_ending_at_or_before_start_runs_past_midnight():
    assert Window.parse("22:00", "02:00") == Window(1320, 1560)
    assert Window.parse("22:00", "00:00") == Window(1320, 1440)
    assert Window.parse("00:00", "24:00") == Window(0, 1440)


def test_weekly_accepts_short_and_full_names_and_numbers():
    weekly = normalize_weekly(
        {"Mon": [("09:00", "17:00")], "tuesday": [("09:00", "17:00")], 6: [("10:00", "12:00")]}
    )
    assert weekly[0] == weekly[1] == (Window(540, 1020),)
    assert weekly[6] == (Window(600, 720),)
    assert weekly[2:6] == ((), (), (), ())


def test_weekly_windows_are_sorted_and_touching_windows_allowed():
    weekly = normalize_weekly({"mon": [("13:00", "17:00"), ("09:00", "13:00")]})
    assert weekly[0] == (Window(540, 780), Window(780, 1020))


def test_overnight_sunday_window_may_touch_monday():
    weekly = normalize_weekly({"sun": [("22:00", "02:00")], "mon": [("02:00", "05:00")]})
    assert weekly[6] == (Window(1320, 1560),)


def test_closed_dates_become_sorted_inclusive_ranges():
    closed = normalize_closed([(date(2026, 12, 28), date(2026, 12, 31)), date(2026, 12, 24)])
    assert closed == (
        (date(2026, 12, 24), date(2026, 12, 24)),
        (date(2026, 12, 28), date(2026, 12, 31)),
    )


def test_special_openings_accept_strings_or_windows():
    specials = normalize_specials(
        [(date(2026, 12, 27), "10:00", "14:00"), (date(2026, 12, 26), Window(600, 660))]
    )
    assert specials == (
        (date(2026, 12, 26), Window(600, 660)),
        (date(2026, 12, 27), Window(600, 840)),
    )


def test_covers_whole_week_only_for_24x7():
    full = normalize_weekly({d: [("00:00", "24:00")] for d in range(7)})
    assert covers_whole_week(full)
    assert not covers_whole_week(normalize_weekly({d: [("00:00", "23:59")] for d in range(7)}))
