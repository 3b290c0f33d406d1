"""Properties of the SLA engine over random ticket histories (hypothesis)."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pledgedesk.sla import (
    AgentReply,
    CallLogged,
    Created,
    CustomerReply,
    ExclusionCleared,
    ExclusionSet,
    PriorityChanged,
    Reopened,
    StatusChanged,
    Ticket,
    TimerState,
    evaluate,
)
from tests.sla.helpers import at, clock_policy

START = at(2, 7)
STATUSES = ("open", "pending", "on_hold", "vendor", "solved")


def _event(kind: str, offset: int, arg: str):
    when = START + timedelta(minutes=offset)
    return {
        "status": lambda: StatusChanged(when, arg if arg in STATUSES else "open"),
        "reply": lambda: AgentReply(when),
        "call": lambda: CallLogged(when),
        "customer": lambda: CustomerReply(when),
        "priority": lambda: PriorityChanged(when, "high" if arg == "high" else "normal"),
        "exclude": lambda: ExclusionSet(when, "product_defect"),
        "include": lambda: ExclusionCleared(when, "product_defect"),
        "reopen": lambda: Reopened(when),
    }[kind]()


histories = st.lists(
    st.tuples(st.sampled_from(("status", "reply", "call", "customer", "priority", "exclude",
                               "include", "reopen")),
              st.integers(min_value=0, max_value=6 * 24 * 60),
              st.sampled_from((*STATUSES, "high", "normal", "low"))),
    max_size=12)


@settings(max_examples=80, deadline=None)
@given(histories, st.integers(min_value=0, max_value=8 * 24 * 60))
def test_timers_are_consistent(raw, now_offset):
    events = [Created(START, "portal", priority="normal")]
    events += [_event(*item) for item in raw]
    now = START + timedelta(minutes=now_offset)
    policy = clock_policy()
    hours = policy.calendar("hours")
    timers = evaluate(policy, Ticket(), events, now)
    for timer in timers.values():
        assert timer.breached_by_minutes >= 0
        assert (timer.breached_by_minutes > 0) == (timer.state == TimerState.BREACHED)
        if timer.state == TimerState.PAUSED:
            # no due instant while time remains (the limit may have been reached exactly)
            assert timer.due is None or timer.remaining == timedelta(0)
        if timer.state == TimerState.RUNNING:
            assert timer.due is not None
            assert timer.business_used <= timer.target
        if timer.started_at is not None and timer.state != TimerState.NOT_APPLICABLE:
            assert timer.business_used + timer.business_paused <= hours.between(
                timer.started_at, max(now, timer.started_at))
    # the answer does not depend on the order events at distinct instants were given in
    distinct = {e.at for e in events}
    if len(distinct) == len(events):
        assert evaluate(policy, Ticket(), list(reversed(events)), now) == timers


@settings(max_examples=40, deadline=None)
@given(histories, st.integers(min_value=0, max_value=4 * 24 * 60))
def test_time_used_never_goes_backwards(raw, now_offset):
    events = [Created(START, "portal", priority="high")] + [_event(*item) for item in raw]
    now = START + timedelta(minutes=now_offset)
    earlier = evaluate(clock_policy(), Ticket(), events, now)["resolution"]
    later = evaluate(clock_policy(), Ticket(), events, now + timedelta(hours=5))["resolution"]
    assert later.business_used >= earlier.business_used
