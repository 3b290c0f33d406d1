"""policies/crm-regional.toml expresses seed 004 (PR-1 .. PR-10)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from pledgedesk.sla import AgentReply, Created, Ticket, TimerState, evaluate
from tests.policy.helpers import seed

TORONTO = ZoneInfo("America/Toronto")
ONTARIO = Ticket(timezone="America/Toronto", country="CA", subdiv="ON")


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=TORONTO)


def pr():
    return seed("crm-regional")


def run(events, now, ticket=ONTARIO):
    return evaluate(pr(), ticket, events, now)


def test_pr_1_in_product_widget_api_and_email():
    assert set(pr().spec.channels.offered()) == {"widget", "api", "email"}


def test_pr_2_24_hours_counted_on_business_days_friday_to_monday():
    timer = run([Created(at(3, 6, 10), "widget")], at(3, 6, 11))["first_response"]
    assert timer.due == at(3, 9, 10)


def test_pr_3_customers_own_region_and_its_public_holidays():
    # Monday 16 February 2026 is Family Day in Ontario, not in Quebec
    created = [Created(at(2, 13, 10), "email")]
    ontario = run(created, at(2, 13, 11))["first_response"]
    quebec = run(created, at(2, 13, 11),
                 Ticket(timezone="America/Toronto", country="CA", subdiv="QC"))[
        "first_response"]
    assert ontario.due == at(2, 17, 10)
    assert quebec.due == at(2, 16, 10)
    cal = pr().calendar("support_hours", ONTARIO.location)
    assert cal.is_open(at(2, 13, 9)) and not cal.is_open(at(2, 13, 17))


def test_pr_4_request_types_in_scope():
    scope = " ".join(pr().spec.scope.in_scope)
    for kind in ("Account and subscription", "Technical assistance", "Feature support",
                 "Customisation guidance"):
        assert kind in scope


def test_pr_5_enterprise_plan_expedited_and_dedicated_representative():
    events = [Created(at(3, 6, 10), "widget", plan="enterprise")]
    timer = run(events, at(3, 6, 11))["first_response"]
    assert timer.due == at(3, 6, 14)
    assert "A dedicated account representative" in pr().spec.plans["enterprise"].benefits


def test_pr_6_customer_may_request_escalation_reviewed_by_senior_technician():
    escalation = pr().spec.escalation
    assert escalation.customer_may_request
    assert escalation.reviewer == "a senior technician"
    assert pr().priority_keys[0] == "high"  # high-impact issues are prioritised


def test_pr_7_knowledge_base_videos_and_forum():
    kinds = {r.kind for r in pr().spec.policy.resources}
    assert kinds == {"knowledge_base", "video_library", "community_forum"}


def test_pr_8_out_of_scope_list():
    assert pr().out_of_scope_route("Outdated, unsupported versions of the platform",
                                   "enterprise") == (True, None)


def test_pr_9_policy_changes_announced_on_website_and_in_product():
    assert pr().spec.policy.changes_announced_on == ("our website", "the platform interface")


def test_pr_10_customer_kept_informed_while_the_ticket_needs_more_time():
    events = [Created(at(3, 2, 10), "widget"), AgentReply(at(3, 2, 11))]
    timer = run(events, at(3, 3, 12))["follow_up"]
    assert timer.due == at(3, 3, 11)
    assert timer.state == TimerState.BREACHED
