"""SLA clocks as a pure function of a ticket's event history.

``evaluate(policy, ticket, events, now)`` replays the events (``pledgedesk.sla.events``) up to
``now`` and returns one :class:`Timer` per metric the policy defines. It reads no clock, no
database and no file; the same history under the same policy always gives the same timers, so
recomputing after a policy or calendar change gives what that policy would always have given
(Zammad#534, #4353, osTicket#5160).

How a clock is measured
-----------------------
A clock has a start instant and, from then on, a *mode* at every instant: ``run``, ``pause``
(the ticket's status pauses this metric), ``excl`` (an exclusion reason applies to it) or
``off`` (the ticket is solved or closed). Business time used is the calendar's business time
summed over the ``run`` segments only; business time paused is the same sum over ``pause`` and
``excl`` segments (solved time is neither). Hold time is therefore subtracted from the time
used, never added to the start (frappe PR#2449), and two pausing statuses in a row are one
``pause`` stretch, counted once.

The target is a business duration T on the target's calendar. ``business = "2h"`` is T itself;
``business_days = N`` and ``cutoff = "15:00"`` are turned into T as the business time between
the clock's start and the instant the calendar rule gives from that start (``add_days``,
``cutoff_due``), so pauses extend them exactly like any other target. The due instant is where
the used time reaches T: walking the ``run`` segments in order, inside the segment where it is
reached, ``calendar.add(segment_start, T - used_before)``; after the last resume it is the same
with the segment left open (also when ``now`` is the resume instant itself). While never
paused the rule's own instant is reported unchanged (the cutoff's "next business morning"
stays that, not the equal "17:00 today"). While paused with time left there is no due
instant (``due`` is None, ``remaining`` says how much is left). ``[goal, limit]`` ranges
report ``goal`` and breach only past the limit (RK-3, RL-3).
``warn_at`` is where the used time reaches T minus the metric's ``warn_before``, in business
time, so warnings follow business hours and never fire at midnight (Zammad#4432, #2157,
GLPI PR#22678). A ticket created while closed starts counting at the next opening (GLPI#687),
so nothing escalates the moment it arrives (django-helpdesk#8).

A clock is breached when its used time exceeds T (strictly; met exactly at the due instant is
met). ``breached_by_minutes`` is that excess in business minutes, rounded up, never negative and
never calendar time (frappe PR#3354, PR#3297). ``late_at`` is the instant after which the used
time exceeds T: the start of the first business stretch at or after ``due`` (``due`` itself
inside open hours; the next opening when ``due`` is a closing time, so an assignment due Friday
17:00 is late only once Monday 08:00 has passed, or Tuesday's after a Monday holiday, and one
made on Saturday is met). Readers between the ticket's changes compare with ``late_at``, never
with ``due`` (``sla.state.timer_state_at``).

States (``TimerState``): ``running``, ``paused`` only when the clock really is in a ``pause``
segment at ``now`` (frappe#1554), ``met``, ``breached`` (late, met or not), ``excluded`` (an
exclusion reason applies at ``now``; never a breach: RK-4) and ``not_applicable`` (the metric has
no target for this priority, RK-3 BLUE and RT-1 Normal, instead of a fake one-year target:
frappe#1598; a follow-up before the first touch; a ticket solved before it was ever answered;
an imported ticket). Every timer carries ``reason``: plan, priority, calendar, metric and the
target, and where the target came from (frappe#1651, PR#3547).

The rules, metric by metric
---------------------------
assignment (FG-7)
    Starts at creation, met by the first ``Assigned``.
first_response (RL-2, RK-6, RT-3, PR-2, FG-7 callback)
    Starts at creation; met by the first public ``AgentReply`` or ``CallLogged``, whatever the
    status set in the same action: a reply sent together with "pending" or "solved" meets it at
    that instant (Zammad#3551), and the very first reply is the one that counts (Zammad#2082).
    A ticket opened by an agent for a customer (``Created.opened_by_agent``) carries the agent's
    description in ``Created``; a public reply at the creation instant is that description and
    does not count as the first response (dbt_zendesk PR#273). Internal notes never count.
follow_up (RL-3, PR-10)
    The customer is owed the next update while the ticket waits on support. It never starts
    before the first response is met, so a follow-up target shorter than the first response
    target cannot override it (Zammad#5177). A cycle starts at every public agent reply or
    logged call that leaves the ticket unsolved, and is met by the next public reply, logged
    call, or by solving the ticket. Statuses that pause it (Pending: waiting on the customer)
    stop it, so a ticket where the agent spoke last and the customer has not answered never
    escalates (Zammad#3140). A customer reply (or a reopen) starts a new cycle at its instant
    when no cycle is running (none yet, the last one met, or the current one paused): what the
    customer said needs an update (Zammad#1322); a reply while a cycle is running does not push
    its due instant later. A customer reply on a status with ``customer_reply_moves_to`` moves
    the ticket to that status (Pending -> Open): ``status_after_customer_reply``, the one rule
    the ticket service also asks before it stores the move.
    The timer reports the current cycle; ``previous_breaches`` counts earlier late cycles.
resolution (RK-3, RT-1)
    Starts at creation and runs while the ticket is not solved or closed, not in a pausing
    status and not excluded. Solving meets it at the solve instant. Reopening resumes it from
    the business time it had used: the solved stretch does not count and an old due instant
    does not fire a breach at once (osTicket#5955, PR#5206). Pausing and solving in one step
    keep the hold time (frappe PR#3776). While an exclusion reason is set (RK-4) it does not
    run and its state is ``excluded``; solved while excluded, it stays excluded.

Priority changes (FG-5)
    Targets are re-derived from the clock's original start with the new priority, and the
    accumulated pause is kept, because pauses live in the segments, not in the due instant
    (GLPI#15605). A clock already met keeps the priority it had when it was met.
Imported tickets (``Created.imported``)
    No clock runs on them, ever: every timer is ``not_applicable`` (Zammad#2949).
Events after ``now`` are ignored; events at the same instant apply in the order given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from pledgedesk.calendar import Calendar
from pledgedesk.policy.compile import Location, Policy, ResolvedTarget
from pledgedesk.policy.errors import PolicyInputError
from pledgedesk.sla.events import (
    AgentReply,
    Assigned,
    CallLogged,
    Created,
    CustomerReply,
    Event,
    ExclusionCleared,
    ExclusionSet,
    InternalNote,
    PriorityChanged,
    Reopened,
    StatusChanged,
)

RUN, PAUSE, EXCL, OFF = "run", "pause", "excl", "off"
ZERO = timedelta()


class TimerState(StrEnum):
    RUNNING = "running"
    # Never stored and never returned by ``evaluate``: a running timer past its warning
    # instant, as ``sla.state.timer_state_at`` reads it.
    WARNING = "warning"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    EXCLUDED = "excluded"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Ticket:
    """What the engine needs to know about the ticket's organisation: where it is, for
    calendars in the organisation's own zone and holidays (FG-1, PR-3)."""

    timezone: str | None = None
    country: str | None = None
    subdiv: str | None = None

    @property
    def location(self) -> Location:
        return Location(timezone=self.timezone, country=self.country, subdiv=self.subdiv)


@dataclass(frozen=True)
class Timer:
    metric: str
    state: TimerState
    reason: str
    due: datetime | None = None
    late_at: datetime | None = None
    goal: datetime | None = None
    warn_at: datetime | None = None
    started_at: datetime | None = None
    met_at: datetime | None = None
    business_used: timedelta = ZERO
    business_paused: timedelta = ZERO
    remaining: timedelta | None = None
    breached_by_minutes: int = 0
    target: timedelta | None = None
    priority: str | None = None
    plan: str | None = None
    calendar: str | None = None
    previous_breaches: int = 0


@dataclass
class _Clock:
    start: datetime
    marks: list[tuple[datetime, str]] = field(default_factory=list)
    met_at: datetime | None = None
    ended_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.ended_at is not None

    def mark(self, at: datetime, mode: str) -> None:
        if self.finished:
            return
        if not self.marks or self.marks[-1][1] != mode:
            self.marks.append((at, mode))

    def finish(self, at: datetime, *, met: bool) -> None:
        if not self.finished:
            self.ended_at = at
            if met:
                self.met_at = at

    def mode_at_end(self) -> str:
        return self.marks[-1][1] if self.marks else RUN

    def segments(self, end: datetime) -> list[tuple[datetime, datetime, str]]:
        out = []
        for i, (at, mode) in enumerate(self.marks):
            stop = self.marks[i + 1][0] if i + 1 < len(self.marks) else end
            stop = min(stop, end)
            if stop > at:
                out.append((at, stop, mode))
        return out


@dataclass
class _History:
    """The ticket's state while replaying events."""

    policy: Policy
    created: Created
    plan: str
    status: str
    priorities: list[tuple[datetime, str]]
    exclusions: set[str] = field(default_factory=set)
    clocks: dict[str, _Clock] = field(default_factory=dict)
    cycles: list[_Clock] = field(default_factory=list)
    first_response_met: bool = False

    @property
    def category(self) -> str:
        return self.policy.status(self.status).category

    def priority_at(self, at: datetime) -> str:
        current = self.priorities[0][1]
        for when, key in self.priorities:
            if when <= at:
                current = key
        return current

    def mode(self, metric: str) -> str:
        if self.category in ("solved", "closed"):
            return OFF
        excluded_by = self.policy.spec.exclusions
        if any(metric in excluded_by[reason].metrics for reason in self.exclusions):
            return EXCL
        if metric in self.policy.status(self.status).pauses:
            return PAUSE
        return RUN

    def excluded_now(self, metric: str) -> bool:
        excluded_by = self.policy.spec.exclusions
        return any(metric in excluded_by[reason].metrics for reason in self.exclusions)

    @property
    def cycle(self) -> _Clock | None:
        return self.cycles[-1] if self.cycles else None


def _aware(at: datetime, what: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise PolicyInputError(f"{what} must be a timezone-aware datetime, got {at!r}")


def evaluate(policy: Policy, ticket: Ticket, events: Iterable[Event],
             now: datetime) -> dict[str, Timer]:
    """Every metric's timer for the ticket whose history is ``events``, as of ``now``."""
    _aware(now, "now")
    ordered = sorted(events, key=lambda e: e.at)
    if not ordered or not isinstance(ordered[0], Created):
        raise PolicyInputError("the history must start with a Created event")
    created = ordered[0]
    for event in ordered:
        _aware(event.at, type(event).__name__ + ".at")
        if isinstance(event, Created) and event is not created:
            raise PolicyInputError("a ticket is created once")
    if now < created.at:
        raise PolicyInputError(f"now ({now}) is before the ticket was created ({created.at})")
    plan = policy.check_plan(created.plan or policy.default_plan)
    priority = policy.priority(created.priority or policy.default_priority).key
    if created.imported:
        return {m: Timer(m, TimerState.NOT_APPLICABLE, plan=plan, priority=priority,
                         reason="imported ticket: no SLA clock runs on it")
                for m in policy.metric_keys}
    status = created.status or policy.status_of_category("new")
    policy.status(status)
    history = _History(policy=policy, created=created, plan=plan, status=status,
                       priorities=[(created.at, priority)])
    for metric in ("assignment", "first_response", "resolution"):
        if metric in policy.metric_keys:
            history.clocks[metric] = _Clock(start=created.at)
    _replay(history, [e for e in ordered[1:] if e.at <= now])
    location = ticket.location
    timers = {}
    for metric in policy.metric_keys:
        if metric == "follow_up":
            timers[metric] = _follow_up_timer(history, location, now)
        else:
            timers[metric] = _timer(history, metric, history.clocks[metric], location, now)
    return timers


def _replay(history: _History, events: list[Event]) -> None:
    _mark_all(history, history.created.at)
    i = 0
    while i < len(events):
        at = events[i].at
        start_cycle = False
        while i < len(events) and events[i].at == at:
            start_cycle |= _apply(history, events[i])
            i += 1
        if (start_cycle and "follow_up" in history.policy.metric_keys
                and history.category not in ("solved", "closed")):
            history.cycles.append(_Clock(start=at))
        _mark_all(history, at)


def _mark_all(history: _History, at: datetime) -> None:
    for metric, clock in history.clocks.items():
        clock.mark(at, history.mode(metric))
    if history.cycle is not None:
        history.cycle.mark(at, history.mode("follow_up"))


def _touch(history: _History, at: datetime) -> bool:
    """A public reply or a logged call: meets first response and the running cycle; a new
    follow-up cycle starts at this instant if the ticket is left unsolved."""
    created = history.created
    if created.opened_by_agent and at == created.at:
        return False  # the agent's own description of a ticket opened for a customer
    clock = history.clocks.get("first_response")
    if clock is not None and clock.met_at is None:
        clock.finish(at, met=True)
    history.first_response_met = True
    if history.cycle is not None:
        history.cycle.finish(at, met=True)
    return True


def _apply(history: _History, event: Event) -> bool:
    policy, at = history.policy, event.at
    if isinstance(event, PriorityChanged):
        history.priorities.append((at, policy.priority(event.priority).key))
    elif isinstance(event, StatusChanged):
        policy.status(event.status)
        history.status = event.status
        if history.category in ("solved", "closed") and history.cycle is not None:
            history.cycle.finish(at, met=True)  # solving is an update to the customer
    elif isinstance(event, Assigned):
        clock = history.clocks.get("assignment")
        if clock is not None:
            clock.finish(at, met=True)
    elif isinstance(event, AgentReply):
        return event.public and _touch(history, at)
    elif isinstance(event, CallLogged):
        return _touch(history, at)
    elif isinstance(event, CustomerReply):
        restart = _customer_spoke(history, at)
        history.status = status_after_customer_reply(policy, history.status)
        return restart
    elif isinstance(event, Reopened):
        if history.category == "closed":
            raise PolicyInputError(f"a closed ticket is final and cannot be reopened ({at})")
        restart = history.category == "solved" and _customer_spoke(history, at)
        if history.category == "solved":
            history.status = policy.status_of_category("open")
        return restart
    elif isinstance(event, ExclusionSet | ExclusionCleared):
        if event.reason not in policy.spec.exclusions:
            raise PolicyInputError(
                f"unknown exclusion reason {event.reason!r}; this policy has "
                f"{', '.join(policy.exclusion_reasons) or 'none'}")
        if isinstance(event, ExclusionSet):
            history.exclusions.add(event.reason)
        else:
            history.exclusions.discard(event.reason)
    elif not isinstance(event, InternalNote):
        raise PolicyInputError(f"unknown event {event!r}")
    return False


def status_after_customer_reply(policy: Policy, status: str) -> str:
    """The status a customer's message leaves a ticket in: its status's
    ``customer_reply_moves_to`` (Pending -> Open), else the same status.

    The engine must derive every status from the history alone (a replay, a simulation, a
    history written before the service recorded the move as its own event), and the ticket
    service must store the status it shows; both ask here, so they cannot disagree."""
    return policy.status(status).customer_reply_moves_to or status


def _customer_spoke(history: _History, at: datetime) -> bool:
    """Whether a customer message starts a new follow-up cycle (see module docstring)."""
    if not history.first_response_met:
        return False
    cycle = history.cycle
    if cycle is None or cycle.finished:
        return True
    if history.mode("follow_up") in (PAUSE, EXCL, OFF):
        cycle.finish(at, met=False)
        return True
    return False


# --- measuring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    resolved: ResolvedTarget
    calendar: Calendar
    limit: timedelta
    goal: timedelta
    native_limit: datetime
    native_goal: datetime


def _target(history: _History, metric: str, start: datetime, priority: str,
            location: Location) -> _Target | ResolvedTarget | None:
    resolved = history.policy.target(metric, history.plan, priority)
    if resolved is None or not resolved.applies:
        return resolved
    cal = history.policy.calendar(resolved.calendar, location)

    def native(amount: timedelta | int | None) -> datetime:
        if resolved.kind == "business":
            return cal.add(start, amount)
        if resolved.kind == "business_days":
            return cal.add_days(start, amount)
        return cal.cutoff_due(start, cutoff=resolved.cutoff, cutoff_tz=resolved.cutoff_timezone)

    native_limit = native(resolved.limit)
    native_goal = native(resolved.goal) if resolved.is_range else native_limit
    if resolved.kind == "business":
        limit, goal = resolved.limit, resolved.goal
    else:
        limit = cal.between(start, native_limit)
        goal = cal.between(start, native_goal)
    return _Target(resolved=resolved, calendar=cal, limit=limit, goal=goal,
                   native_limit=native_limit, native_goal=native_goal)


def _reach(amount: timedelta, runs: list[tuple[datetime, datetime | None]], cal: Calendar,
           start: datetime, native: datetime) -> datetime | None:
    """The instant the used time reaches ``amount`` (see module docstring), or None."""
    used = ZERO
    for i, (a, b) in enumerate(runs):
        unpaused = i == 0 and a == start
        if b is None:
            return native if unpaused else cal.add(a, amount - used)
        span = cal.between(a, b)
        if used + span >= amount:
            return native if unpaused and native <= b else cal.add(a, amount - used)
        used += span
    return None


def _late(amount: timedelta, runs: list[tuple[datetime, datetime | None]], cal: Calendar,
          due: datetime | None) -> datetime | None:
    """The instant after which the used time exceeds ``amount`` (see module docstring): the
    first business instant at or after ``due`` in the run where the excess begins. That run
    starts after ``due`` when the used time reached ``amount`` exactly as an earlier run
    ended (a clock paused right at its limit and resumed later is late only after it
    resumes). Without such a run (paused at the limit) it is the next opening after ``due``."""
    if due is None:
        return None
    used = ZERO
    for a, b in runs:
        span = None if b is None else cal.between(a, b)
        if span is None or used + span > amount:
            return cal.next_open(max(due, a))
        used += span
    return cal.next_open(due)


def _describe(history: _History, metric: str, priority: str, target) -> str:
    parts = [f"plan {history.plan}", f"priority {priority}"]
    if target is not None and target.calendar:
        parts.append(f"calendar {target.calendar}")
    parts.append(f"metric {metric}")
    text = ", ".join(parts)
    if target is None:
        return text
    return f"{text}: {target.describe()} ({target.source})"


def _measure(history: _History, metric: str, clock: _Clock, location: Location,
             now: datetime, *, mode_now: str, solved_at: datetime | None = None) -> Timer:
    met_at = clock.met_at or solved_at
    end = clock.ended_at or solved_at or now
    priority = history.priority_at(end)
    target = _target(history, metric, clock.start, priority, location)
    resolved = target.resolved if isinstance(target, _Target) else target
    reason = _describe(history, metric, priority, resolved)
    common = {"reason": reason, "priority": priority, "plan": history.plan,
              "started_at": clock.start}
    if not isinstance(target, _Target):
        return Timer(metric, TimerState.NOT_APPLICABLE, **common)
    cal = target.calendar
    segments = clock.segments(end)
    used = sum((cal.between(a, b) for a, b, m in segments if m == RUN), ZERO)
    paused = sum((cal.between(a, b) for a, b, m in segments if m in (PAUSE, EXCL)), ZERO)
    runs: list[tuple[datetime, datetime | None]] = [(a, b) for a, b, m in segments if m == RUN]
    last_mode = segments[-1][2] if segments else mode_now
    keeps_running = (met_at is not None and last_mode == RUN) or (
        met_at is None and clock.ended_at is None and mode_now == RUN)
    if keeps_running and runs and runs[-1][1] == end:
        runs[-1] = (runs[-1][0], None)
    elif keeps_running:
        # Resumed exactly at ``end``: the running stretch has no length yet and is not among
        # the segments, but it is open from here on.
        runs.append((end, None))
    due = _reach(target.limit, runs, cal, clock.start, target.native_limit)
    goal = (_reach(target.goal, runs, cal, clock.start, target.native_goal)
            if resolved.is_range else None)
    warn_at = None
    warn_before = getattr(history.policy.spec.metrics, metric).warn_before
    if warn_before is not None and due is not None:
        early = target.limit - warn_before
        warn_at = (cal.next_open(clock.start) if early <= ZERO
                   else _reach(early, runs, cal, clock.start, cal.add(clock.start, early)))
    late = used - target.limit
    breached = late > ZERO
    if history.excluded_now(metric) and (met_at is None or solved_at is not None):
        state = TimerState.EXCLUDED
    elif met_at is not None:
        state = TimerState.BREACHED if breached else TimerState.MET
    elif breached:
        state = TimerState.BREACHED
    elif mode_now == OFF or clock.ended_at is not None:
        state = TimerState.NOT_APPLICABLE
        reason = f"{reason}; stopped before it was met (ticket solved)"
    elif mode_now == PAUSE:
        state = TimerState.PAUSED
    elif mode_now == EXCL:
        state = TimerState.EXCLUDED
    else:
        state = TimerState.RUNNING
    return Timer(
        metric, state, reason=reason, due=due, late_at=_late(target.limit, runs, cal, due),
        goal=goal, warn_at=warn_at,
        started_at=clock.start, met_at=met_at, business_used=used, business_paused=paused,
        remaining=None if state in (TimerState.MET, TimerState.BREACHED,
                                    TimerState.NOT_APPLICABLE) else max(target.limit - used,
                                                                        ZERO),
        breached_by_minutes=(math.ceil(late.total_seconds() / 60)
                             if state == TimerState.BREACHED else 0),
        target=target.limit, priority=priority, plan=history.plan,
        calendar=resolved.calendar)


def _timer(history: _History, metric: str, clock: _Clock, location: Location,
           now: datetime) -> Timer:
    mode_now = clock.mode_at_end() if not clock.finished else OFF
    solved_at = None
    if metric == "resolution" and mode_now == OFF:
        solved_at = clock.marks[-1][0]
    return _measure(history, metric, clock, location, now, mode_now=mode_now,
                    solved_at=solved_at)


def _follow_up_timer(history: _History, location: Location, now: datetime) -> Timer:
    if not history.cycles:
        priority = history.priority_at(now)
        return Timer("follow_up", TimerState.NOT_APPLICABLE, plan=history.plan,
                     priority=priority,
                     reason=_describe(history, "follow_up", priority, None)
                     + ": no follow-up is due until a public reply leaves the ticket unsolved")
    previous = 0
    for cycle in history.cycles[:-1]:
        past = _measure(history, "follow_up", cycle, location, now, mode_now=OFF)
        previous += past.state == TimerState.BREACHED
    current = history.cycles[-1]
    mode_now = current.mode_at_end() if not current.finished else OFF
    timer = _measure(history, "follow_up", current, location, now, mode_now=mode_now)
    return replace(timer, previous_breaches=previous)
