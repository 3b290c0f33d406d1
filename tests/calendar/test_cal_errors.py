"""Bad input: each case raises one specific CalendarError subclass naming the value."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from pledgedesk.calendar import (
    Calendar,
    CalendarError,
    HolidaySpec,
    InvalidScheduleError,
    NaiveDatetimeError,
    NegativeDurationError,
    NeverClosesError,
    NeverOpenError,
    OutOfRangeError,
    UnknownHolidayRegionError,
    UnknownTimeZoneError,
)

TOR = ZoneInfo("America/Toronto")
OFFICE = {d: [("09:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")}


def office() -> Calendar:
    return Calendar("America/Toronto", OFFICE)


@pytest.mark.parametrize(
    "operation",
    [
        lambda c, t: c.is_open(t),
        lambda c, t: c.next_open(t),
        lambda c, t: c.next_close(t),
        lambda c, t: c.add(t, timedelta(hours=1)),
        lambda c, t: c.between(t, t),
        lambda c, t: c.add_days(t, 1),
        lambda c, t: c.business_day_end(t),
        lambda c, t: c.next_business_morning(t),
        lambda c, t: c.cutoff_due(t),
    ],
)
def test_naive_datetime_is_rejected_by_every_operation(operation):
    naive = datetime(2026, 3, 2, 10, 0)
    with pytest.raises(NaiveDatetimeError, match="2026, 3, 2, 10, 0") as info:
        operation(office(), naive)
    assert info.value.value == naive


def test_naive_end_of_between_is_named():
    naive = datetime(2026, 3, 3, 10, 0)
    with pytest.raises(NaiveDatetimeError) as info:
        office().between(datetime(2026, 3, 2, 10, tzinfo=TOR), naive)
    assert info.value.value == naive


def test_non_datetime_instant_is_a_type_error():
    with pytest.raises(TypeError, match="'2026-03-02'"):
        office().add("2026-03-02", timedelta(hours=1))


def test_unknown_time_zone_is_named():
    with pytest.raises(UnknownTimeZoneError, match="Mars/Olympus_Mons") as info:
        Calendar("Mars/Olympus_Mons", OFFICE)
    assert info.value.value == "Mars/Olympus_Mons"


def test_unknown_cutoff_time_zone_is_named():
    with pytest.raises(UnknownTimeZoneError, match="US/Nowhere"):
        office().cutoff_due(datetime(2026, 3, 2, 10, tzinfo=TOR), "15:00", "US/Nowhere")


def test_unknown_holiday_country_is_named():
    with pytest.raises(UnknownHolidayRegionError, match="'XX'") as info:
        HolidaySpec(country="XX")
    assert info.value.value == "XX"


def test_unknown_holiday_subdivision_is_named():
    with pytest.raises(UnknownHolidayRegionError, match="'ZZ'") as info:
        HolidaySpec(country="CA", subdiv="ZZ")
    assert info.value.value == "ZZ"


def test_unknown_holiday_name_is_a_schedule_error_naming_it():
    # "Civic Holiday" is not a public holiday of CA-ON in the package: a silent typo would
    # keep the office open on a day the policy meant to close.
    with pytest.raises(InvalidScheduleError, match="Civic Holiday"):
        HolidaySpec(country="CA", subdiv="ON", include=("Civic Holiday",))


def test_unknown_excluded_holiday_name_is_named():
    with pytest.raises(InvalidScheduleError, match="Boxing Dya"):
        HolidaySpec(country="CA", subdiv="ON", exclude=("Boxing Dya",))


def test_unknown_holiday_category_is_named():
    with pytest.raises(InvalidScheduleError, match="bogus"):
        HolidaySpec(country="CA", categories=("bogus",))


def test_overlapping_windows_on_one_day_are_named():
    with pytest.raises(InvalidScheduleError, match="mon 09:00-13:00 and mon 12:00-17:00"):
        Calendar("UTC", {"mon": [("09:00", "13:00"), ("12:00", "17:00")]})


def test_overnight_window_overlapping_next_day_is_named():
    with pytest.raises(InvalidScheduleError, match=r"fri 22:00-02:00\+1 and sat 01:00-05:00"):
        Calendar("UTC", {"fri": [("22:00", "02:00")], "sat": [("01:00", "05:00")]})


def test_sunday_overnight_window_overlapping_monday_is_named():
    with pytest.raises(InvalidScheduleError, match=r"sun 22:00-02:00\+1 and mon 01:00-05:00"):
        Calendar("UTC", {"sun": [("22:00", "02:00")], "mon": [("01:00", "05:00")]})


def test_empty_window_is_rejected():
    with pytest.raises(InvalidScheduleError, match="'09:00'-'09:00'"):
        Calendar("UTC", {"mon": [("09:00", "09:00")]})


@pytest.mark.parametrize("bad", ["9am", "25:00", "12:60", "", "24:30"])
def test_malformed_time_is_named(bad):
    with pytest.raises(InvalidScheduleError, match=repr(bad)):
        Calendar("UTC", {"mon": [("09:00", bad)]})


def test_start_at_24_00_is_rejected():
    with pytest.raises(InvalidScheduleError, match="'24:00'"):
        Calendar("UTC", {"mon": [("24:00", "02:00")]})


def test_time_with_seconds_is_rejected():
    with pytest.raises(InvalidScheduleError, match="time"):
        Calendar("UTC", {"mon": [(time(9, 0, 30), time(17))]})


def test_unknown_weekday_is_named():
    with pytest.raises(InvalidScheduleError, match="'funday'"):
        Calendar("UTC", {"funday": [("09:00", "17:00")]})


def test_weekday_given_twice_is_named():
    with pytest.raises(InvalidScheduleError, match="'mon'"):
        Calendar("UTC", {0: [("09:00", "10:00")], "mon": [("11:00", "12:00")]})


def test_inverted_closed_range_is_named():
    with pytest.raises(InvalidScheduleError, match="inverted"):
        Calendar("UTC", OFFICE, closed=[(date(2026, 12, 31), date(2026, 12, 24))])


def test_closed_datetime_instead_of_date_is_rejected():
    with pytest.raises(InvalidScheduleError, match=r"must be a datetime\.date"):
        Calendar("UTC", OFFICE, closed=[datetime(2026, 12, 24, tzinfo=UTC)])


def test_overlapping_special_openings_are_named():
    with pytest.raises(InvalidScheduleError, match="2026-12-27"):
        Calendar(
            "UTC",
            OFFICE,
            special_openings=[
                (date(2026, 12, 27), "10:00", "14:00"),
                (date(2026, 12, 27), "13:00", "15:00"),
            ],
        )


def test_holidays_must_be_a_spec():
    with pytest.raises(InvalidScheduleError, match="'CA'"):
        Calendar("UTC", OFFICE, holidays="CA")


def test_negative_duration_is_named():
    with pytest.raises(NegativeDurationError, match="-0:01:00") as info:
        office().add(datetime(2026, 3, 2, 10, tzinfo=TOR), timedelta(minutes=-1))
    assert info.value.value == timedelta(minutes=-1)


def test_between_with_end_before_start_is_negative():
    t = datetime(2026, 3, 2, 10, tzinfo=TOR)
    with pytest.raises(NegativeDurationError, match="2026-03-02T09:00:00-05:00"):
        office().between(t, t - timedelta(hours=1))


def test_negative_business_days_are_rejected():
    with pytest.raises(NegativeDurationError, match="-1"):
        office().add_days(datetime(2026, 3, 2, 10, tzinfo=TOR), -1)


def test_negative_batch_duration_is_named_by_index():
    with pytest.raises(NegativeDurationError, match=r"durations\[1\]"):
        office().add_batch(np.array([0, 0]), np.array([5, -5]))


def test_batch_end_before_start_is_named_by_index():
    with pytest.raises(NegativeDurationError, match=r"ends\[0\]"):
        office().between_batch(np.array([10]), np.array([5]))


def test_calendar_with_no_opening_at_all_is_never_open():
    with pytest.raises(NeverOpenError, match="no opening at all"):
        Calendar("UTC", {})


def test_calendar_closed_for_decades_raises_instead_of_looping():
    # given a calendar whose only openings are closed for 80 years
    closed = [(date(2026, 1, 1), date(2105, 12, 31))]
    cal = Calendar("UTC", {"mon": [("09:00", "10:00")]}, closed=closed)
    # when/then: the search gives up after MAX_SEARCH_YEARS, naming the instant
    with pytest.raises(NeverOpenError, match="2026-03-02"):
        cal.add(datetime(2026, 3, 2, tzinfo=UTC), timedelta(hours=1))
    with pytest.raises(NeverOpenError):
        cal.next_open(datetime(2026, 3, 2, tzinfo=UTC))
    with pytest.raises(NeverOpenError):
        cal.add_days(datetime(2026, 3, 2, tzinfo=UTC), 1)


def test_plain_24x7_calendar_never_closes():
    with pytest.raises(NeverClosesError, match="does not close"):
        Calendar.always_open("UTC").next_close(datetime(2026, 3, 2, tzinfo=UTC))


def test_answer_beyond_representable_years_is_out_of_range():
    with pytest.raises(OutOfRangeError):
        Calendar.always_open("UTC").add(datetime(2026, 3, 2, tzinfo=UTC), timedelta(days=3_000_000))


def test_every_error_is_a_calendar_error_and_a_value_error():
    for error in (
        NaiveDatetimeError,
        UnknownTimeZoneError,
        UnknownHolidayRegionError,
        InvalidScheduleError,
        NegativeDurationError,
        NeverOpenError,
        NeverClosesError,
        OutOfRangeError,
    ):
        assert issubclass(error, CalendarError)
        assert issubclass(error, ValueError)


def test_calendar_is_immutable():
    cal = office()
    with pytest.raises(AttributeError):
        cal._tz = UTC  # type: ignore[misc]
