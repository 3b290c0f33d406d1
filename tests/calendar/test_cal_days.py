"""Business days: add_days, business_day_end, next_business_morning, cutoff_due."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from pledgedesk.calendar import Calendar, HolidaySpec

TOR = ZoneInfo("America/Toronto")
CHICAGO = ZoneInfo("America/Chicago")
TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def tor(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOR)


def office(**kwargs) -> Calendar:
    return Calendar("America/Toronto", {d: [("09:00", "17:00")] for d in WEEKDAYS}, **kwargs)


# -- add_days -------------------------------------------------------------------------------


def test_one_business_day_keeps_the_time_of_day():
    assert office().add_days(tor(2026, 3, 3, 10), 1) == tor(2026, 3, 4, 10)


def test_one_business_day_from_friday_is_monday():
    assert office().add_days(tor(2026, 3, 6, 10), 1) == tor(2026, 3, 9, 10)


def test_business_days_skip_holidays_glpi_pr_10600_14937():
    cal = office(holidays=HolidaySpec("CA", "ON"))
    # Friday 15 May 2026, Victoria Day is Monday 18 May
    assert cal.add_days(tor(2026, 5, 15, 10), 1) == tor(2026, 5, 19, 10)
    assert cal.add_days(tor(2026, 5, 15, 10), 3) == tor(2026, 5, 21, 10)


def test_business_day_received_overnight_is_due_at_end_of_next_business_day():
    cal = office()
    assert cal.add_days(tor(2026, 3, 3, 20), 1) == tor(2026, 3, 4, 17)
    assert cal.add_days(tor(2026, 3, 7, 10), 1) == tor(2026, 3, 9, 17)  # Saturday
    assert cal.add_days(tor(2026, 3, 4, 9), 1) == tor(2026, 3, 4, 17)  # at opening


def test_zero_business_days_is_next_open():
    assert office().add_days(tor(2026, 3, 7, 10), 0) == tor(2026, 3, 9, 9)


def test_business_day_position_is_clamped_to_a_shorter_day():
    cal = Calendar(
        "America/Toronto",
        {"thu": [("09:00", "17:00")], "fri": [("09:00", "12:00")]},
    )
    assert cal.add_days(tor(2026, 3, 5, 15), 1) == tor(2026, 3, 6, 12)


def test_business_days_on_24x7_keep_wall_clock_time_across_dst():
    cal = Calendar.always_open("America/Toronto")
    assert cal.add_days(tor(2026, 3, 3, 10), 2) == tor(2026, 3, 5, 10)
    assert cal.add_days(tor(2026, 3, 7, 10), 1) == tor(2026, 3, 8, 10)  # 23-hour Sunday
    assert cal.add_days(tor(2026, 10, 31, 10), 1) == tor(2026, 11, 1, 10)  # 25-hour Sunday


def test_business_day_across_spring_forward_keeps_local_time():
    assert office().add_days(tor(2026, 3, 6, 10), 1) == datetime(2026, 3, 9, 14, tzinfo=UTC)


def test_business_days_with_lunch_break_keep_business_position():
    cal = Calendar("UTC", {d: [("09:00", "12:00"), ("13:00", "17:00")] for d in WEEKDAYS})
    t = datetime(2026, 3, 3, 12, 30, tzinfo=UTC)  # in the break: counts from 13:00
    assert cal.add_days(t, 1) == datetime(2026, 3, 4, 13, tzinfo=UTC)


# -- business_day_end -----------------------------------------------------------------------


def test_business_day_end_of_open_instant_is_that_days_close():
    assert office().business_day_end(tor(2026, 3, 3, 10)) == tor(2026, 3, 3, 17)


def test_business_day_end_of_lunch_break_is_same_day():
    cal = Calendar("UTC", {"tue": [("09:00", "12:00"), ("13:00", "17:00")]})
    t = datetime(2026, 3, 3, 12, 30, tzinfo=UTC)
    assert cal.business_day_end(t) == datetime(2026, 3, 3, 17, tzinfo=UTC)


def test_business_day_end_when_closed_is_next_business_days_close():
    assert office().business_day_end(tor(2026, 3, 6, 18)) == tor(2026, 3, 9, 17)


def test_business_day_end_of_overnight_window_is_next_morning():
    cal = Calendar("UTC", {"fri": [("22:00", "02:00")]})
    t = datetime(2026, 3, 7, 1, tzinfo=UTC)
    assert cal.business_day_end(t) == datetime(2026, 3, 7, 2, tzinfo=UTC)


def test_business_day_end_on_24x7_is_local_midnight():
    cal = Calendar.always_open("America/Toronto")
    assert cal.business_day_end(tor(2026, 3, 3, 10)) == tor(2026, 3, 4, 0)


# -- next_business_morning ------------------------------------------------------------------


def test_next_business_morning_is_noon_of_next_business_day():
    assert office().next_business_morning(tor(2026, 3, 3, 16)) == tor(2026, 3, 4, 12)


def test_next_business_morning_from_friday_skips_weekend_and_holiday():
    cal = office(holidays=HolidaySpec("CA", "ON"))
    assert cal.next_business_morning(tor(2026, 5, 15, 16)) == tor(2026, 5, 19, 12)


def test_next_business_morning_from_saturday_is_monday_noon():
    assert office().next_business_morning(tor(2026, 3, 7, 10)) == tor(2026, 3, 9, 12)


def test_next_business_morning_of_afternoon_only_day_is_end_of_first_window():
    cal = Calendar("UTC", {"tue": [("13:00", "21:00")], "wed": [("13:00", "21:00")]})
    t = datetime(2026, 3, 3, 15, tzinfo=UTC)
    assert cal.next_business_morning(t) == datetime(2026, 3, 4, 21, tzinfo=UTC)


def test_next_business_morning_of_early_day_is_its_close():
    cal = Calendar("UTC", {"tue": [("06:00", "11:00")], "wed": [("06:00", "11:00")]})
    t = datetime(2026, 3, 3, 8, tzinfo=UTC)
    assert cal.next_business_morning(t) == datetime(2026, 3, 4, 11, tzinfo=UTC)


def test_next_business_morning_with_custom_morning_end():
    cal = office()
    assert cal.next_business_morning(tor(2026, 3, 3, 16), morning_end="10:30") == tor(
        2026, 3, 4, 10, 30
    )


# -- cutoff_due (RK-6) ----------------------------------------------------------------------


def test_cutoff_before_15_00_is_due_end_of_same_business_day_rk_6():
    assert office().cutoff_due(tor(2026, 3, 3, 14, 59), "15:00") == tor(2026, 3, 3, 17)


def test_cutoff_at_15_00_is_due_next_business_morning_rk_6():
    assert office().cutoff_due(tor(2026, 3, 3, 15, 0), "15:00") == tor(2026, 3, 4, 12)


def test_cutoff_evening_after_close_is_next_business_morning_rk_6():
    assert office().cutoff_due(tor(2026, 3, 3, 20), "15:00") == tor(2026, 3, 4, 12)


def test_cutoff_early_morning_before_opening_is_same_day_rk_6():
    assert office().cutoff_due(tor(2026, 3, 4, 6), "15:00") == tor(2026, 3, 4, 17)


def test_cutoff_weekend_counts_as_received_at_start_of_next_business_day_rk_6():
    cal = office()
    assert cal.cutoff_due(tor(2026, 3, 7, 16), "15:00") == tor(2026, 3, 9, 17)
    assert cal.cutoff_due(tor(2026, 3, 6, 16), "15:00") == tor(2026, 3, 9, 12)


def test_cutoff_in_another_zone_three_zones_rk_6():
    # calendar in Toronto, cutoff 15:00 US Central (16:00 Toronto), ticket stamped in Tokyo
    cal = office()
    before = datetime(2026, 3, 4, 5, 59, tzinfo=TOKYO)  # Tue 15:59 Toronto = 14:59 Chicago
    after = datetime(2026, 3, 4, 6, 0, tzinfo=TOKYO)  # Tue 16:00 Toronto = 15:00 Chicago
    assert cal.cutoff_due(before, "15:00", "America/Chicago") == tor(2026, 3, 3, 17)
    assert cal.cutoff_due(after, "15:00", CHICAGO) == tor(2026, 3, 4, 12)


def test_cutoff_after_closing_time_never_gives_a_past_due():
    cal = office()
    t = tor(2026, 3, 3, 17, 30)  # before an 18:00 cutoff but after the 17:00 close
    assert cal.cutoff_due(t, "18:00") == tor(2026, 3, 4, 12)


def test_cutoff_on_holiday_counts_as_next_business_day():
    cal = office(holidays=HolidaySpec("CA", "ON"))
    assert cal.cutoff_due(tor(2026, 7, 1, 10), "15:00") == tor(2026, 7, 2, 17)


def test_cutoff_due_never_goes_back_in_time_as_receipt_moves_forward():
    cal = office(
        holidays=HolidaySpec("CA", "ON"), special_openings=[(date(2026, 3, 8), "13:00", "16:00")]
    )
    t = tor(2026, 3, 2, 0)
    previous = cal.cutoff_due(t, "15:00")
    while t < tor(2026, 3, 16):
        t += timedelta(minutes=37)
        due = cal.cutoff_due(t, "15:00")
        assert due >= previous
        assert due >= t or due.astimezone(UTC) >= t.astimezone(UTC)
        previous = due
