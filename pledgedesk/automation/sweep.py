"""Which warnings and breaches a refreshed timer crossed in a sweep's window (pure rules).

A crossing is a running clock passing an instant while the desk watches: its warning instant
or its late instant inside (since, now]. So:

- nothing fires at creation (django-helpdesk#8): every instant lies after the clock's start,
  and a target no longer than its ``warn_before`` has its whole clock as warning, so it never
  warns (it breaches, later);
- a reopened ticket resumes its clock with the time it had left (the engine), so its late
  instant is in the future and an old breach never fires at once (osTicket#5955); a breach a
  change revealed in the past (a priority raised on an old ticket) is not a crossing either:
  the person who made the change is the one acting on it;
- instants are the engine's, in business time on the ticket's calendar, so warnings follow
  business hours, never midnight (Zammad#4432).

A crossing belongs to its clock's cycle (``started_at``): a follow-up warns and breaches once
per cycle, however often its instants move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pledgedesk.sla import Timer, TimerState

WARNING, BREACH = "warning", "breach"


@dataclass(frozen=True)
class Crossing:
    metric: str
    kind: str
    cycle: datetime
    instant: datetime
    timer: Timer


def crossings(timers: dict[str, Timer], *, warn_before: dict[str, timedelta | None],
              since: datetime, now: datetime) -> list[Crossing]:
    """The crossings of one ticket's refreshed ``timers`` in (since, now], warnings first."""
    found = []
    for metric, timer in timers.items():
        if timer.met_at is not None or timer.started_at is None:
            continue
        if timer.state not in (TimerState.RUNNING, TimerState.BREACHED):
            continue
        warns = (timer.warn_at is not None and since < timer.warn_at <= now
                 and not _always_warning(timer, warn_before.get(metric)))
        if warns:
            found.append(Crossing(metric, WARNING, timer.started_at, timer.warn_at, timer))
        late = timer.late_at
        if timer.state is TimerState.BREACHED and late is not None and since < late <= now:
            found.append(Crossing(metric, BREACH, timer.started_at, late, timer))
    return sorted(found, key=lambda c: (c.kind != WARNING, c.metric))


def _always_warning(timer: Timer, warn_before: timedelta | None) -> bool:
    return (warn_before is not None and timer.target is not None
            and warn_before >= timer.target)
