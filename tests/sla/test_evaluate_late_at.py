"""``Timer.late_at``: the instant after which a clock left running is breached (issue 12).

The engine breaches a clock once its business time used exceeds the target, so a clock due at
a closing time is on time until business time resumes. ``late_at`` says when that is, and
``sla.timer_state_at`` read with it gives exactly the engine's answer at any later instant.

Clock policy hours: Monday-Friday 08:00-18:00 UTC; March 2026, the 6th is a Friday."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pledgedesk.sla import (
    Assigned,
    Created,
    CustomerReply,
    StatusChanged,
    Ticket,
    TimerState,
    evaluate,
    timer_state_at,
)
from tests.policy.helpers import seed
from tests.sla.helpers import CLOCK_POLICY, at, clock_policy
from tests.sla.test_evaluate_properties import _event as history_event
from tests.sla.test_evaluate_properties import histories

US = timedelta(microseconds=1)
NORMAL = {"priority": "normal"}  # assignment 1 business hour, first response 4 (warning 1 h)
FG = seed("fax-server-24x7")  # HelpDesk 08:00-17:00 in the customer's zone, US holidays
CHICAGO = Ticket(timezone="America/Chicago", country="US")
NOWHERE = Ticket()
OVERNIGHT = CLOCK_POLICY.replace('weekly = { "mon-fri" = ["08:00-18:00"] }',
                                 'weekly = { "mon-fri" = ["22:00-02:00"] }')


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def timer(events, now, metric="assignment", policy=None, ticket=NOWHERE):
    return evaluate(policy or clock_policy(), ticket, events, now)[metric]


def read_later(stored, now):
    """What a door shows at ``now`` for a timer the engine stored earlier. The engine never
    says ``warning``: that is a running clock past ``warn_at``."""
    state = timer_state_at(stored_state=stored.state, due_at=stored.due,
                           late_at=stored.late_at, warn_at=stored.warn_at, now=now)
    return TimerState.RUNNING if state is TimerState.WARNING else state


def test_due_inside_open_hours_is_late_right_after_the_due_instant():
    created = [Created(at(2, 10), "portal", **NORMAL)]

    stored = timer(created, at(2, 10))

    assert stored.due == at(2, 11)
    assert stored.late_at == at(2, 11)
    assert timer(created, at(2, 11)).state == TimerState.RUNNING
    assert timer(created, at(2, 11) + US).state == TimerState.BREACHED


def test_due_at_friday_close_is_late_only_after_monday_opening():
    created = [Created(at(6, 17), "portal", **NORMAL)]

    stored = timer(created, at(6, 17))

    assert (stored.due, stored.late_at) == (at(6, 18), at(9, 8))
    for now in (at(6, 18) + US, at(7, 12), at(8, 23, 59), at(9, 8)):
        assert timer(created, now).state == TimerState.RUNNING, now
        assert read_later(stored, now) == TimerState.RUNNING, now
    assert timer(created, at(9, 8) + US).state == TimerState.BREACHED
    assert read_later(stored, at(9, 8) + US) == TimerState.BREACHED


def test_an_assignment_on_saturday_meets_a_target_due_at_friday_close():
    events = [Created(at(6, 17), "portal", **NORMAL), Assigned(at(7, 10), agent="maria")]

    met = timer(events, at(7, 10))

    assert met.state == TimerState.MET
    assert met.met_at == at(7, 10)
    assert met.breached_by_minutes == 0


def test_due_at_friday_close_before_a_monday_holiday_is_late_after_tuesday_opening():
    """FG: Martin Luther King Jr. Day, Monday 2026-01-19, is a US federal holiday. A Medium
    ticket at 16:30 Central on Friday the 16th: assignment due 17:00, late after Tuesday
    08:00 Central."""
    created = [Created(utc(2026, 1, 16, 22, 30), "portal", priority="medium")]

    stored = timer(created, created[0].at, policy=FG, ticket=CHICAGO)

    assert stored.due == utc(2026, 1, 16, 23, 0)
    assert stored.late_at == utc(2026, 1, 20, 14, 0)
    monday = utc(2026, 1, 19, 15, 0)  # 09:00 Central on the holiday
    assert timer(created, monday, policy=FG, ticket=CHICAGO).state == TimerState.RUNNING
    assert read_later(stored, monday) == TimerState.RUNNING
    late = stored.late_at + US
    assert timer(created, late, policy=FG, ticket=CHICAGO).state == TimerState.BREACHED
    assert read_later(stored, late) == TimerState.BREACHED


def test_across_the_spring_forward_weekend_late_at_is_monday_opening_in_daylight_time():
    """Chicago moves to CDT on Sunday 2026-03-08: Friday 17:00 CST is 23:00 UTC, Monday
    08:00 CDT is 13:00 UTC (62 real hours later, not 63)."""
    created = [Created(utc(2026, 3, 6, 22, 30), "portal", priority="medium")]

    stored = timer(created, created[0].at, policy=FG, ticket=CHICAGO)

    assert stored.due == utc(2026, 3, 6, 23, 0)
    assert stored.late_at == utc(2026, 3, 9, 13, 0)
    assert stored.late_at.utcoffset() == timedelta(hours=-5)
    assert timer(created, utc(2026, 3, 9, 13, 0), policy=FG,
                 ticket=CHICAGO).state == TimerState.RUNNING
    assert timer(created, utc(2026, 3, 9, 13, 0) + US, policy=FG,
                 ticket=CHICAGO).state == TimerState.BREACHED


def test_on_a_24x7_calendar_late_at_is_the_due_instant():
    """The premium plan's High resolution target runs on the always-open calendar."""
    created = [Created(at(6, 16), "portal", priority="high", plan="premium")]

    stored = timer(created, at(6, 16), metric="resolution")

    assert stored.calendar == "always"
    assert (stored.due, stored.late_at) == (at(6, 20), at(6, 20))
    assert timer(created, at(6, 20) + US, metric="resolution").state == TimerState.BREACHED


def test_an_overnight_window_due_at_its_close_is_late_after_the_next_night_opening():
    """Hours 22:00-02:00 from Monday to Friday nights: a ticket at Tuesday 01:00 is due at
    02:00 and late after 22:00 that evening; one at Saturday 01:00 (Friday night's window)
    is late after Monday 22:00."""
    policy = clock_policy(OVERNIGHT)
    tuesday = [Created(at(3, 1), "portal", **NORMAL)]
    saturday = [Created(at(7, 1), "portal", **NORMAL)]

    assert (timer(tuesday, at(3, 1), policy=policy).due,
            timer(tuesday, at(3, 1), policy=policy).late_at) == (at(3, 2), at(3, 22))
    assert timer(saturday, at(7, 1), policy=policy).late_at == at(9, 22)
    assert timer(tuesday, at(3, 22), policy=policy).state == TimerState.RUNNING
    assert timer(tuesday, at(3, 22) + US, policy=policy).state == TimerState.BREACHED


def test_a_clock_paused_right_at_its_limit_is_late_only_after_it_resumes():
    """High resolution is 10 business hours: Monday 08:00-18:00 uses all of it, Pending then
    pauses it at the limit, not past it. The customer's reply on Saturday resumes it; the
    due instant stays Monday 18:00, but it is late only after Monday the 9th, 08:00."""
    events = [Created(at(2, 8), "portal", priority="high"),
              StatusChanged(at(2, 18), "pending"), CustomerReply(at(7, 12))]

    stored = timer(events, at(7, 12), metric="resolution")

    assert stored.state == TimerState.RUNNING
    assert (stored.due, stored.late_at) == (at(2, 18), at(9, 8))
    for now in (at(7, 12) + US, at(9, 8), at(9, 8) + US):
        assert read_later(stored, now) == timer(events, now, metric="resolution").state, now
    assert read_later(stored, at(9, 8) + US) == TimerState.BREACHED


def test_a_warning_before_friday_close_stays_a_warning_over_the_weekend():
    """First response, 4 business hours with a warning 1 hour before: a ticket at Friday
    14:00 warns from 17:00, is due at 18:00 (the close) and late after Monday 08:00."""
    created = [Created(at(6, 14), "portal", **NORMAL)]

    stored = timer(created, at(6, 14), metric="first_response")

    assert (stored.warn_at, stored.due, stored.late_at) == (at(6, 17), at(6, 18), at(9, 8))
    saturday = timer_state_at(stored_state=stored.state, due_at=stored.due,
                              late_at=stored.late_at, warn_at=stored.warn_at, now=at(7, 12))
    assert saturday == TimerState.WARNING


@settings(max_examples=80, deadline=None)
@given(histories, st.integers(min_value=0, max_value=6 * 24 * 60),
       st.integers(min_value=0, max_value=8 * 24 * 60))
def test_a_stored_timer_read_later_says_what_the_engine_says_then(raw, now_offset, later):
    """The desk stores the engine's verdict at a ticket's change and reads it at any later
    instant: with nothing new in the history the two answers are the same, on every metric,
    including at late_at itself and just after it."""
    start = at(2, 7)
    now = start + timedelta(minutes=now_offset)
    events = [Created(start, "portal", **NORMAL)]
    events += [e for e in (history_event(*item) for item in raw) if e.at <= now]
    policy = clock_policy()
    stored = evaluate(policy, Ticket(), events, now)
    for metric, kept in stored.items():
        instants = [now + timedelta(minutes=later)]
        if kept.late_at is not None and kept.late_at >= now:
            instants += [kept.late_at, kept.late_at + US]
        for instant in instants:
            engine = evaluate(policy, Ticket(), events, instant)[metric].state
            assert read_later(kept, instant) == engine, (metric, instant)
