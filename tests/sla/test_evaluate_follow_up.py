"""The follow-up ("next update") clock: RL-3, PR-10, and the update-clock pitfalls."""

from pledgedesk.sla import (
    AgentReply,
    CallLogged,
    Created,
    CustomerReply,
    StatusChanged,
    Ticket,
    TimerState,
    evaluate,
)
from tests.sla.helpers import at, clock_policy


def follow_up(events, now):
    return evaluate(clock_policy(), Ticket(), events, now)["follow_up"]


def test_follow_up_not_applicable_before_the_first_touch():
    timer = follow_up([Created(at(2, 9), "portal")], at(2, 12))
    assert timer.state == TimerState.NOT_APPLICABLE
    assert "no follow-up is due" in timer.reason


def test_reply_that_leaves_the_ticket_open_starts_the_follow_up_rl_3():
    events = [Created(at(2, 9), "portal"), AgentReply(at(2, 10))]
    timer = follow_up(events, at(2, 10, 30))
    assert timer.state == TimerState.RUNNING
    assert timer.started_at == at(2, 10)
    assert timer.due == at(2, 11)


def test_no_update_within_the_target_is_a_breach_rl_3():
    events = [Created(at(2, 9), "portal"), AgentReply(at(2, 10))]
    timer = follow_up(events, at(2, 12))
    assert timer.state == TimerState.BREACHED
    assert timer.breached_by_minutes == 60


def test_next_public_update_meets_the_cycle_and_starts_the_next_pr_10():
    events = [Created(at(2, 9), "portal"), AgentReply(at(2, 10)), CallLogged(at(2, 10, 50))]
    timer = follow_up(events, at(2, 11))
    assert timer.state == TimerState.RUNNING
    assert timer.started_at == at(2, 10, 50)
    assert timer.previous_breaches == 0


def test_agent_spoke_last_and_ticket_pending_never_escalates_zammad_3140():
    # the agent asked the customer something and set Pending; the customer is silent for days
    events = [Created(at(2, 9), "portal"), AgentReply(at(2, 10)),
              StatusChanged(at(2, 10), "pending")]
    timer = follow_up(events, at(6, 17))
    assert timer.state == TimerState.PAUSED
    assert timer.breached_by_minutes == 0
    assert timer.due is None


def test_customer_reply_restarts_the_update_clock_zammad_1322():
    events = [Created(at(2, 9), "portal"), AgentReply(at(2, 10)),
              StatusChanged(at(2, 10), "pending"), CustomerReply(at(3, 9))]
    timer = follow_up(events, at(3, 9, 30))
    # the customer's message moved the ticket back to Open and a new cycle started
    assert timer.state == TimerState.RUNNING
    assert timer.started_at == at(3, 9)
    assert timer.due == at(3, 10)


def test_customer_reply_while_a_cycle_runs_does_not_postpone_its_due():
    events = [Created(at(2, 9), "portal"), AgentReply(at(2, 10)), CustomerReply(at(2, 10, 45))]
    timer = follow_up(events, at(2, 10, 50))
    assert timer.started_at == at(2, 10)
    assert timer.due == at(2, 11)


def test_solving_ends_the_cycle_as_an_update():
    events = [Created(at(2, 9), "portal"), AgentReply(at(2, 10)),
              StatusChanged(at(2, 10, 30), "solved")]
    timer = follow_up(events, at(2, 17))
    assert timer.state == TimerState.MET
    assert timer.met_at == at(2, 10, 30)


def test_earlier_late_cycles_are_counted():
    events = [Created(at(2, 9), "portal"), AgentReply(at(2, 10)), AgentReply(at(2, 13)),
              AgentReply(at(2, 13, 30))]
    timer = follow_up(events, at(2, 13, 40))
    assert timer.state == TimerState.RUNNING
    assert timer.previous_breaches == 1


def test_customer_reply_before_any_agent_reply_does_not_start_follow_up():
    events = [Created(at(2, 9), "portal"), CustomerReply(at(2, 9, 30))]
    assert follow_up(events, at(2, 12)).state == TimerState.NOT_APPLICABLE
