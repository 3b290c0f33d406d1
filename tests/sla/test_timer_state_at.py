"""sla.state.timer_state_at: what a stored timer's state is at an instant (issue 12).

Due at 12:00 with a warning from 11:45, the instants around both boundaries."""

from datetime import UTC, datetime, timedelta

import pytest

from pledgedesk.sla import TimerState, timer_state_at

DUE = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
WARN = DUE - timedelta(minutes=15)
US = timedelta(microseconds=1)


def at(now, stored="running", due=DUE, warn=WARN):
    return timer_state_at(stored_state=stored, due_at=due, warn_at=warn, now=now)


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
