"""Reopen, imports, breach reporting, warnings, "no target", reasons and recomputation."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pledgedesk.policy import PolicyInputError
from pledgedesk.sla import (
    AgentReply,
    Created,
    Reopened,
    StatusChanged,
    Ticket,
    TimerState,
    evaluate,
)
from tests.sla.helpers import CLOCK_POLICY, at, clock_policy


def run(events, now, policy=None):
    return evaluate(policy or clock_policy(), Ticket(), events, now)


HIGH = {"priority": "high"}


def test_reopen_does_not_fire_an_old_breach_at_once_osticket_5955():
    # solved after 2 business hours; reopened a week later, long after the old due instant
    events = [Created(at(2, 9), "portal", **HIGH), StatusChanged(at(2, 11), "solved"),
              Reopened(at(9, 9))]
    timer = run(events, at(9, 9, 1))["resolution"]
    assert timer.state == TimerState.RUNNING
    assert timer.breached_by_minutes == 0
    # 8h left, counted from the reopen
    assert timer.due == at(9, 17)


def test_solved_time_does_not_count_after_reopen():
    events = [Created(at(2, 9), "portal", **HIGH), StatusChanged(at(2, 11), "solved"),
              Reopened(at(3, 9))]
    timer = run(events, at(3, 10))["resolution"]
    assert timer.business_used == timedelta(hours=3)
    assert timer.business_paused == timedelta(0)
    assert timer.met_at is None


def test_reopen_after_a_late_solve_stays_breached_without_jumping():
    events = [Created(at(2, 9), "portal", **HIGH), StatusChanged(at(3, 10), "solved"),
              Reopened(at(5, 9))]
    timer = run(events, at(5, 9, 30))["resolution"]
    assert timer.state == TimerState.BREACHED
    assert timer.breached_by_minutes == 60 + 30


def test_reopen_starts_a_follow_up_cycle():
    events = [Created(at(2, 9), "portal"), AgentReply(at(2, 10)),
              StatusChanged(at(2, 10), "solved"), Reopened(at(3, 9))]
    timer = run(events, at(3, 9, 30))["follow_up"]
    assert timer.state == TimerState.RUNNING
    assert timer.started_at == at(3, 9)


def test_closed_ticket_is_final():
    events = [Created(at(2, 9), "portal"), StatusChanged(at(2, 10), "closed"),
              Reopened(at(3, 9))]
    with pytest.raises(PolicyInputError, match="final"):
        run(events, at(3, 10))


def test_imported_ticket_never_starts_escalating_zammad_2949():
    events = [Created(at(2, 9), "email", imported=True), StatusChanged(at(2, 9), "closed")]
    result = run(events, at(30, 9))
    assert {t.state for t in result.values()} == {TimerState.NOT_APPLICABLE}
    assert all(t.due is None for t in result.values())


def test_breach_counts_business_minutes_not_calendar_time_frappe_pr_3354_pr_3297():
    # first response 1h, created Friday 17:30: due Monday 08:30; Monday 09:00 is 30 min late,
    # not "a weekend late"
    events = [Created(at(6, 17, 30), "portal", **HIGH)]
    timer = run(events, at(9, 9))["first_response"]
    assert timer.due == at(9, 8, 30)
    assert timer.state == TimerState.BREACHED
    assert timer.breached_by_minutes == 30


def test_met_exactly_at_the_due_instant_is_met():
    events = [Created(at(2, 9), "portal", **HIGH), AgentReply(at(2, 10))]
    timer = run(events, at(2, 12))["first_response"]
    assert timer.state == TimerState.MET
    assert timer.breached_by_minutes == 0


def test_breached_by_is_never_negative_and_rounds_seconds_up():
    events = [Created(at(2, 9), "portal", **HIGH),
              AgentReply(datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC))]
    assert run(events, at(2, 12))["first_response"].breached_by_minutes == 1
    on_time = run(events[:1], at(2, 9, 30))["first_response"]
    assert on_time.breached_by_minutes == 0


def test_no_target_means_not_applicable_never_a_fake_deadline_frappe_1598():
    timer = run([Created(at(2, 9), "portal", priority="low")], at(30, 9))["resolution"]
    assert timer.state == TimerState.NOT_APPLICABLE
    assert timer.due is None
    assert "no target" in timer.reason


def test_each_timer_says_why_it_got_its_target_frappe_1651_pr_3547():
    result = run([Created(at(2, 9), "portal", priority="high", plan="premium")], at(2, 10))
    assert result["resolution"].reason == (
        "plan premium, priority high, calendar always, metric resolution: "
        "4h business time (plan premium override)")
    assert result["first_response"].reason.endswith("1h business time (policy default)")


def test_goal_and_limit_reported_breach_only_at_the_limit():
    events = [Created(at(2, 9), "portal", priority="normal")]
    past_goal = run(events, at(3, 12))["resolution"]
    assert past_goal.goal == at(3, 9)
    assert past_goal.due == at(4, 9)
    assert past_goal.state == TimerState.RUNNING
    assert run(events, at(4, 10))["resolution"].state == TimerState.BREACHED


def test_warning_follows_business_hours_not_midnight_glpi_22678_zammad_4432_2157():
    # created Monday 17:00, 4h target on Mon-Fri 08:00-18:00: due Tuesday 11:00, warned 10:00
    timer = run([Created(at(2, 17), "portal")], at(2, 17, 30))["first_response"]
    assert timer.due == at(3, 11)
    assert timer.warn_at == at(3, 10)


def test_recomputing_under_a_changed_policy_is_as_if_it_always_applied_zammad_534():
    events = [Created(at(2, 9), "portal"), StatusChanged(at(2, 10), "on_hold"),
              StatusChanged(at(2, 12), "open")]
    shorter = clock_policy(CLOCK_POLICY.replace('targets.normal = { business = "4h" }',
                                                'targets.normal = { business = "2h" }'))
    timer = run(events, at(2, 13), shorter)["first_response"]
    # first response is not paused by On-Hold: 2h from 09:00
    assert timer.due == at(2, 11)
    assert timer.state == TimerState.BREACHED
    assert run(events, at(2, 13))["first_response"].state == TimerState.RUNNING


def test_evaluation_is_deterministic_and_ignores_events_after_now():
    events = [Created(at(2, 9), "portal"), AgentReply(at(2, 15))]
    first = run(events, at(2, 12))
    assert first == run(list(reversed(events)), at(2, 12))
    assert first["first_response"].state == TimerState.RUNNING


def test_naive_instants_are_rejected():
    with pytest.raises(PolicyInputError, match="timezone-aware"):
        run([Created(at(2, 9), "portal")], datetime(2026, 3, 2, 10))


def test_history_must_start_with_created():
    with pytest.raises(PolicyInputError, match="Created"):
        run([AgentReply(at(2, 9))], at(2, 10))


def test_changed_calendar_recomputes_open_tickets_zammad_4353_osticket_5160():
    # the same history under hours changed from 08:00-18:00 to 09:00-17:00
    events = [Created(at(2, 16), "portal")]
    shorter_day = clock_policy(CLOCK_POLICY.replace('["08:00-18:00"]', '["09:00-17:00"]'))
    assert run(events, at(2, 16, 30))["first_response"].due == at(3, 10)
    assert run(events, at(2, 16, 30), shorter_day)["first_response"].due == at(3, 12)


def test_instants_in_three_zones_give_one_answer_frappe_pr_3776():
    # calendar in UTC, the ticket created by a server in Tokyo, the reply by an agent in Chicago
    tokyo = at(2, 9).astimezone(ZoneInfo("Asia/Tokyo"))
    chicago = at(2, 10).astimezone(ZoneInfo("America/Chicago"))
    timer = run([Created(tokyo, "portal"), AgentReply(chicago)], at(2, 11))["first_response"]
    assert timer.met_at == at(2, 10)
    assert timer.business_used == timedelta(hours=1)


def test_reopen_keeps_the_remaining_time_osticket_pr_5206():
    events = [Created(at(2, 9), "portal", **HIGH), StatusChanged(at(2, 17), "solved"),
              Reopened(at(4, 12))]
    timer = run(events, at(4, 12))["resolution"]
    assert timer.remaining == timedelta(hours=2)
    assert timer.due == at(4, 14)


def test_now_before_creation_is_rejected():
    with pytest.raises(PolicyInputError, match="before the ticket was created"):
        run([Created(at(2, 9), "portal")], at(2, 8))
