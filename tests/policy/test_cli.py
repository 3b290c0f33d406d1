"""``pledgedesk policy check | simulate | render`` (pledgedesk.cli_policy.main)."""

import json
import subprocess
import sys

import pytest

from pledgedesk.cli_policy import main
from tests.policy.helpers import POLICIES, SEEDS
from tests.sla.helpers import CLOCK_POLICY

FG = str(POLICIES / "fax-server-24x7.toml")
RL = str(POLICIES / "ecommerce-platform.toml")
PR = str(POLICIES / "crm-regional.toml")
RK = str(POLICIES / "crm-severity-colours.toml")


def simulate(capsys, *args):
    code = main(["simulate", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


@pytest.mark.parametrize("name", SEEDS)
def test_check_accepts_every_seed_policy(capsys, name):
    file = str(POLICIES / f"{name}.toml")
    assert main(["check", file]) == 0
    *warnings, summary = capsys.readouterr().out.splitlines()
    assert summary.startswith(f"{file}: OK. ")
    # What the desk as built (portal and API) cannot serve: warnings, never problems.
    assert all(line.startswith(f"{file}:") and ": warning: " in line for line in warnings)


@pytest.mark.parametrize(("old", "new", "line"), [
    ('calendar = "hours"\nwarn_before', 'calendar = "nope"\nwarn_before',
     "metrics.first_response.calendar: unknown calendar 'nope' (known: hours, always)"),
    ('description = "High."', 'description = "High."\ndefault = true',
     "priorities.normal.default: priority 'high' is already the default: keep one default"),
    ('extends = "standard"', 'extends = "premium"',
     "plans.premium.extends: cycle: premium -> premium"),
    ('colour = "#FF0000"', 'colour = "#FF0000"\ncolor = "red"',
     "priorities.high.color: unknown key (not part of the policy schema: a typo?)"),
    ('targets.low = { none = true }', "",
     "metrics.resolution.targets.low: priority 'low' has no resolution target "
     "(write { none = true } if none applies)"),
    ('weekly = { "mon-fri" = ["08:00-18:00"] }', 'weekly = { "sat" = ["08:00-10:00"] }\n'
     '[calendars.never]\nlabel = "Never"\ntimezone = "UTC"',
     "calendars.never.weekly: this calendar is never open: add weekly hours or "
     "always_open = true"),
])
def test_check_rejects_bad_policies_with_file_and_key_path(tmp_path, capsys, old, new, line):
    path = tmp_path / "bad.toml"
    path.write_text(CLOCK_POLICY.replace(old, new, 1))
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:{line}" in out.splitlines()


def test_simulate_prints_the_priority_applied_and_targets(capsys):
    code, result, _ = simulate(capsys, RL, "--opened", "2026-03-02T16:00:00-05:00",
                               "--priority", "critical", "--channel", "email")
    assert code == 0
    assert result["policy"] == "ecommerce-platform"
    assert result["priority"] == "critical"
    assert result["plan"] == "standard"
    assert result["calendar"] == "support_hours"
    assert result["page_on_call"] is False
    assert result["targets"]["first_response"] == {
        "due": "2026-03-03T10:00:00-05:00", "goal": None, "warn_at": "2026-03-03T09:30:00-05:00",
        "calendar": "support_hours",
        "reason": "plan standard, priority critical, calendar support_hours, metric "
                  "first_response: 2h business time (policy default)"}
    assert "follow_up" not in result["targets"]


def test_simulate_fg_8_urgent_portal_ticket_after_hours_pages_on_call(capsys):
    code, result, _ = simulate(capsys, FG, "--opened", "2026-03-06T19:00:00-06:00", "--plan",
                               "24x7", "--priority", "urgent", "--channel", "portal",
                               "--timezone", "America/Chicago")
    assert code == 0
    assert result["page_on_call"] is True
    assert result["targets"]["first_response"]["due"] == "2026-03-06T19:30:00-06:00"


def test_simulate_fg_3_email_priority_reported_with_a_note(capsys):
    code, result, _ = simulate(capsys, FG, "--opened", "2026-03-06T19:00:00-06:00", "--plan",
                               "24x7", "--priority", "urgent", "--channel", "email",
                               "--timezone", "America/Chicago")
    assert code == 0
    assert result["priority"] == "medium"
    assert result["page_on_call"] is False
    assert result["notes"] == ["channel email cannot set a priority; the default medium "
                               "applies instead of urgent"]
    assert result["targets"]["first_response"]["due"] == "2026-03-09T10:00:00-05:00"


def test_simulate_rl_4_priority_the_plan_may_not_use(capsys):
    code, result, _ = simulate(capsys, RL, "--opened", "2026-03-02T10:00:00-05:00",
                               "--priority", "high_non_critical")
    assert code == 0
    assert result["priority"] == "normal"
    assert "only for plans high_priority" in result["notes"][0]


def test_simulate_pr_2_and_pr_3_with_the_organisations_region(capsys):
    code, result, _ = simulate(capsys, PR, "--opened", "2026-02-13T10:00:00-05:00",
                               "--timezone", "America/Toronto", "--country", "CA-ON")
    assert code == 0
    assert result["channel"] == "email"  # no portal here: the first channel offered
    assert result["targets"]["first_response"]["due"] == "2026-02-17T10:00:00-05:00"


def test_simulate_range_target_reports_goal_and_due(capsys):
    code, result, _ = simulate(capsys, RK, "--opened", "2026-03-02T10:00:00-06:00",
                               "--priority", "yellow")
    assert code == 0
    assert result["targets"]["resolution"]["goal"] == "2026-03-03T10:00:00-06:00"
    assert result["targets"]["resolution"]["due"] == "2026-03-05T10:00:00-06:00"


def test_simulate_rk_3_blue_has_no_resolution_target(capsys):
    code, result, _ = simulate(capsys, RK, "--opened", "2026-03-02T10:00:00-06:00",
                               "--priority", "blue")
    assert code == 0
    assert "resolution" not in result["targets"]
    assert "no target" in result["not_applicable"]["resolution"]


@pytest.mark.parametrize(("args", "message"), [
    (["--priority", "purple"], "unknown priority 'purple'; this policy has urgent, high, "
                               "medium, low"),
    (["--plan", "gold"], "unknown plan 'gold'; this policy has standard, 24x7"),
    (["--channel", "fax"], "unknown channel 'fax'; channels are portal, email, voicemail, "
                           "hotline, chat, widget, api"),
    (["--channel", "widget"], "unknown channel 'widget'; this policy offers portal, email, "
                              "voicemail, hotline"),
])
def test_simulate_bad_input_exits_2_with_one_line(capsys, args, message):
    code = main(["simulate", FG, "--opened", "2026-03-02T10:00:00-06:00",
                 "--timezone", "America/Chicago", *args])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err == message + "\n"


def test_simulate_without_the_required_timezone_names_the_option(capsys):
    code = main(["simulate", FG, "--opened", "2026-03-02T10:00:00-06:00"])
    err = capsys.readouterr().err
    assert code == 2
    assert "give --timezone" in err and err.count("\n") == 1


def test_simulate_without_the_required_country_names_the_option(capsys):
    code = main(["simulate", PR, "--opened", "2026-03-02T10:00:00-05:00",
                 "--timezone", "America/Toronto"])
    assert code == 2
    assert "give --country" in capsys.readouterr().err


@pytest.mark.parametrize("opened", ["2026-03-02T10:00:00", "yesterday"])
def test_simulate_needs_an_instant_with_an_offset(capsys, opened):
    assert main(["simulate", RL, "--opened", opened]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_simulate_unknown_timezone_or_country_exits_2(capsys):
    assert main(["simulate", RL, "--opened", "2026-03-02T10:00:00-05:00", "--timezone",
                 "Mars/Olympus"]) == 2
    assert main(["simulate", PR, "--opened", "2026-03-02T10:00:00-05:00", "--timezone",
                 "Mars/Olympus", "--country", "CA"]) == 2
    assert main(["simulate", PR, "--opened", "2026-03-02T10:00:00-05:00", "--timezone",
                 "America/Toronto", "--country", "XX"]) == 2


def test_usage_errors_return_a_code_instead_of_raising(capsys):
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["simulate", RL]) == 2  # --opened is required


def test_render_markdown_and_html(capsys):
    assert main(["render", RK]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("# REthink Product Support Pledge\n")
    assert main(["render", RK, "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>")


@pytest.mark.slow
def test_module_runs_as_a_command():
    done = subprocess.run([sys.executable, "-m", "pledgedesk.cli_policy", "check", RL],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert "RareLogic Support Policies" in done.stdout
