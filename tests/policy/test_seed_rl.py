"""policies/ecommerce-platform.toml expresses seed 002 (RL-1 .. RL-12)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from pledgedesk.sla import AgentReply, CallLogged, Created, Ticket, TimerState, evaluate
from tests.policy.helpers import seed

ET = ZoneInfo("America/New_York")


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=ET)


def rl():
    return seed("ecommerce-platform")


def run(events, now):
    return evaluate(rl(), Ticket(), events, now)


def test_rl_1_support_hours_weekdays_9_to_5_eastern_without_canadian_holidays():
    cal = rl().calendar("support_hours")
    assert cal.is_open(at(3, 2, 9))
    assert not cal.is_open(at(3, 2, 17))
    assert not cal.is_open(at(3, 7, 12))          # Saturday
    assert not cal.is_open(at(7, 1, 12))          # Canada Day, a Wednesday
    assert cal.is_open(at(7, 2, 12))


def test_rl_2_first_touch_within_two_business_hours():
    timer = run([Created(at(3, 2, 16), "email")], at(3, 2, 16, 30))["first_response"]
    assert timer.due == at(3, 3, 10)


def test_rl_2_call_or_chat_is_a_first_touch():
    events = [Created(at(3, 2, 10), "chat"), CallLogged(at(3, 2, 10, 5))]
    assert run(events, at(3, 2, 11))["first_response"].state == TimerState.MET


def test_rl_3_follow_up_targets_by_priority():
    def follow_up(priority, plan="standard"):
        events = [Created(at(3, 2, 10), "portal", priority=priority, plan=plan),
                  AgentReply(at(3, 2, 10))]
        return run(events, at(3, 2, 10, 1))["follow_up"]

    critical = follow_up("critical")
    assert (critical.goal, critical.due) == (at(3, 2, 11), at(3, 2, 14))
    high = follow_up("high_non_critical", "high_priority")
    assert (high.goal, high.due) == (None, at(3, 3, 10))
    normal = follow_up("normal")
    assert (normal.goal, normal.due) == (at(3, 3, 10), at(3, 5, 10))


def test_rl_4_high_priority_non_critical_only_on_the_high_priority_plan():
    policy = rl()
    assert policy.priority_allowed("high_priority", "high_non_critical")
    assert not policy.priority_allowed("standard", "high_non_critical")
    intake = policy.intake(channel="portal", plan="standard", requested="high_non_critical")
    assert intake.priority == "normal"
    assert "only for plans high_priority" in intake.notes[0]


def test_rl_5_targets_are_goals_not_guarantees():
    assert rl().spec.policy.targets_are == "goals"


def test_rl_6_identity_verified_before_billing_or_revenue_information():
    assert rl().spec.intake.verify_identity_for == ("billing information",
                                                    "revenue information")


def test_rl_7_support_lead_may_ban_and_refuse_scammers():
    intake = rl().spec.intake
    assert intake.support_lead_may_ban
    assert set(intake.refuse) == {"spammers", "phishers", "scam artists"}


def test_rl_8_feature_requests_go_to_the_owning_team():
    assert rl().spec.intake.feature_requests_to == "product"


def test_rl_9_out_of_scope_unless_extra_support_package():
    policy = rl()
    assert policy.out_of_scope_route("Copywriting", "standard") == (True, None)
    assert policy.out_of_scope_route("Copywriting", "extra_support") == (False, None)
    assert policy.out_of_scope_route("Custom integrations", "extra_support") == (True, None)
    assert policy.out_of_scope_route("Business advice", "standard") == (True, None)


def test_rl_11_agents_may_make_recorded_exceptions():
    assert rl().spec.policy.agents_may_make_exceptions


def test_rl_12_knowledge_base_articles_carry_helpful_votes():
    (kb,) = rl().spec.policy.resources
    assert kb.kind == "knowledge_base"
    assert kb.votes
