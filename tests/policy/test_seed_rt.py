"""policies/crm-named-severities.toml expresses seed 001 (RT-1 .. RT-4)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from pledgedesk.sla import Created, Ticket, TimerState, evaluate
from tests.policy.helpers import seed

CT = ZoneInfo("America/Chicago")


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=CT)


def rt():
    return seed("crm-named-severities")


def run(priority, created, now):
    return evaluate(rt(), Ticket(), [Created(created, "portal", priority=priority)], now)


def test_rt_1_priorities_and_resolution_targets():
    assert rt().priority_keys == ("urgent", "high", "normal")
    urgent = run("urgent", at(2, 10), at(2, 11))["resolution"]
    assert urgent.due == at(3, 10)
    high = run("high", at(2, 10), at(2, 11))["resolution"]
    assert (high.goal, high.due) == (at(3, 10), at(5, 10))
    normal = run("normal", at(2, 10), at(30, 10))["resolution"]
    assert normal.state == TimerState.NOT_APPLICABLE


def test_rt_2_same_exclusions_channels_and_administrator_rule_as_rk():
    rk = seed("crm-severity-colours")
    assert set(rt().exclusion_reasons) == set(rk.exclusion_reasons)
    assert set(rt().spec.channels.offered()) == set(rk.spec.channels.offered())
    assert rt().spec.intake.flag_without_administrator


def test_rt_3_before_15_central_respond_the_same_business_day():
    timer = run("normal", at(2, 14), at(2, 14, 30))["first_response"]
    assert timer.due == at(2, 17)


def test_rt_4_queue_order_is_severity_then_time_received():
    policy = rt()
    assert policy.queue_key("urgent", at(2, 12)) < policy.queue_key("high", at(2, 9))
    assert policy.queue_key("high", at(2, 9)) < policy.queue_key("high", at(2, 10))
