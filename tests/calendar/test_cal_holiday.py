"""Holiday sets chosen explicitly by name, with the package's observed-day rules."""

from datetime import date

from pledgedesk.calendar import HolidaySpec
from pledgedesk.calendar.holiday import HolidayFilter


def test_spec_normalises_names_to_sorted_tuples():
    spec = HolidaySpec("CA", "ON", include=["Canada Day", "Christmas Day"], exclude="Boxing Day")
    assert spec.include == ("Canada Day", "Christmas Day")
    assert spec.exclude == ("Boxing Day",)
    same = HolidaySpec("CA", "ON", include=("Christmas Day", "Canada Day"), exclude=("Boxing Day",))
    assert spec == same
    assert spec.region == "CA-ON"


def test_weekend_holiday_closes_observed_weekday():
    closed = HolidayFilter(HolidaySpec("CA", "ON")).closed_dates(2026)
    assert date(2026, 12, 26) in closed  # Boxing Day, a Saturday
    assert date(2026, 12, 28) in closed  # Boxing Day (observed), Monday


def test_without_observed_rules_only_the_actual_date_closes():
    closed = HolidayFilter(HolidaySpec("CA", "ON", observed=False)).closed_dates(2026)
    assert date(2026, 12, 26) in closed
    assert date(2026, 12, 28) not in closed


def test_observed_day_in_the_previous_year_is_found():
    # New Year's Day 2022 was a Saturday, observed in the US on Friday 31 December 2021
    closed = HolidayFilter(HolidaySpec("US")).closed_dates(2021)
    assert date(2021, 12, 31) in closed


def test_observed_name_chooses_only_the_observed_day():
    spec = HolidaySpec("CA", "ON", include=("Boxing Day (observed)",))
    closed = HolidayFilter(spec).closed_dates(2026)
    assert closed == {date(2026, 12, 28)}


def test_shared_date_stays_closed_while_another_chosen_holiday_falls_on_it():
    # Texas, 19 June 2026: Emancipation Day In Texas; Juneteenth National Independence Day
    spec = HolidaySpec("US", "TX", exclude=("Emancipation Day In Texas",))
    assert date(2026, 6, 19) in HolidayFilter(spec).closed_dates(2026)
