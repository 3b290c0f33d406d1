"""The state of a persisted timer at an instant: the one rule every door and filter reads.

A stored ``SlaTimer`` row is the engine's verdict as of the ticket's last change. Between
changes a running clock keeps running, so the row's ``state`` goes stale: a timer stored as
``running`` whose due instant has passed is breached now, whatever the row says. The console,
the portal, the API and the queue's filters all ask this function (the filters through SQL
built to match it, in ``tickets.selectors``), so they cannot disagree; the stored state is a
cache that the worker's sweep refreshes.

Boundaries follow the engine: a clock is breached only once the time used *exceeds* the
target ("met exactly at the due instant is met"), so at the due instant itself a timer is not
yet breached; the warning starts at the warning instant itself.

Only ``running`` changes with time. The other stored states are facts the engine decided from
the history (a met, paused, excluded or not-applicable clock does not move until the next
event), and a stored breach stays a breach.
"""

from __future__ import annotations

from datetime import datetime

from pledgedesk.sla.engine import TimerState


def timer_state_at(*, stored_state: str, due_at: datetime | None, warn_at: datetime | None,
                   now: datetime) -> TimerState:
    """The state of a timer stored as ``stored_state`` with these instants, seen at ``now``.

    ``running`` becomes ``breached`` strictly after ``due_at`` and ``warning`` from
    ``warn_at`` on; a running timer without a due instant stays ``running``."""
    state = TimerState(stored_state)
    if state is not TimerState.RUNNING or due_at is None:
        return state
    if now > due_at:
        return TimerState.BREACHED
    if warn_at is not None and now >= warn_at:
        return TimerState.WARNING
    return TimerState.RUNNING
