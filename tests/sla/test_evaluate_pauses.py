"""Pause and resume accounting, exclusions (RK-4) and priority changes (FG-5)."""

from datetime import timedelta

import pytest

from pledgedesk.policy import PolicyInputError
from pledgedesk.sla import (
    Created,
    ExclusionCleared,
    ExclusionSet,
    PriorityChanged,
    StatusChanged,
    Ticket,
    TimerState,
    evaluate,
)
from tests.sla.helpers import at, clock_policy


def resolution(events, now, policy=None):
    return evaluate(policy or clock_policy(), Ticket(), events, now)["resolution"]


HIGH = {"priority": "high"}  # resolution 10 business hours, no range


def test_paused_only_while_really_paused_frappe_1554():
    created = Created(at(2, 9), "portal", **HIGH)
    assert resolution([created], at(2, 10)).state == TimerState.RUNNING
    paused = [created, StatusChanged(at(2, 10), "pending")]
    assert resolution(paused, at(2, 11)).state == TimerState.PAUSED
    resumed = [*paused, StatusChanged(at(2, 12), "open")]
    assert resolution(resumed, at(2, 13)).state == TimerState.RUNNING
    # Pending does not pause first response here: its 1h target kept running and is late
    assert evaluate(clock_policy(), Ticket(), paused, at(2, 11))[
        "first_response"].state == TimerState.BREACHED


def test_hold_time_is_subtracted_from_time_used_not_added_to_start_frappe_2449():
    events = [Created(at(2, 9), "portal", **HIGH), StatusChanged(at(2, 10), "on_hold"),
              StatusChanged(at(2, 13), "open")]
    timer = resolution(events, at(2, 14))
    assert timer.business_used == timedelta(hours=2)       # 09-10 and 13-14
    assert timer.business_paused == timedelta(hours=3)
    # 10h target, 1h used before the hold: 9h left from 13:00 -> Tue 12:00
    assert timer.due == at(3, 12)
    assert timer.started_at == at(2, 9)


def test_while_paused_there_is_no_due_instant_only_what_remains():
    events = [Created(at(2, 9), "portal", **HIGH), StatusChanged(at(2, 10), "on_hold")]
    timer = resolution(events, at(4, 10))
    assert timer.due is None
    assert timer.remaining == timedelta(hours=9)


def test_paused_then_solved_in_one_save_keeps_the_hold_time_frappe_3776():
    events = [Created(at(2, 9), "portal", **HIGH), StatusChanged(at(2, 10), "open"),
              StatusChanged(at(2, 11), "pending"),
              StatusChanged(at(2, 15), "on_hold"), StatusChanged(at(2, 15), "solved")]
    timer = resolution(events, at(2, 17))
    assert timer.state == TimerState.MET
    assert timer.met_at == at(2, 15)
    assert timer.business_used == timedelta(hours=2)
    assert timer.business_paused == timedelta(hours=4)


def test_two_paused_statuses_in_a_row_do_not_double_count():
    events = [Created(at(2, 9), "portal", **HIGH), StatusChanged(at(2, 10), "on_hold"),
              StatusChanged(at(2, 12), "vendor"), StatusChanged(at(2, 14), "open")]
    timer = resolution(events, at(2, 15))
    assert timer.business_paused == timedelta(hours=4)
    assert timer.business_used == timedelta(hours=2)
    # 9h left when the clock resumed at 14:00: 4h on Monday, 5h on Tuesday
    assert timer.due == at(3, 13)


def test_priority_change_keeps_accumulated_pause_glpi_15605():
    events = [Created(at(2, 9), "portal", priority="normal"),
              StatusChanged(at(2, 10), "on_hold"), StatusChanged(at(2, 14), "open"),
              PriorityChanged(at(2, 15), "high")]
    timer = resolution(events, at(2, 16))
    assert timer.priority == "high"
    assert timer.business_paused == timedelta(hours=4)
    assert timer.business_used == timedelta(hours=3)
    # 10h from the original start, minus 4h of hold: due Tue 13:00
    assert timer.due == at(3, 13)


def test_priority_change_rederives_targets_from_the_original_start_fg_5():
    events = [Created(at(2, 9), "portal", priority="normal"),
              PriorityChanged(at(2, 15), "high")]
    before = resolution(events[:1], at(2, 14))
    after = resolution(events, at(2, 16))
    assert before.due == at(4, 9)          # normal: 20h limit
    assert before.goal == at(3, 9)          # 10h goal
    assert after.due == at(3, 9)           # high: 10h from Monday 09:00
    assert after.goal is None


def test_metric_met_before_a_priority_change_keeps_its_priority():
    events = [Created(at(2, 9), "portal", priority="normal"),
              StatusChanged(at(2, 13), "solved"), PriorityChanged(at(2, 14), "low")]
    timer = resolution(events, at(2, 15))
    assert timer.state == TimerState.MET
    assert timer.priority == "normal"


def test_exclusion_takes_ticket_out_of_resolution_without_breach_rk_4():
    events = [Created(at(2, 9), "portal", **HIGH),
              ExclusionSet(at(2, 10), "product_defect")]
    timer = resolution(events, at(9, 17))
    assert timer.state == TimerState.EXCLUDED
    assert timer.breached_by_minutes == 0
    assert timer.business_used == timedelta(hours=1)


def test_cleared_exclusion_resumes_from_where_it_stood_rk_4():
    events = [Created(at(2, 9), "portal", **HIGH),
              ExclusionSet(at(2, 10), "product_defect"),
              ExclusionCleared(at(3, 10), "product_defect")]
    timer = resolution(events, at(3, 11))
    assert timer.state == TimerState.RUNNING
    assert timer.business_used == timedelta(hours=2)
    assert timer.due == at(4, 9)  # 9h left from Tue 10:00: 8h on Tuesday, 1h on Wednesday


def test_solved_while_excluded_stays_excluded_rk_4():
    events = [Created(at(2, 9), "portal", **HIGH),
              ExclusionSet(at(2, 10), "product_defect"), StatusChanged(at(6, 10), "solved")]
    assert resolution(events, at(6, 11)).state == TimerState.EXCLUDED


def test_unknown_exclusion_reason_is_rejected():
    with pytest.raises(PolicyInputError, match="unknown exclusion reason"):
        resolution([Created(at(2, 9), "portal"), ExclusionSet(at(2, 10), "bored")], at(2, 11))
