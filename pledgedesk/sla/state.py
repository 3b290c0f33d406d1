"""The state of a persisted timer at an instant: the one rule every door and filter reads.

A stored ``SlaTimer`` row is the engine's verdict as of the ticket's last change. Between
changes a running clock keeps running, so the row's ``state`` goes stale: a timer stored as
``running`` whose due instant has passed is breached now, whatever the row says. The console,
the portal, the API and the queue's filters all ask this function (the filters through SQL
built to match it, in ``tickets.selectors``), so they cannot disagree; the stored state is a
cache that the worker's sweep refreshes.

Boundaries follow the engine: a clock is breached only once the business time used *exceeds*
the target ("met exactly at the due instant is met"), which happens strictly after the engine's
``late_at``: the due instant itself when it falls in open hours, the next opening when it falls
at a closing time (due Friday 17:00, late only after Monday 08:00: an assignment on Saturday is
on time). The warning starts at the warning instant itself.

Only ``running`` changes with time. The other stored states are facts the engine decided from
the history (a met, paused, excluded or not-applicable clock does not move until the next
event), and a stored breach stays a breach.
"""

from __future__ import annotations

from datetime import datetime

from pledgedesk.sla.engine import TimerState


def timer_state_at(*, stored_state: str, due_at: datetime | None, late_at: datetime | None,
                   warn_at: datetime | None, now: datetime) -> TimerState:
    """The state of a timer stored as ``stored_state`` with these instants, seen at ``now``.

    ``running`` becomes ``breached`` strictly after ``late_at`` (``due_at`` when ``late_at``
    is None: a timer built without the engine's late instant) and ``warning`` from
    ``warn_at`` on; a running timer without a due instant stays ``running``."""
    state = TimerState(stored_state)
    late = late_at if late_at is not None else due_at
    if state is not TimerState.RUNNING or late is None:
        return state
    if now > late:
        return TimerState.BREACHED
    if warn_at is not None and now >= warn_at:
        return TimerState.WARNING
    return TimerState.RUNNING
