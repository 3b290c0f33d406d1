"""policies/crm-severity-colours.toml expresses seed 000 (RK-1 .. RK-12)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pledgedesk.sla import (
    AgentReply,
    Created,
    ExclusionSet,
    StatusChanged,
    Ticket,
    TimerState,
    evaluate,
)
from tests.policy.helpers import seed

CT = ZoneInfo("America/Chicago")


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=CT)


def rk():
    return seed("crm-severity-colours")


def run(events, now):
    return evaluate(rk(), Ticket(), events, now)


def test_rk_1_channels_are_email_and_portal_no_phone():
    offered = rk().spec.channels.offered()
    assert set(offered) == {"email", "portal"}
    assert offered["email"].address == "support@rethinkcrm.com"
    assert rk().spec.intake.calls_logged  # an agent may request a call, logged on the ticket


def test_rk_2_any_contact_may_file_but_tickets_without_administrator_are_flagged():
    intake = rk().spec.intake
    assert intake.who_may_open == "any_contact"
    assert intake.flag_without_administrator
    assert intake.without_administrator_exclusion == "administrator_not_included"
    assert intake.no_administrator_exclusion == "no_administrator"


def test_rk_3_red_resolves_within_one_business_day():
    # Monday 10:00 -> Tuesday 10:00
    timer = run([Created(at(3, 2, 10), "portal", priority="red")], at(3, 2, 11))["resolution"]
    assert timer.due == at(3, 3, 10)
    assert timer.goal is None


def test_rk_3_yellow_goal_one_day_limit_three_days():
    timer = run([Created(at(3, 2, 10), "portal", priority="yellow")], at(3, 3, 12))["resolution"]
    assert timer.goal == at(3, 3, 10)
    assert timer.due == at(3, 5, 10)
    assert timer.state == TimerState.RUNNING  # past the goal, not breached before the limit


def test_rk_3_blue_has_no_resolution_target():
    timer = run([Created(at(3, 2, 10), "portal", priority="blue")], at(6, 1, 10))["resolution"]
    assert timer.state == TimerState.NOT_APPLICABLE


def test_rk_4_every_exclusion_reason_of_the_pledge():
    assert set(rk().exclusion_reasons) == {
        "product_defect", "platform_change", "third_party_application",
        "third_party_modification", "waiting_on_parties", "peak_period",
        "administrator_not_included", "no_administrator"}


def test_rk_4_excluded_ticket_is_never_breached():
    events = [Created(at(3, 2, 10), "portal", priority="red"),
              ExclusionSet(at(3, 2, 11), "peak_period")]
    timer = run(events, at(3, 20, 10))["resolution"]
    assert timer.state == TimerState.EXCLUDED
    assert timer.breached_by_minutes == 0


def test_rk_5_on_hold_pauses_resolution_and_defects_go_to_development():
    events = [Created(at(3, 2, 10), "portal", priority="red"),
              StatusChanged(at(3, 2, 11), "on_hold")]
    assert run(events, at(3, 9, 10))["resolution"].state == TimerState.PAUSED
    assert rk().spec.teams["support"].escalates_to == "development"


def test_rk_6_before_15_central_respond_the_same_business_day():
    timer = run([Created(at(3, 2, 14, 59), "email")], at(3, 2, 15))["first_response"]
    assert timer.due == at(3, 2, 17)


def test_rk_6_after_15_central_respond_by_the_next_business_morning():
    timer = run([Created(at(3, 2, 15, 30), "email")], at(3, 2, 16))["first_response"]
    assert timer.due == at(3, 3, 12)


def test_rk_6_friday_afternoon_and_holidays_are_skipped():
    friday = run([Created(at(3, 6, 16), "email")], at(3, 6, 16))["first_response"]
    assert friday.due == at(3, 9, 12)
    # Friday 3 July 2026 is the observed Independence Day holiday
    holiday = run([Created(at(7, 2, 16), "email")], at(7, 2, 16))["first_response"]
    assert holiday.due == at(7, 6, 12)


def test_rk_6_reply_in_business_hours_meets_the_response():
    events = [Created(at(3, 2, 15, 30), "email"), AgentReply(at(3, 3, 9))]
    timer = run(events, at(3, 3, 10))["first_response"]
    assert timer.state == TimerState.MET
    assert timer.business_used == timedelta(hours=2, minutes=30)


def test_rk_7_statuses_and_what_they_do_to_clocks():
    statuses = rk().statuses
    assert [s.label for s in statuses.values()] == [
        "New", "Open", "Pending", "On-Hold", "Solved", "Closed"]
    assert statuses["pending"].pauses == ("resolution",)
    assert statuses["solved"].category == "solved"
    assert statuses["closed"].category == "closed"


def test_rk_8_queue_order_is_severity_then_time_received():
    policy = rk()
    tickets = [("blue", at(3, 2, 8)), ("red", at(3, 2, 12)), ("red", at(3, 2, 9)),
               ("yellow", at(3, 2, 7))]
    ordered = sorted(tickets, key=lambda t: policy.queue_key(*t))
    assert ordered == [("red", at(3, 2, 9)), ("red", at(3, 2, 12)), ("yellow", at(3, 2, 7)),
                       ("blue", at(3, 2, 8))]


def test_rk_9_out_of_scope_goes_to_product_services():
    assert rk().out_of_scope_route("Custom integrations", "standard") == (
        True, "product_services")
    assert rk().spec.teams["product_services"].paid
    assert "Reports and Dashboards assistance" in rk().spec.scope.in_scope


def test_rk_10_product_services_title_marker_and_hour_tiers():
    policy = rk()
    assert policy.route_title("Training please *Product Services*") == "product_services"
    assert policy.route_title("Login broken") is None
    team = policy.spec.teams["product_services"]
    assert [(b.name, b.hours) for b in team.hour_banks] == [
        ("Silver", 10), ("Gold", 20), ("Platinum", 30)]
    assert team.replenish_below == 0.2


def test_rk_11_courtesy_work_is_best_effort_under_30_minutes():
    courtesy = rk().spec.scope.courtesy
    assert courtesy.typical_minutes == 30
    assert courtesy.best_effort


def test_rk_12_knowledge_base_and_training_videos():
    kinds = {r.kind for r in rk().spec.policy.resources}
    assert kinds == {"knowledge_base", "video_library"}


def test_rk_2_flagged_tickets_get_the_administrator_exclusions():
    policy = rk()
    assert policy.intake_exclusions(administrator_included=True,
                                    organisation_has_administrator=True) == ()
    assert policy.intake_exclusions(administrator_included=False,
                                    organisation_has_administrator=True) == (
        "administrator_not_included",)
    assert policy.intake_exclusions(administrator_included=False,
                                    organisation_has_administrator=False) == (
        "no_administrator",)


def test_rk_1_an_email_carries_title_explanation_and_attachments():
    assert rk().spec.channels.email.fields == (
        "Title", "explanation of the situation", "attachments")
