"""Bad policy files are rejected at check time, every problem with its key path."""

from datetime import timedelta
from pathlib import Path

import pytest

from pledgedesk.policy import PolicyError, load_policy, parse_policy
from pledgedesk.policy.durations import format_duration, parse_duration
from tests.sla.helpers import CLOCK_POLICY


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "p.toml")
    return [str(p) for p in info.value.problems]


def edit(old: str, new: str) -> str:
    assert old in CLOCK_POLICY
    return CLOCK_POLICY.replace(old, new, 1)


def test_the_clock_policy_is_valid():
    assert parse_policy(CLOCK_POLICY, "p.toml").policy.name == "Clock test policy"


def test_unknown_key_is_rejected_not_ignored():
    found = problems(edit('colour = "#FF0000"', 'colour = "#FF0000"\ncolor = "#FF0000"'))
    assert found == ["p.toml:priorities.high.color: unknown key (not part of the policy "
                     "schema: a typo?)"]


def test_typo_in_a_metric_name_is_rejected():
    found = problems(edit("[metrics.follow_up]", "[metrics.folow_up]"))
    assert "p.toml:metrics.folow_up: unknown key (not part of the policy schema: a typo?)" \
        in found


def test_unknown_calendar_reference():
    found = problems(edit('calendar = "hours"\nwarn_before', 'calendar = "hourz"\nwarn_before'))
    assert found == ["p.toml:metrics.first_response.calendar: unknown calendar 'hourz' "
                     "(known: hours, always)"]


def test_unknown_calendar_in_a_plan_target():
    found = problems(edit('calendar = "always" }', 'calendar = "allways" }'))
    assert found == ["p.toml:plans.premium.targets.resolution.high.calendar: unknown "
                     "calendar 'allways' (known: hours, always)"]


def test_priority_missing_a_target():
    found = problems(edit('targets.low = { business = "1h" }\n\n[metrics.first_response]',
                          '\n[metrics.first_response]'))
    assert found == ["p.toml:metrics.assignment.targets.low: priority 'low' has no "
                     "assignment target (write { none = true } if none applies)"]


def test_target_for_an_unknown_priority():
    found = problems(edit('targets.low = { none = true }',
                          'targets.low = { none = true }\ntargets.urgent = { none = true }'))
    assert found == ["p.toml:metrics.resolution.targets.urgent: unknown priority 'urgent' "
                     "(known: high, normal, low)"]


def test_two_default_priorities():
    found = problems(edit('description = "High."', 'description = "High."\ndefault = true'))
    assert found == ["p.toml:priorities.normal.default: priority 'high' is already the "
                     "default: keep one default"]


def test_no_default_plan():
    found = problems(edit('description = "Standard."\ndefault = true',
                          'description = "Standard."'))
    assert found == ["p.toml:plans: no default plan: mark exactly one with default = true"]


def test_plan_inheritance_cycle():
    text = edit('description = "Standard."\ndefault = true',
                'description = "Standard."\ndefault = true\nextends = "premium"')
    assert problems(text) == ["p.toml:plans.standard.extends: cycle: standard -> premium "
                              "-> standard"]


def test_plan_extending_itself():
    found = problems(edit('extends = "standard"', 'extends = "premium"'))
    assert found == ["p.toml:plans.premium.extends: cycle: premium -> premium"]


def test_escalation_cycle_between_teams():
    text = CLOCK_POLICY + """
[teams.a]
label = "A"
description = "A."
escalates_to = "b"

[teams.b]
label = "B"
description = "B."
escalates_to = "a"
"""
    assert problems(text) == ["p.toml:teams.a.escalates_to: cycle: a -> b -> a"]


def test_target_on_a_calendar_that_is_never_open():
    text = edit('weekly = { "mon-fri" = ["08:00-18:00"] }', "weekly = {}")
    found = problems(text)
    assert "p.toml:calendars.hours.weekly: this calendar is never open: add weekly hours or " \
           "always_open = true" in found
    assert ("p.toml:metrics.first_response.targets.high: this target can never be met: "
            "calendar 'hours' is never open") in found


def test_cutoff_outside_every_window_can_never_be_met():
    found = problems(edit('targets.high = { business = "1h" }\ntargets.normal',
                          'targets.high = { cutoff = "20:00" }\ntargets.normal'))
    assert found == ["p.toml:metrics.first_response.targets.high.cutoff: cutoff 20:00 falls "
                     "outside every opening window of calendar 'hours', so it can never be "
                     "met as written"]


def test_target_with_two_kinds_or_none():
    found = problems(edit('targets.high = { business = "30m" }',
                          'targets.high = { business = "30m", cutoff = "15:00" }'))
    assert found == ["p.toml:metrics.assignment.targets.high: a target is exactly one of "
                     "business, business_days, cutoff or none = true (found business, cutoff)"]


def test_range_goal_after_limit():
    found = problems(edit('["10h", "20h"]', '["20h", "10h"]'))
    assert found == ["p.toml:metrics.resolution.targets.normal: a [goal, limit] range needs "
                     "goal <= limit"]


def test_bad_duration_names_the_key():
    found = problems(edit('warn_before = "1h"', 'warn_before = "1 hour"'))
    assert found == ["p.toml:metrics.first_response.warn_before: cannot read duration "
                     "'1 hour': write a number and a unit m, h or d, e.g. \"30m\", \"2h\", "
                     "\"1h30m\""]


def test_bad_window_and_unknown_timezone():
    found = problems(edit('timezone = "UTC"\nweekly = { "mon-fri" = ["08:00-18:00"] }',
                          'timezone = "Mars/Olympus"\nweekly = { "mon-fry" = ["08:00-18:00"] }'))
    assert found == ["p.toml:calendars.hours.weekly: unknown day range 'mon-fry': use mon..sun, "
                     "e.g. \"mon-fri\""]


def test_unknown_time_zone():
    found = problems(edit('label = "Hours"\ntimezone = "UTC"',
                          'label = "Hours"\ntimezone = "Mars/Olympus"'))
    assert found == ["p.toml:calendars.hours.timezone: unknown IANA time zone 'Mars/Olympus' "
                     "(or write \"organisation\")"]


def test_unknown_holiday_country_reported_by_the_calendar_library():
    hours = 'weekly = { "mon-fri" = ["08:00-18:00"] }'
    found = problems(edit(hours, hours + '\nholidays = { country = "XX" }'))
    assert len(found) == 1 and found[0].startswith("p.toml:calendars.hours: ")


def test_unknown_status_and_paused_metric_references():
    found = problems(edit('customer_reply_moves_to = "open"', 'customer_reply_moves_to = "opne"'))
    assert found == ["p.toml:statuses.pending.customer_reply_moves_to: unknown status 'opne' "
                     "(known: new, open, pending, on_hold, vendor, solved, closed)"]


def test_all_problems_are_reported_at_once():
    text = edit('colour = "#FF0000"', 'colour = "red"')
    text = text.replace('[channels.portal]\nlabel = "Portal"\n', '[channels.portal]\n')
    found = problems(text)
    assert "p.toml:priorities.high.colour: String should match pattern '^#[0-9A-Fa-f]{6}$'" \
        in found
    assert "p.toml:channels.portal.label: required key is missing" in found


def test_toml_syntax_error_gives_the_line():
    found = problems('[policy]\nname = "x"\nversion = \n')
    assert len(found) == 1
    assert found[0].startswith("p.toml:line 3: TOML syntax error: ")


def test_missing_file(tmp_path):
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path / "nope.toml")
    assert str(info.value).startswith(f"{tmp_path / 'nope.toml'}:(file): cannot read:")


@pytest.mark.parametrize(("text", "value"), [
    ("30m", timedelta(minutes=30)), ("2h", timedelta(hours=2)),
    ("1h30m", timedelta(minutes=90)), ("1d", timedelta(days=1))])
def test_durations(text, value):
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["", "0m", "2 hours", "h", 5, "-1h"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_format_duration():
    assert format_duration(timedelta(minutes=90)) == "1h30m"
    assert format_duration(timedelta(minutes=30)) == "30m"


def test_the_example_in_format_md_is_a_valid_policy():
    text = (Path(__file__).resolve().parents[2] / "pledgedesk/policy/FORMAT.md").read_text()
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    spec = parse_policy(example, "FORMAT.md")
    assert list(spec.priorities) == ["urgent", "normal"]


def test_default_priority_limited_to_some_plans_rl_4():
    found = problems(edit('description = "Normal."\ndefault = true',
                          'description = "Normal."\ndefault = true\nplans = ["premium"]'))
    assert found == ["p.toml:priorities.normal.plans: the default priority is what a ticket "
                     "falls back to: it must be open to every plan"]
