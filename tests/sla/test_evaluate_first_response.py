"""First response and assignment clocks (RL-2, FG-7) and the pitfalls other helpdesks shipped."""

from datetime import timedelta

from pledgedesk.sla import (
    AgentReply,
    Assigned,
    CallLogged,
    Created,
    InternalNote,
    StatusChanged,
    Ticket,
    TimerState,
    evaluate,
)
from tests.sla.helpers import at, clock_policy

T = Ticket()


def timers(events, now):
    return evaluate(clock_policy(), T, events, now)


def test_reply_and_pending_in_one_action_meets_first_response_zammad_3551():
    # given a reply and a "pending" status sent in one action (same instant, either order)
    for action in (
        [AgentReply(at(2, 10)), StatusChanged(at(2, 10), "pending")],
        [StatusChanged(at(2, 10), "pending"), AgentReply(at(2, 10))],
    ):
        events = [Created(at(2, 9), "portal"), *action]
        # when
        fr = timers(events, at(2, 16))["first_response"]
        # then
        assert fr.state == TimerState.MET
        assert fr.met_at == at(2, 10)


def test_the_first_reply_is_the_one_that_meets_the_clock_zammad_2082():
    events = [Created(at(2, 9), "portal"), AgentReply(at(2, 10)), AgentReply(at(2, 15))]
    fr = timers(events, at(2, 16))["first_response"]
    assert fr.met_at == at(2, 10)
    assert fr.business_used == timedelta(hours=1)


def test_first_response_met_by_the_first_reply_even_when_a_second_comes_late():
    events = [Created(at(2, 9), "portal"), AgentReply(at(2, 10)), AgentReply(at(3, 17))]
    assert timers(events, at(3, 18))["first_response"].state == TimerState.MET


def test_follow_up_target_shorter_than_first_response_does_not_override_it_zammad_5177():
    # follow-up is 1h, first response 4h: 2 business hours without a reply is still fine
    events = [Created(at(2, 9), "portal")]
    result = timers(events, at(2, 11))
    assert result["first_response"].state == TimerState.RUNNING
    assert result["first_response"].due == at(2, 13)
    assert result["follow_up"].state == TimerState.NOT_APPLICABLE


def test_agent_opened_ticket_description_is_not_the_first_reply_dbt_zendesk_273():
    # an agent opens a ticket for a customer; its description is logged as a public comment
    events = [Created(at(2, 9), "portal", opened_by_agent=True), AgentReply(at(2, 9))]
    fr = timers(events, at(2, 10))["first_response"]
    assert fr.state == TimerState.RUNNING
    assert fr.met_at is None


def test_agent_opened_ticket_first_reply_after_creation_counts():
    events = [Created(at(2, 9), "portal", opened_by_agent=True), AgentReply(at(2, 9, 30))]
    assert timers(events, at(2, 10))["first_response"].met_at == at(2, 9, 30)


def test_internal_note_and_private_reply_do_not_meet_first_response():
    events = [Created(at(2, 9), "portal"), InternalNote(at(2, 10)),
              AgentReply(at(2, 11), public=False)]
    assert timers(events, at(2, 12))["first_response"].state == TimerState.RUNNING


def test_logged_call_is_a_first_touch_rl_2_fg_7():
    events = [Created(at(2, 9), "portal"), CallLogged(at(2, 9, 45))]
    fr = timers(events, at(2, 12))["first_response"]
    assert fr.state == TimerState.MET
    assert fr.met_at == at(2, 9, 45)


def test_first_reply_sent_with_solve_meets_first_response_and_resolution():
    events = [Created(at(2, 9), "portal"), AgentReply(at(2, 10)),
              StatusChanged(at(2, 10), "solved")]
    result = timers(events, at(2, 12))
    assert result["first_response"].state == TimerState.MET
    assert result["resolution"].state == TimerState.MET
    assert result["resolution"].met_at == at(2, 10)
    assert result["follow_up"].state == TimerState.NOT_APPLICABLE


def test_solved_without_any_reply_is_not_applicable_unless_already_late():
    quick = [Created(at(2, 9), "portal"), StatusChanged(at(2, 10), "solved")]
    assert timers(quick, at(2, 12))["first_response"].state == TimerState.NOT_APPLICABLE
    late = [Created(at(2, 9), "portal"), StatusChanged(at(2, 15), "solved")]
    fr = timers(late, at(2, 16))["first_response"]
    assert fr.state == TimerState.BREACHED
    assert fr.breached_by_minutes == 120


def test_ticket_created_while_closed_starts_at_next_opening_glpi_687():
    # Saturday 10:00: the 4h first response is due Monday 12:00
    fr = timers([Created(at(7, 10), "portal")], at(7, 11))["first_response"]
    assert fr.due == at(9, 12)
    assert fr.business_used == timedelta(0)


def test_first_escalation_does_not_fire_at_once_django_helpdesk_8():
    # Friday 23:00, after hours: nothing is late on Saturday
    result = timers([Created(at(6, 23), "portal")], at(7, 12))
    assert all(t.state != TimerState.BREACHED for t in result.values())
    assert result["first_response"].due == at(9, 12)


def test_assignment_met_by_first_assignment_fg_7():
    events = [Created(at(2, 9), "portal"), Assigned(at(2, 9, 20), "ann"),
              Assigned(at(2, 11), "bob")]
    timer = timers(events, at(2, 12))["assignment"]
    assert timer.state == TimerState.MET
    assert timer.met_at == at(2, 9, 20)


def test_assignment_late_is_breached_in_business_minutes():
    events = [Created(at(2, 9), "portal"), Assigned(at(2, 10, 15))]
    timer = timers(events, at(2, 12))["assignment"]
    assert timer.state == TimerState.BREACHED
    assert timer.breached_by_minutes == 15
