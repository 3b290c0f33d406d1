"""A clock evaluated at the very instant it resumes is running, with a due instant."""

from datetime import UTC, datetime, timedelta

from pledgedesk import sla
from tests.policy.helpers import seed

RK = seed("crm-severity-colours")
T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # Monday 09:00 Central
H = timedelta(hours=1)


def test_resolution_evaluated_at_the_resume_instant_has_its_due_instant():
    """RK-4: Pending pauses resolution; the customer's reply resumes it. Evaluated at the
    reply's own instant (as the desk does inside the reply's transaction), the clock is
    running and due one business day plus the two paused hours after the start."""
    events = [
        sla.Created(at=T0, channel="portal", priority="red", plan="standard"),
        sla.AgentReply(at=T0 + H),
        sla.StatusChanged(at=T0 + H, status="pending"),
        sla.CustomerReply(at=T0 + 3 * H),
    ]

    timer = sla.evaluate(RK, sla.Ticket(), events, now=T0 + 3 * H)["resolution"]

    assert timer.state == sla.TimerState.RUNNING
    assert timer.due == datetime(2026, 1, 6, 17, 0, tzinfo=UTC)
    assert timer.business_paused == 2 * H
