"""Core operations: is_open, next_open, next_close, add, between, and their edges.

Every line of PITFALLS "Business calendars" is a test here; the tracker reference is in the
test name or docstring.
"""

import pickle
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pledgedesk.calendar import Calendar, HolidaySpec, Window

TOR = ZoneInfo("America/Toronto")
TOKYO = ZoneInfo("Asia/Tokyo")
CHICAGO = ZoneInfo("America/Chicago")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
H = timedelta(hours=1)


def tor(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOR)


def office(start: str = "09:00", end: str = "17:00", **kwargs) -> Calendar:
    return Calendar("America/Toronto", {d: [(start, end)] for d in WEEKDAYS}, **kwargs)


# -- opening and closing instants ------------------------------------------------------------


def test_open_at_opening_instant_and_closed_at_closing_instant():
    cal = office()
    assert cal.is_open(tor(2026, 3, 2, 9, 0))
    assert cal.is_open(tor(2026, 3, 2, 16, 59, 59, 999999))
    assert not cal.is_open(tor(2026, 3, 2, 17, 0))
    assert not cal.is_open(tor(2026, 3, 2, 8, 59, 59, 999999))


def test_next_open_of_an_open_instant_is_itself_in_the_calendar_zone():
    t = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)  # 10:30 in Toronto
    result = office().next_open(t)
    assert result == t
    assert result.tzinfo is TOR


def test_next_open_on_saturday_is_monday_opening():
    assert office().next_open(tor(2026, 3, 7, 10)) == tor(2026, 3, 9, 9)


def test_next_close_of_open_and_closed_instants():
    cal = office()
    assert cal.next_close(tor(2026, 3, 2, 10)) == tor(2026, 3, 2, 17)
    assert cal.next_close(tor(2026, 3, 2, 17)) == tor(2026, 3, 3, 17)


def test_only_some_weekdays_open_count_correctly_osticket_6739():
    cal = Calendar("America/Toronto", {"tue": [("09:00", "17:00")], "thu": [("09:00", "17:00")]})
    assert cal.add(tor(2026, 3, 3, 16), 2 * H) == tor(2026, 3, 5, 10)
    assert cal.between(tor(2026, 3, 2), tor(2026, 3, 9)) == 16 * H


def test_several_windows_per_day_lunch_break_osticket_6847_frappe_2212():
    cal = Calendar(
        "America/Toronto", {d: [("09:00", "12:00"), ("13:00", "17:00")] for d in WEEKDAYS}
    )
    assert cal.add(tor(2026, 3, 2, 11), 2 * H) == tor(2026, 3, 2, 14)
    assert cal.between(tor(2026, 3, 2, 11), tor(2026, 3, 2, 14)) == 2 * H
    assert not cal.is_open(tor(2026, 3, 2, 12, 30))


def test_monday_17_00_plus_4h_is_tuesday_11_00_and_warning_at_10_00_glpi_pr_22678():
    cal = office("08:00", "18:00")
    created = tor(2026, 3, 2, 17)
    due = cal.add(created, 4 * H)
    assert due == tor(2026, 3, 3, 11)
    assert cal.add(created, 3 * H) == tor(2026, 3, 3, 10)  # the "1 hour before" warning


def test_24x7_as_00_00_to_24_00_loses_no_minute_at_midnight_zammad_3180():
    cal = Calendar.always_open("America/Toronto")
    assert cal.is_open(tor(2026, 3, 2, 23, 59, 59))
    assert cal.is_open(tor(2026, 3, 3, 0, 0))
    assert cal.between(tor(2026, 3, 2, 23, 30), tor(2026, 3, 3, 0, 30)) == H
    assert cal.add(tor(2026, 3, 2, 23, 30), H) == tor(2026, 3, 3, 0, 30)


def test_created_while_closed_starts_at_next_opening_glpi_687_12167():
    cal = office()
    assert cal.add(tor(2026, 3, 7, 10), H) == tor(2026, 3, 9, 10)  # Saturday
    assert cal.add(tor(2026, 3, 2, 20), H) == tor(2026, 3, 3, 10)  # Monday evening
    assert cal.add(tor(2026, 3, 2, 6), H) == tor(2026, 3, 2, 10)  # Monday early


def test_overnight_window_22_00_to_02_00_zendesk_biz_133():
    cal = Calendar("America/Toronto", {d: [("22:00", "02:00")] for d in WEEKDAYS})
    assert cal.is_open(tor(2026, 3, 3, 1, 0))  # Monday's window, on Tuesday's date
    assert cal.add(tor(2026, 3, 2, 23), 2 * H) == tor(2026, 3, 3, 1)
    assert cal.add(tor(2026, 3, 2, 23), 4 * H) == tor(2026, 3, 3, 23)
    assert cal.between(tor(2026, 3, 2, 21), tor(2026, 3, 3, 3)) == 4 * H
    # Friday's window runs into Saturday; Saturday has no window of its own
    assert cal.is_open(tor(2026, 3, 7, 1, 0))
    assert cal.next_close(tor(2026, 3, 6, 23)) == tor(2026, 3, 7, 2)


def test_touching_windows_merge_into_one_opening():
    cal = Calendar("UTC", {"mon": [("09:00", "12:00"), ("12:00", "17:00")]})
    assert cal.next_close(datetime(2026, 3, 2, 10, tzinfo=UTC)) == datetime(
        2026, 3, 2, 17, tzinfo=UTC
    )


# -- add / between edges --------------------------------------------------------------------


def test_duration_ending_exactly_at_closing_is_due_at_closing():
    cal = office()
    assert cal.add(tor(2026, 3, 2, 15), 2 * H) == tor(2026, 3, 2, 17)
    assert cal.add(tor(2026, 3, 6, 9), 8 * H) == tor(2026, 3, 6, 17)  # Friday, not Monday


def test_zero_duration_while_open_is_the_instant_itself():
    assert office().add(tor(2026, 3, 2, 10), timedelta(0)) == tor(2026, 3, 2, 10)


def test_zero_duration_while_closed_is_the_next_opening():
    cal = office()
    assert cal.add(tor(2026, 3, 7, 10), timedelta(0)) == tor(2026, 3, 9, 9)
    assert cal.add(tor(2026, 3, 2, 17), timedelta(0)) == tor(2026, 3, 3, 9)


def test_between_of_equal_instants_is_zero():
    assert office().between(tor(2026, 3, 2, 10), tor(2026, 3, 2, 10)) == timedelta(0)


def test_between_counts_only_open_time():
    cal = office()
    assert cal.between(tor(2026, 3, 6, 16), tor(2026, 3, 9, 10)) == 2 * H
    assert cal.between(tor(2026, 3, 7, 1), tor(2026, 3, 8, 23)) == timedelta(0)


def test_microsecond_durations_are_exact():
    cal = office()
    d = timedelta(hours=3, microseconds=7)
    assert cal.add(tor(2026, 3, 2, 16), d) == tor(2026, 3, 3, 11, 0, 0, 7)
    assert cal.between(tor(2026, 3, 2, 16), tor(2026, 3, 3, 11, 0, 0, 7)) == d


def test_duration_of_years_round_trips():
    cal = office(holidays=HolidaySpec("CA", "ON"))
    t = tor(2026, 3, 2, 10)
    d = timedelta(hours=8 * 250 * 12)  # about twelve working years
    due = cal.add(t, d)
    assert due.year in (2037, 2038, 2039)
    assert cal.between(t, due) == d


def test_instants_from_other_zones_give_results_in_the_calendar_zone():
    cal = office()
    t = datetime(2026, 3, 3, 0, 0, tzinfo=TOKYO)  # Monday 10:00 in Toronto
    assert cal.add(t, H) == tor(2026, 3, 2, 11)
    assert cal.add(t, H).tzinfo is TOR


# -- DST ------------------------------------------------------------------------------------


def test_24x7_spring_forward_day_lasts_23_real_hours():
    cal = Calendar.always_open("America/Toronto")
    assert cal.between(tor(2026, 3, 8), tor(2026, 3, 9)) == 23 * H


def test_24x7_fall_back_day_lasts_25_real_hours():
    cal = Calendar.always_open("America/Toronto")
    assert cal.between(tor(2026, 11, 1), tor(2026, 11, 2)) == 25 * H


def test_24x7_add_24h_across_spring_forward_is_24_real_hours():
    cal = Calendar.always_open("America/Toronto")
    due = cal.add(tor(2026, 3, 7, 12), 24 * H)
    assert due == tor(2026, 3, 8, 13)  # wall clock moved 25 hours, real time 24


def test_adding_one_hour_across_autumn_change_moves_moment_business_time_58():
    cal = Calendar.always_open("America/Toronto")
    first = datetime(2026, 11, 1, 1, 30, tzinfo=TOR)  # fold=0: 01:30 EDT
    due = cal.add(first, H)
    # compare instants: Python compares same-tzinfo datetimes by wall clock, ignoring fold
    assert due.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST
    assert due.astimezone(UTC) - first.astimezone(UTC) == H
    assert (due.hour, due.minute, due.fold) == (1, 30, 1)


def test_old_tickets_use_their_own_offset_dbt_zendesk_25():
    cal = office()
    assert cal.next_open(tor(2026, 1, 10, 12)) == datetime(2026, 1, 12, 14, tzinfo=UTC)
    assert cal.next_open(tor(2026, 7, 11, 12)) == datetime(2026, 7, 13, 13, tzinfo=UTC)


def test_schedule_keeps_local_hours_after_dst_ends_grafana_oncall_3261():
    cal = office()
    monday_after = cal.next_open(tor(2026, 11, 1, 12))
    assert monday_after == tor(2026, 11, 2, 9)
    assert monday_after == datetime(2026, 11, 2, 14, tzinfo=UTC)
    friday_before = cal.next_open(tor(2026, 10, 30, 8))
    assert friday_before == datetime(2026, 10, 30, 13, tzinfo=UTC)


def test_missing_spring_hour_inside_business_hours_frappe_pr_3776():
    # the calendar is open 01:00-04:00 on Sundays, so 02:00-03:00 is missing on 8 March 2026;
    # the ticket arrives in Tokyo and the agent reads it in Chicago: three zones
    cal = Calendar("America/Toronto", {"sun": [("01:00", "04:00")]})
    assert cal.between(tor(2026, 3, 8, 0), tor(2026, 3, 8, 5)) == 2 * H
    received = datetime(2026, 3, 8, 15, 30, tzinfo=TOKYO)  # 01:30 EST
    due = cal.add(received, H)
    assert due == tor(2026, 3, 8, 3, 30)  # 30 min before the gap, 30 min after it
    assert due.astimezone(CHICAGO) == datetime(2026, 3, 8, 1, 30, tzinfo=CHICAGO)  # still CST


def test_repeated_autumn_hour_inside_business_hours_frappe_pr_3776():
    cal = Calendar("America/Toronto", {"sun": [("01:00", "04:00")]})
    assert cal.between(tor(2026, 11, 1, 0), tor(2026, 11, 1, 5)) == 4 * H
    received = datetime(2026, 11, 1, 14, 30, tzinfo=TOKYO)  # 01:30 EDT, first pass
    due = cal.add(received, H)
    assert due.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST
    assert due.fold == 1
    assert due.astimezone(CHICAGO) == datetime(2026, 11, 1, 1, 30, tzinfo=CHICAGO)


def test_window_boundary_in_spring_gap_starts_at_the_transition():
    cal = Calendar("America/Toronto", {"sun": [("02:30", "05:00")]})
    assert cal.next_open(tor(2026, 3, 8, 0)) == datetime(2026, 3, 8, 7, tzinfo=UTC)  # 03:00 EDT
    assert cal.between(tor(2026, 3, 8, 0), tor(2026, 3, 8, 6)) == 2 * H


def test_window_wholly_inside_spring_gap_is_no_opening_that_day():
    cal = Calendar("America/Toronto", {"sun": [("02:15", "02:45")]})
    assert cal.next_open(tor(2026, 3, 7, 12)) == tor(2026, 3, 15, 2, 15)


def test_overnight_window_on_spring_forward_night():
    cal = Calendar("America/Toronto", {"sat": [("22:00", "04:00")]})
    assert cal.between(tor(2026, 3, 7, 12), tor(2026, 3, 8, 12)) == 5 * H
    assert cal.add(tor(2026, 3, 7, 22), 4 * H) == tor(2026, 3, 8, 3)


def test_overnight_window_on_fall_back_night():
    cal = Calendar("America/Toronto", {"sat": [("22:00", "04:00")]})
    assert cal.between(tor(2026, 10, 31, 12), tor(2026, 11, 1, 12)) == 7 * H
    assert cal.add(tor(2026, 10, 31, 22), 7 * H) == tor(2026, 11, 1, 4)


# -- holidays, closures, special openings ----------------------------------------------------


def test_holiday_closes_its_local_day():
    cal = office(holidays=HolidaySpec("CA", "ON"))
    assert not cal.is_open(tor(2026, 7, 1, 10))  # Canada Day
    assert cal.add(tor(2026, 6, 30, 16), 2 * H) == tor(2026, 7, 2, 10)


def test_holiday_on_saturday_closes_the_observed_monday():
    cal = office(holidays=HolidaySpec("CA", "ON"))
    # Boxing Day 2026 is a Saturday, observed Monday 28 December; Christmas is Friday
    assert cal.next_open(tor(2026, 12, 24, 18)) == tor(2026, 12, 29, 9)


def test_holiday_on_saturday_without_observed_rules_costs_nothing():
    cal = office(holidays=HolidaySpec("CA", "ON", observed=False))
    assert cal.next_open(tor(2026, 12, 24, 18)) == tor(2026, 12, 28, 9)


def test_holiday_set_is_named_explicitly_civic_holiday():
    # Ontario's Civic Holiday (first Monday of August) is not a public holiday in the package;
    # a policy that wants it closes the date itself
    public = office(holidays=HolidaySpec("CA", "ON"))
    assert public.is_open(tor(2026, 8, 3, 10))
    with_civic = office(holidays=HolidaySpec("CA", "ON"), closed=[date(2026, 8, 3)])
    assert not with_civic.is_open(tor(2026, 8, 3, 10))


def test_include_keeps_only_named_holidays():
    cal = office(holidays=HolidaySpec("CA", "ON", include=("Canada Day", "Christmas Day")))
    assert not cal.is_open(tor(2026, 7, 1, 10))
    assert cal.is_open(tor(2026, 2, 16, 10))  # Family Day not chosen


def test_exclude_removes_named_holidays_and_their_observed_days():
    cal = office(holidays=HolidaySpec("CA", "ON", exclude=("Boxing Day",)))
    assert cal.is_open(tor(2026, 12, 28, 10))  # Boxing Day (observed)
    assert not cal.is_open(tor(2026, 12, 25, 10))


def test_regional_holidays_do_not_leak_zammad_390():
    quebec = office(holidays=HolidaySpec("CA", "QC"))
    ontario = office(holidays=HolidaySpec("CA", "ON"))
    assert not quebec.is_open(tor(2026, 6, 24, 10))  # Saint John the Baptist Day
    assert ontario.is_open(tor(2026, 6, 24, 10))
    assert not ontario.is_open(tor(2026, 2, 16, 10))  # Family Day is Ontario's
    assert quebec.is_open(tor(2026, 2, 16, 10))


def test_all_day_holiday_falls_on_the_local_date_behind_utc_zammad_3706():
    cal = Calendar.always_open("America/Toronto", holidays=HolidaySpec("CA"))
    assert cal.is_open(tor(2026, 6, 30, 22, 30))  # already 1 July in UTC
    assert not cal.is_open(tor(2026, 7, 1, 0, 0))
    assert not cal.is_open(tor(2026, 7, 1, 23, 30))  # already 2 July in UTC
    assert cal.is_open(tor(2026, 7, 2, 0, 0))
    assert cal.between(tor(2026, 6, 30), tor(2026, 7, 3)) == 48 * H


def test_closed_dates_and_ranges():
    cal = office(closed=[date(2026, 12, 24), (date(2026, 12, 28), date(2026, 12, 31))])
    assert cal.next_open(tor(2026, 12, 23, 18)) == tor(2026, 12, 25, 9)
    assert cal.next_open(tor(2026, 12, 25, 18)) == tor(2027, 1, 1, 9)


def test_special_opening_overrides_holiday_for_its_window():
    cal = office(
        holidays=HolidaySpec("CA", "ON"),
        special_openings=[
            (date(2026, 12, 27), "10:00", "14:00"),
            (date(2026, 12, 25), "12:00", "13:00"),
        ],
    )
    assert cal.is_open(tor(2026, 12, 27, 10))  # a Sunday
    assert cal.is_open(tor(2026, 12, 25, 12, 30))  # Christmas Day
    assert not cal.is_open(tor(2026, 12, 25, 10))
    assert cal.between(tor(2026, 12, 24, 17), tor(2026, 12, 29, 9)) == 5 * H


def test_closing_a_date_removes_the_overnight_window_that_starts_on_it():
    cal = Calendar("UTC", {d: [("22:00", "02:00")] for d in WEEKDAYS}, closed=[date(2026, 3, 3)])
    assert cal.is_open(datetime(2026, 3, 3, 1, tzinfo=UTC))  # Monday's window
    assert not cal.is_open(datetime(2026, 3, 3, 23, tzinfo=UTC))  # Tuesday's, closed


# -- value semantics ------------------------------------------------------------------------


def test_calendars_are_equal_and_hashable_by_value():
    a = Calendar("America/Toronto", {"mon": [("09:00", "17:00")]}, HolidaySpec("CA", "ON"))
    b = Calendar(TOR, {0: [(time(9), time(17))]}, HolidaySpec(country="CA", subdiv="ON"))
    c = Calendar("America/Toronto", {"mon": [("09:00", "16:00")]}, HolidaySpec("CA", "ON"))
    assert a == b
    assert hash(a) == hash(b)
    assert a != c
    assert len({a, b, c}) == 2


def test_calendar_pickles_to_an_equal_calendar():
    cal = office(
        holidays=HolidaySpec("CA", "ON", exclude=("Boxing Day",)),
        closed=[(date(2026, 12, 28), date(2026, 12, 31))],
        special_openings=[(date(2026, 12, 27), "10:00", "14:00")],
    )
    assert pickle.loads(pickle.dumps(cal)) == cal


def test_calendar_exposes_its_validated_configuration():
    cal = Calendar("UTC", {"fri": [("22:00", "02:00")]})
    assert cal.weekly[4] == (Window(22 * 60, 26 * 60),)
    assert str(cal.weekly[4][0]) == "22:00-02:00+1"
    assert cal.tz == ZoneInfo("UTC")
    assert "fri 22:00-02:00+1" in repr(cal)


def test_equal_calendars_share_precomputed_periods():
    a, b = office(), office()
    a.add(tor(2026, 3, 2, 10), H)
    assert a._timeline is b._timeline


def test_concurrent_queries_across_years_agree_with_sequential_answers():
    from concurrent.futures import ThreadPoolExecutor

    # Two configurations with the same openings (touching windows merge) but different
    # values, so they do not share their cached periods: one is built by racing threads
    # extending the years in every order, the other sequentially.
    quebec = HolidaySpec("CA", "QC")
    raced = Calendar("America/Toronto", {"tue": [("10:00", "15:30")]}, quebec)
    calm = Calendar("America/Toronto", {"tue": [("10:00", "12:00"), ("12:00", "15:30")]}, quebec)
    starts = [tor(year, month, 3, 12) for year in range(2030, 2042) for month in (1, 6, 11)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda t: raced.add(t, 40 * H), starts[::-1]))
    assert got[::-1] == [calm.add(t, 40 * H) for t in starts]
