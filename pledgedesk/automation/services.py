"""Automation's business rules: the SLA sweep and running one escalation step.

``sweep_sla`` (every minute, from ``automation.tasks``):

1. reads its persisted high-water mark and looks for timers whose warning or late instant lies
   in (mark - LOOKBACK, now] through the instant indexes (``selectors.crossing_candidates``),
   leaving out those already recorded: the cost is the timers in the window, not the tickets;
2. per batch of tickets, in one transaction: locks them, refreshes their stored timers with the
   engine (``tickets.timers.timers_refresh``: a running row past its late instant becomes
   ``breached``, which takes it out of the breach range), works out the crossings
   (``sweep.crossings``), inserts them into ``SlaCrossing`` ignoring conflicts and reads back
   the ones this run inserted: only those get their ``sla_warning`` / ``sla_breached`` event,
   written through the tickets layer with its outbox row. Two sweeps racing, or one re-run
   after a crash, therefore record each (ticket, metric, cycle, kind) once;
3. moves the mark to ``now`` (never backwards), after every batch committed.

LOOKBACK re-reads the last minutes on every run, so a ticket change that committed after a
sweep read the window (its transaction began before the sweep, its instant fell inside) is
still seen; what was recorded is left out by the unique key and the look-up above.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction

from pledgedesk import sla
from pledgedesk.accounts.models import AgentGroup
from pledgedesk.automation import chains, selectors, sweep
from pledgedesk.automation.models import SlaCrossing, StepRun, SweepMark
from pledgedesk.outbox.registry import PermanentFailure
from pledgedesk.policy.escalation import EscalationChain, Step
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import OPEN_CATEGORIES, Ticket
from pledgedesk.tickets.services import (
    Change,
    SystemEvent,
    ticket_events_record,
    ticket_system_change,
)
from pledgedesk.tickets.timers import timers_refresh
from pledgedesk.versions.models import PolicyVersion
from pledgedesk.versions.policies import policy_for

LOOKBACK = timedelta(minutes=5)
BATCH = 1000  # tickets per transaction
MARK = "sla"


@dataclass(frozen=True)
class SweepResult:
    since: datetime
    now: datetime
    candidates: int
    tickets: int
    warnings: int
    breaches: int


def sweep_sla(*, now: datetime) -> SweepResult:
    """Record every warning and breach crossed since the last sweep, once (module doc)."""
    since = (selectors.sweep_mark(MARK) or now) - LOOKBACK
    candidates = selectors.crossing_candidates(since=since, now=now)
    ticket_ids = sorted({c.ticket_id for c in candidates})
    warnings = breaches = 0
    for start in range(0, len(ticket_ids), BATCH):
        w, b = _fire(ticket_ids[start:start + BATCH], since=since, now=now)
        warnings, breaches = warnings + w, breaches + b
    _advance(now)
    return SweepResult(since=since, now=now, candidates=len(candidates),
                       tickets=len(ticket_ids), warnings=warnings, breaches=breaches)


def _fire(ticket_ids: list[int], *, since: datetime, now: datetime) -> tuple[int, int]:
    with transaction.atomic():
        tickets = _locked(ticket_ids)
        verdicts = timers_refresh(tickets, now=now)
        found = [(ticket, crossing) for ticket in tickets
                 for crossing in sweep.crossings(verdicts[ticket.pk],
                                                 warn_before=_warn_before(ticket),
                                                 since=since, now=now)]
        if not found:
            return 0, 0
        token = secrets.token_hex(16)
        SlaCrossing.objects.bulk_create([
            SlaCrossing(ticket=ticket, metric=c.metric, kind=c.kind, cycle=c.cycle,
                        instant=c.instant, fired_at=now, sweep=token)
            for ticket, c in found], ignore_conflicts=True)
        won = set(SlaCrossing.objects.filter(ticket_id__in=ticket_ids, sweep=token)
                  .values_list("ticket_id", "metric", "kind", "cycle"))
        mine = [(t, c) for t, c in found if (t.pk, c.metric, c.kind, c.cycle) in won]
        ticket_events_record(events=[SystemEvent(t, _KIND[c.kind], _facts(t, c))
                                     for t, c in mine], now=now)
    warned = sum(c.kind == sweep.WARNING for _t, c in mine)
    return warned, len(mine) - warned


def _locked(ticket_ids: list[int]) -> list[Ticket]:
    """The tickets, locked in id order (so two sweeps never deadlock), with their policy
    versions read once each rather than joined on every row (a version is a whole file)."""
    tickets = list(Ticket.objects.select_for_update(of=("self",)).select_related("organisation")
                   .filter(pk__in=ticket_ids).order_by("pk"))
    versions = {v.pk: v for v in PolicyVersion.objects.filter(
        pk__in={t.policy_version_id for t in tickets})}
    for ticket in tickets:
        ticket.policy_version = versions[ticket.policy_version_id]
    return tickets


_KIND = {sweep.WARNING: EventKind.SLA_WARNING, sweep.BREACH: EventKind.SLA_BREACHED}


def _warn_before(ticket: Ticket) -> dict[str, timedelta | None]:
    metrics = policy_for(ticket.policy_version).spec.metrics.defined()
    return {key: spec.warn_before for key, spec in metrics.items()}


def _facts(ticket: Ticket, c: sweep.Crossing) -> dict:
    """What the event says: which clock, which cycle, the instant crossed, the target."""
    timer = c.timer
    return {"metric": c.metric, "cycle": _utc(c.cycle), "instant": _utc(c.instant),
            "due": _utc(timer.due) if timer.due else None,
            "priority": timer.priority or ticket.priority, "plan": timer.plan or ticket.plan,
            "calendar": timer.calendar, "reason": timer.reason}


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _advance(now: datetime) -> None:
    with transaction.atomic():
        if not SweepMark.objects.filter(name=MARK, swept_to__lt=now).update(swept_to=now):
            SweepMark.objects.bulk_create([SweepMark(name=MARK, swept_to=now)],
                                          ignore_conflicts=True)


# --- escalation steps ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    key: str
    ticket: Ticket
    chain: EscalationChain
    step: Step
    payload: dict
    now: datetime

    def facts(self, **more) -> dict:
        metric = self.payload["metric"]
        what = "due soon" if self.payload["on"] == "warning" else "missed"
        spec = getattr(policy_for(self.ticket.policy_version).spec.metrics, metric)
        label = spec.label if spec is not None else metric.replace("_", " ")
        return {"chain": self.chain.key, "chain_label": self.chain.label,
                "step": self.step.number, "round": self.step.round,
                "action": self.step.action, "metric": metric, "on": self.payload["on"],
                "cycle": self.payload["cycle"],
                "why": f"{label} target {what}",
                **more}


def escalation_step_run(*, key: str, payload: dict, now: datetime) -> str:
    """Run the escalation step outbox row ``key`` asks for, once (``automation.chains``);
    the outcome: ``done`` (ran before), ``skipped`` (its reason is gone) or the step's own."""
    if StepRun.objects.filter(key=key).exists():
        return "done"
    ticket = (Ticket.objects.select_related("organisation", "policy_version", "assignee",
                                            "group", "requester")
              .filter(pk=payload["ticket"]).first())
    if ticket is None:
        raise PermanentFailure(f"ticket {payload['ticket']} no longer exists")
    try:
        chain, step = chains.chain_step(policy_for(ticket.policy_version), payload["chain"],
                                        payload["step"])
    except StopIteration:
        raise PermanentFailure(f"no step {payload['step']} of chain {payload['chain']!r} in "
                               "the ticket's policy") from None
    run = _Run(key, ticket, chain, step, payload, now)
    gone = _reason_gone(run)
    if gone is not None:
        return _claim_only(run, "skipped")
    return _ACTIONS[step.action](run)


def _reason_gone(run: _Run) -> str | None:
    """Why the step no longer applies, or None while its clock is still owed."""
    if run.ticket.status_category not in OPEN_CATEGORIES:
        return "the ticket is solved or closed"
    timer = selectors.clock_now(run.ticket, run.payload["metric"], run.now)
    if timer is None or timer.started_at is None:
        return "the clock does not run"
    if timer.started_at != datetime.fromisoformat(run.payload["cycle"]):
        return "a new cycle started"
    if timer.met_at is not None:
        return "the target was met"
    owed = {"warning": (sla.TimerState.RUNNING, sla.TimerState.BREACHED),
            "breach": (sla.TimerState.BREACHED,)}[run.payload["on"]]
    return None if timer.state in owed else f"the clock is {timer.state}"


def _claim_only(run: _Run, outcome: str) -> str:
    with transaction.atomic():
        _claim(run, outcome)
    return outcome


def _claim(run: _Run, outcome: str) -> bool:
    """Insert the step's StepRun row; False when another run recorded it first."""
    try:
        with transaction.atomic():
            StepRun.objects.create(key=run.key, ticket=run.ticket, at=run.now, outcome=outcome)
    except IntegrityError:
        return False
    return True


def _record(run: _Run, outcome: str, facts: dict, *, kind=EventKind.ESCALATION_STEP,
            change: Change | None = None) -> str:
    """The step's event, with its StepRun claim (and its change) in one transaction."""
    event = SystemEvent(run.ticket, kind, run.facts(outcome=outcome, **facts))
    if change is not None:
        changed = ticket_system_change(ticket=run.ticket, change=change, record=[event],
                                       claim=lambda: _claim(run, outcome), now=run.now)
        return outcome if changed is not None else "done"
    with transaction.atomic():
        if not _claim(run, outcome):
            return "done"
        ticket_events_record(events=[event], now=run.now)
    return outcome


def _tell(run: _Run, told: chains.Told, *, subject: str, body: str) -> str:
    chains.send(key=run.key, told=told, subject=subject, body=body, ticket=run.ticket)
    outcome = "sent" if told.addresses else "nobody"
    return _record(run, outcome, {"told": list(told.names), "how": "email",
                                  "addresses": len(told.addresses)})


def _body(run: _Run) -> str:
    t = run.ticket
    return (f"{run.facts()['why']}.\n\nTicket #{t.number}: {t.subject}\n"
            f"Priority {t.priority}, status {t.status}.\n\n"
            f"Step {run.step.number} of the escalation chain \"{run.chain.label}\".\n")


def _notify(run: _Run) -> str:
    agents = {a.pk: a for who in run.step.value for a in selectors.people(run.ticket, who)}
    return _tell(run, chains.agent_addresses(list(agents.values())),
                 subject=run.chain.label, body=_body(run))


def _notify_group(run: _Run) -> str:
    value = run.step.value
    group = (run.ticket.group.key if run.ticket.group else None) \
        if value == "ticket_group" else value
    return _tell(run, chains.agent_addresses(selectors.group_agents(group)),
                 subject=run.chain.label, body=_body(run))


def _notify_on_call(run: _Run) -> str:
    agents = selectors.on_call(str(run.step.value), ticket=run.ticket, at=run.now)
    if agents is None:
        return _record(run, "not_configured", {
            "told": [], "how": "email",
            "detail": f"no on-call schedule named {run.step.value!r}: nobody was told"})
    return _tell(run, chains.agent_addresses(agents), subject=run.chain.label,
                 body=_body(run))


def _webhook(run: _Run) -> str:
    # The escalation_step event itself reaches the webhook subscriptions that chose it
    # (pledgedesk.webhooks' planner), signed, from the outbox.
    return _record(run, "offered", {"how": "webhook"})


def _reassign(run: _Run) -> str:
    value = run.step.value
    if "team" in value:
        group = AgentGroup.objects.filter(key=value["team"]).first()
        if group is None:
            return _record(run, "nobody", {"detail": f"no group {value['team']!r}"})
        return _record(run, "changed", {"group": group.key}, change=Change(group=group))
    agents = selectors.people(run.ticket, value["to"])
    if not agents:
        return _record(run, "nobody", {"detail": f"no {value['to'].replace('_', ' ')}"})
    return _record(run, "changed", {"assignee": agents[0].pk, "told": [agents[0].name]},
                   change=Change(assignee=agents[0]))


def _raise_priority(run: _Run) -> str:
    policy = policy_for(run.ticket.policy_version)
    wanted = policy.priority(run.step.value)
    if wanted.rank >= run.ticket.priority_rank:
        return _record(run, "unchanged", {"priority": run.ticket.priority})
    return _record(run, "changed", {"priority": wanted.key},
                   change=Change(priority=wanted.key))


def _page(run: _Run) -> str:
    try:
        from pledgedesk.oncall.services import page_on_call
    except ImportError:
        return _record(run, "not_configured", {
            "detail": "paging is not configured on this desk: nobody was paged"})
    source = "esc:" + hashlib.sha256(run.key.encode()).hexdigest()[:32]
    page = page_on_call(ticket_id=run.ticket.pk, reason=run.facts()["why"], now=run.now,
                        source=source)
    # The on-call module's own events say whether anyone was paged; this one only that a
    # page was asked for.
    return _record(run, "requested", {"page": page.pk})


def _update_customer(run: _Run) -> str:
    """PR-10: the policy's own words to the requester, once per cycle. Recorded as a public
    event the customer reads in their history; never a reply, so it meets no target."""
    told = chains.requester_address(run.ticket)
    chains.send(key=run.key, told=told, subject=run.ticket.subject, body=run.step.value,
                ticket=run.ticket)
    return _record(run, "sent" if told.addresses else "nobody",
                   {"text": run.step.value, "told": list(told.names),
                    "addresses": len(told.addresses)}, kind=EventKind.CUSTOMER_UPDATED)


_ACTIONS = {"notify": _notify, "notify_group": _notify_group, "notify_on_call": _notify_on_call,
            "webhook": _webhook, "reassign": _reassign, "raise_priority": _raise_priority,
            "page": _page, "update_customer": _update_customer}
