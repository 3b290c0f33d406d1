"""Escalation chains (issue 15): checked against the rest of the file, compiled into plain
runtime objects, and scheduled on a business calendar. Pure: no Django, no clock.

A chain (``[escalation_chains.<key>]``, schema ``ChainSpec``) runs when a ticket's metric
reaches its warning or its breach. Its steps are Grafana OnCall's: ``wait``, notify persons,
notify the on-call of a rotation, notify a group, trigger a webhook, reassign, raise the
priority, page, update the customer (PR-10) and ``repeat``. :func:`schedule` gives every action
its instant: a ``business`` step waits for the next opening of the chain's calendar (so a
warning at Friday 17:00 tells the lead on Monday morning, Zammad#4432) and its waits count
business time; a ``24x7`` step fires at once and waits count elapsed time (epoch arithmetic).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pledgedesk.calendar import Calendar
from pledgedesk.policy.schema import TICKET_GROUP, ChainSpec, PolicyFile

Found = list[tuple[str, str]]


@dataclass(frozen=True)
class Step:
    """One action of a compiled chain. ``number`` counts actions from 1 in the order they
    run, repeats unrolled, so (ticket, metric, cycle, chain, number) names it once.
    ``value``: the recipients (notify), the rotation (notify_on_call), the team
    (notify_group), ``{"to"|"team": ...}`` (reassign), the priority (raise_priority), the
    text (update_customer), or None (webhook, page). ``wait``: the business or elapsed time
    after the previous action (or the trigger) before this one."""

    number: int
    action: str
    value: object
    business_hours: bool
    wait: timedelta
    wait_business: bool
    round: int


@dataclass(frozen=True)
class EscalationChain:
    key: str
    label: str
    metric: str
    on: str  # "warning" | "breach"
    priorities: frozenset[str] | None
    plans: frozenset[str] | None
    calendar: str
    steps: tuple[Step, ...]
    customer_summary: str | None

    def matches(self, *, metric: str, on: str, plan_chain: Iterable[str], priority: str) -> bool:
        """``plan_chain``: the ticket's plan and the plans it extends."""
        return (metric == self.metric and on == self.on
                and (self.priorities is None or priority in self.priorities)
                and (self.plans is None or any(p in self.plans for p in plan_chain)))


def schedule(chain: EscalationChain, start: datetime,
             calendar: Calendar) -> list[tuple[Step, datetime]]:
    """Each action of ``chain`` with the instant it fires, for a trigger at ``start``."""
    at, out = start, []
    for step in chain.steps:
        if step.wait:
            at = calendar.add(at, step.wait) if step.wait_business else _elapsed(at, step.wait)
        if step.business_hours:
            at = calendar.next_open(at)
        out.append((step, at))
    return out


def _elapsed(at: datetime, wait: timedelta) -> datetime:
    """Real elapsed time, whatever the zone (a DST day lasts 23 or 25 hours)."""
    return (at.astimezone(UTC) + wait).astimezone(at.tzinfo)


def compile_chains(spec: PolicyFile) -> tuple[EscalationChain, ...]:
    return tuple(_compile(key, chain, spec.policy.hours_calendar)
                 for key, chain in spec.escalation_chains.items())


def _compile(key: str, chain: ChainSpec, hours_calendar: str) -> EscalationChain:
    body = [s for s in chain.steps if s.repeat is None]
    rounds = 1 + (chain.steps[-1].repeat or 0)
    steps: list[Step] = []
    for round_ in range(rounds):
        wait, wait_business = timedelta(), False
        for spec in body:
            business = (spec.hours or chain.hours) == "business"
            if spec.wait is not None:
                wait, wait_business = wait + spec.wait, business
                continue
            value = getattr(spec, spec.kind)
            if spec.reassign is not None:
                value = {k: v for k, v in spec.reassign.model_dump().items() if v is not None}
            elif isinstance(value, bool):
                value = None
            steps.append(Step(number=len(steps) + 1, action=spec.kind, value=value,
                              business_hours=business, wait=wait,
                              wait_business=wait_business, round=round_ + 1))
            wait, wait_business = timedelta(), False
    return EscalationChain(
        key=key, label=chain.label, metric=chain.metric, on=chain.on,
        priorities=None if chain.priorities is None else frozenset(chain.priorities),
        plans=None if chain.plans is None else frozenset(chain.plans),
        calendar=chain.calendar or hours_calendar, steps=tuple(steps),
        customer_summary=chain.customer_summary)


# --- cross-checks (called from validate.cross_check) -----------------------------------------


def check_chains(spec: PolicyFile, found: Found) -> None:
    for key, chain in spec.escalation_chains.items():
        _check_chain(spec, found, f"escalation_chains.{key}", chain)


def _known(found: Found, path: str, value, known, what: str) -> None:
    if value is not None and value not in known:
        found.append((path, f"unknown {what} {value!r} (known: {', '.join(known) or 'none'})"))


def _check_chain(spec: PolicyFile, found: Found, path: str, chain: ChainSpec) -> None:
    metric = getattr(spec.metrics, chain.metric)
    if metric is None:
        found.append((f"{path}.metric", f"metric {chain.metric!r} is not defined under "
                                        "[metrics]"))
    elif chain.on == "warning" and metric.warn_before is None:
        found.append((f"{path}.on", f"metric {chain.metric!r} has no warn_before, so a chain "
                                    "on its warning would never run: add warn_before to "
                                    f"[metrics.{chain.metric}] or use on = \"breach\""))
    for i, prio in enumerate(chain.priorities or ()):
        _known(found, f"{path}.priorities.{i}", prio, spec.priorities, "priority")
    for i, plan in enumerate(chain.plans or ()):
        _known(found, f"{path}.plans.{i}", plan, spec.plans, "plan")
    _known(found, f"{path}.calendar", chain.calendar, spec.calendars, "calendar")
    repeats = any(step.repeat is not None for step in chain.steps)
    for i, step in enumerate(chain.steps):
        _check_step(spec, found, f"{path}.steps.{i}", step, repeats)
    last = len(chain.steps) - 1
    for i, step in enumerate(chain.steps):
        if step.repeat is not None and i != last:
            found.append((f"{path}.steps.{i}.repeat", "repeat must be the last step (it runs "
                                                      "the steps before it again)"))
    body = [s for s in chain.steps if s.repeat is None]
    if body and body[-1].wait is not None:
        found.append((f"{path}.steps.{chain.steps.index(body[-1])}.wait",
                      "a wait at the end of a chain waits for nothing: remove it"))
    if not any(s.wait is None for s in body):
        found.append((f"{path}.steps", "a chain needs at least one action besides waits"))
    if repeats and not any(s.wait is not None for s in body):
        found.append((f"{path}.steps.{last}.repeat", "a repeat without a wait would run every "
                                                     "step again at the same instant: add a "
                                                     "wait"))


def _check_step(spec: PolicyFile, found: Found, path: str, step, repeats: bool) -> None:
    if step.notify_group is not None and step.notify_group != TICKET_GROUP:
        _known(found, f"{path}.notify_group", step.notify_group,
               [*spec.teams, TICKET_GROUP], "team")
    if step.reassign is not None and step.reassign.team is not None:
        _known(found, f"{path}.reassign.team", step.reassign.team, spec.teams, "team")
    _known(found, f"{path}.raise_priority", step.raise_priority, spec.priorities, "priority")
    if step.update_customer is not None and repeats:
        found.append((f"{path}.update_customer", "the customer is updated once per cycle: "
                                                 "a chain that repeats cannot update them"))
