"""sla.state.timer_state_at: what a stored timer's state is at an instant (issue 12).

Due at 12:00 with a warning from 11:45, the instants around both boundaries; and due at a
closing time (Friday 17:00), late only after the next opening (Monday 08:00)."""

from datetime import UTC, datetime, timedelta

import pytest

from pledgedesk.sla import TimerState, timer_state_at

DUE = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
WARN = DUE - timedelta(minutes=15)
US = timedelta(microseconds=1)


FRIDAY_CLOSE = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)
MONDAY_OPEN = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)


def at(now, stored="running", due=DUE, warn=WARN, late="due"):
    late = due if late == "due" else late
    return timer_state_at(stored_state=stored, due_at=due, late_at=late, warn_at=warn, now=now)


def test_running_before_its_warning_instant():
    assert at(WARN - US) == TimerState.RUNNING
    assert at(DUE - timedelta(days=3)) == TimerState.RUNNING


def test_warning_from_the_warning_instant_itself():
    assert at(WARN) == TimerState.WARNING
    assert at(WARN + US) == TimerState.WARNING


def test_at_the_due_instant_itself_still_a_warning_not_a_breach():
    """The engine meets a clock whose used time equals the target exactly: a reply at the
    due instant is on time, so the timer is not breached at that instant."""
    assert at(DUE) == TimerState.WARNING
    assert at(DUE, warn=None) == TimerState.RUNNING


def test_breached_strictly_after_the_due_instant():
    assert at(DUE + US) == TimerState.BREACHED
    assert at(DUE + timedelta(days=1, hours=5)) == TimerState.BREACHED


def test_without_a_warning_instant_running_until_breached():
    assert at(DUE - US, warn=None) == TimerState.RUNNING
    assert at(DUE + US, warn=None) == TimerState.BREACHED


def test_due_at_a_closing_time_it_is_running_until_business_time_resumes():
    """The engine counts no time while closed: a clock due Friday 17:00 has used exactly its
    target all weekend, so it is on time until the first instant after Monday 08:00."""
    def friday(now):
        return at(now, due=FRIDAY_CLOSE, warn=None, late=MONDAY_OPEN)

    assert friday(FRIDAY_CLOSE) == TimerState.RUNNING
    assert friday(FRIDAY_CLOSE + US) == TimerState.RUNNING
    assert friday(datetime(2026, 1, 10, 12, 0, tzinfo=UTC)) == TimerState.RUNNING  # Saturday
    assert friday(MONDAY_OPEN) == TimerState.RUNNING
    assert friday(MONDAY_OPEN + US) == TimerState.BREACHED


def test_the_warning_still_starts_at_the_warning_instant_when_late_later():
    warn = FRIDAY_CLOSE - timedelta(minutes=15)

    assert at(warn - US, due=FRIDAY_CLOSE, warn=warn, late=MONDAY_OPEN) == TimerState.RUNNING
    assert at(warn, due=FRIDAY_CLOSE, warn=warn, late=MONDAY_OPEN) == TimerState.WARNING
    assert at(MONDAY_OPEN, due=FRIDAY_CLOSE, warn=warn, late=MONDAY_OPEN) == TimerState.WARNING


def test_without_a_late_instant_the_due_instant_is_the_boundary():
    """A timer built without the engine's ``late_at`` (None) reads as before: breached
    strictly after its due instant."""
    assert at(DUE, warn=None, late=None) == TimerState.RUNNING
    assert at(DUE + US, warn=None, late=None) == TimerState.BREACHED


def test_a_running_timer_without_a_due_instant_stays_running():
    assert at(DUE + timedelta(days=400), due=None, warn=None) == TimerState.RUNNING
    assert at(DUE + timedelta(days=400), due=None) == TimerState.RUNNING


@pytest.mark.parametrize("stored", ["paused", "met", "breached", "excluded", "not_applicable"])
@pytest.mark.parametrize("now", [WARN - US, WARN, DUE, DUE + US])
def test_states_that_time_does_not_change_are_read_as_stored(stored, now):
    assert at(now, stored=stored) == TimerState(stored)


def test_an_unknown_stored_state_is_an_error_not_a_guess():
    with pytest.raises(ValueError, match="'late'"):
        at(DUE, stored="late")


def test_the_result_compares_equal_to_the_strings_the_doors_show():
    assert at(DUE + US) == "breached"
    assert str(at(WARN)) == "warning"
