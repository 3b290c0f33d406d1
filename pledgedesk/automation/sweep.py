"""Which stored timers crossed their warning or late instant in a sweep's window (pure rules).

A timer's instants change only when its ticket is written (every change replays the history
through the SLA engine and stores the verdict, ``tickets.timers``). Between two writes a stored
running row says exactly when it will warn and when it will be late, so the sweep reads those
instants from the stored rows and never runs the engine. A crossing is a running clock passing
an instant while the desk watches: a stored row still ``running`` whose warning instant, or a
row still running or already stored ``breached`` whose late instant, lies inside (since, now]
(a write between the late instant and the sweep stores the row breached; time made that
breach, so it is still a crossing). So:

- nothing fires at creation (django-helpdesk#8): every instant the engine stores lies after the
  clock's start, except the warning of a target no longer than its ``warn_before``, which the
  engine puts at the clock's first business instant: that whole clock is a warning, so it never
  warns (it breaches, later). ``warns`` recognises it from the policy and the stored instants;
- a reopened ticket resumes its clock with the time it had left (the engine, on the reopening
  write), so its late instant is in the future and an old breach never fires at once
  (osTicket#5955). A breach a write revealed in the past (a priority raised on an old ticket),
  with its late instant before the window, is no crossing either: the person who made the
  change is the one acting on it;
- instants are the engine's, in business time on the ticket's calendar, so warnings follow
  business hours, never midnight (Zammad#4432).

A crossing is recorded once per (ticket, metric, kind, instant). The escalation steps it starts
belong to its clock's cycle (``automation.chains``): a follow-up runs its chain once per cycle,
however often a change moves its instants.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pledgedesk.policy.compile import Location, Policy

WARNING, BREACH = "warning", "breach"


def warns(policy: Policy, *, metric: str, plan: str, priority: str, warn_at: datetime,
          due: datetime | None, location: Location | None) -> bool:
    """Whether a stored running timer's warning instant is a real warning: False for a target
    no longer than its ``warn_before``. A business-hours target says its length; a cutoff or a
    business-days target is as long as its calendar makes it, so its length is read between
    the stored warning and due instants: a real warning leaves exactly ``warn_before`` of
    business time (more if the clock pauses in between), a whole-clock one less."""
    spec = getattr(policy.spec.metrics, metric, None)
    warn_before: timedelta | None = spec.warn_before if spec is not None else None
    target = policy.target(metric, plan, priority)
    if warn_before is None or target is None or not target.applies:
        return False
    if target.kind == "business":
        return target.limit > warn_before
    if due is None:
        return False
    calendar = policy.calendar(target.calendar, location)
    return calendar.between(warn_at, due) >= warn_before
