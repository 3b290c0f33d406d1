"""Automation's business rules: the SLA sweep and running one escalation step.

``sweep_sla`` (every minute, from ``automation.tasks``) never runs the SLA engine: a timer's
instants change only when its ticket is written, and every write stores the engine's verdict
(``automation.sweep``). So it

1. reads its persisted high-water mark and the stored running timers whose warning or late
   instant lies in (mark - LOOKBACK, now] through the instant indexes
   (``selectors.crossing_candidates``): the cost is the timers in the window, not the tickets;
2. per batch of tickets, in one transaction: locks them (in id order, so a ticket write never
   interleaves and two sweeps never deadlock), reads the window again for those tickets (a
   write that committed meanwhile moved their instants), leaves out warnings of targets no
   longer than their warning (``sweep.warns``), then in set-based statements: inserts the
   crossings into ``SlaCrossing`` ignoring conflicts and returning the ones this run inserted
   (one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`` per kind, reading the
   instants from the stored rows themselves); writes one ``sla_warning`` / ``sla_breached``
   event for each of those only, with its outbox row, through the tickets layer in one bulk
   insert (the escalation planner turns each into its chain's steps in the worker); and stores
   the breached rows ``breached`` in one ``UPDATE``. Two sweeps racing, or one re-run after a
   crash, therefore record each (ticket, metric, kind, instant) once;
3. moves the mark to ``now`` (never backwards), after every batch committed.

LOOKBACK re-reads the last minutes on every run, so a ticket change that committed after a
sweep read the window (its transaction began before the sweep, its instant fell inside) is
still seen; what was recorded is left out by the unique key.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, connection, transaction

from pledgedesk import sla
from pledgedesk.accounts.models import AgentGroup
from pledgedesk.automation import chains, selectors, sweep
from pledgedesk.automation.models import SlaCrossing, StepRun, SweepMark
from pledgedesk.automation.selectors import Candidate
from pledgedesk.outbox.registry import PermanentFailure
from pledgedesk.policy.escalation import EscalationChain, Step
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import OPEN_CATEGORIES, SlaTimer, Ticket
from pledgedesk.tickets.services import (
    Change,
    SystemEvent,
    ticket_events_record,
    ticket_system_change,
)
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
        locked = list(Ticket.objects.select_for_update(of=("self",)).filter(pk__in=ticket_ids)
                      .order_by("pk").values_list("pk", flat=True))
        found = _warnings_kept(selectors.crossing_candidates(since=since, now=now,
                                                             ticket_ids=locked))
        if not found:
            return 0, 0
        token = secrets.token_hex(16)
        won = set()
        for kind in (sweep.WARNING, sweep.BREACH):
            won |= _insert_crossings([c for c in found if c.kind == kind], kind=kind,
                                     token=token, now=now)
        mine = [c for c in found if (c.ticket_id, c.metric, c.kind) in won]
        ticket_events_record(events=[SystemEvent(_ticket(c), _KIND[c.kind], _facts(c))
                                     for c in mine], now=now)
        late = [c.timer_id for c in found if c.kind == sweep.BREACH]
        SlaTimer.objects.filter(pk__in=late, state="running", met_at__isnull=True,
                                late_at__lte=now).update(state="breached")
    warned = sum(c.kind == sweep.WARNING for c in mine)
    return warned, len(mine) - warned


def _warnings_kept(found: list[Candidate]) -> list[Candidate]:
    """The candidates less the warnings of targets no longer than their warning."""
    warned = [c for c in found if c.kind == sweep.WARNING]
    if not warned:
        return found
    versions = selectors.policy_versions(c.policy_version_id for c in warned)
    places = selectors.locations(c.organisation_id for c in warned if c.organisation_id)
    return [c for c in found if c.kind != sweep.WARNING or sweep.warns(
        policy_for(versions[c.policy_version_id]), metric=c.metric, plan=c.plan,
        priority=c.priority, warn_at=c.instant, due=c.due,
        location=places.get(c.organisation_id))]


_INSTANT = {sweep.WARNING: "warn_at", sweep.BREACH: "late_at"}
# The stored states in which a crossing is still owed. A warning only while the clock runs; a
# breach also when a write between its late instant and this sweep already stored the row
# ``breached`` (time made that breach, not the write, so it is still recorded, once).
_OWED = {sweep.WARNING: "'running'", sweep.BREACH: "'running', 'breached'"}


def _insert_crossings(found: list[Candidate], *, kind: str, token: str,
                      now: datetime) -> set[tuple[int, str, str]]:
    """Record ``found`` (all of ``kind``) in one statement that reads each instant from its
    stored row, still owed (``_OWED``) and still in the window; the (ticket, metric, kind) of
    the rows this statement inserted, never those another sweep recorded first."""
    if not found:
        return set()
    column = _INSTANT[kind]
    marks = ", ".join(["%s"] * len(found))
    at = connection.ops.adapt_datetimefield_value(now)
    # Names from this module only (the table, _INSTANT's column); every value is a parameter.
    sql = (f"INSERT INTO {SlaCrossing._meta.db_table} "  # noqa: S608
           "(ticket_id, metric, kind, instant, fired_at, sweep) "
           f"SELECT s.ticket_id, s.metric, %s, s.{column}, %s, %s FROM tickets_slatimer s "
           f"WHERE s.id IN ({marks}) AND s.state IN ({_OWED[kind]}) AND s.met_at IS NULL "
           f"AND s.{column} <= %s "
           "ON CONFLICT DO NOTHING RETURNING ticket_id, metric, kind")
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind, at, token, *(c.timer_id for c in found), at])
        return {tuple(row) for row in cursor.fetchall()}


def _ticket(c: Candidate) -> Ticket:
    """The ticket an event is written on, as the ORM loads a row with only those columns: the
    event needs its id and organisation, not the whole ticket (nor its fields' defaults)."""
    return Ticket.from_db(connection.alias, ["id", "organisation_id"],
                          [c.ticket_id, c.organisation_id])


_KIND = {sweep.WARNING: EventKind.SLA_WARNING, sweep.BREACH: EventKind.SLA_BREACHED}


def _facts(c: Candidate) -> dict:
    """What the event says: which clock, the instant crossed, the target, why."""
    return {"metric": c.metric, "instant": _utc(c.instant),
            "due": _utc(c.due) if c.due else None, "late": _utc(c.late) if c.late else None,
            "priority": c.priority, "plan": c.plan, "reason": c.reason}


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
                ticket=run.ticket, thread=chains.customer_thread(run.ticket))
    return _record(run, "sent" if told.addresses else "nobody",
                   {"text": run.step.value, "told": list(told.names),
                    "addresses": len(told.addresses)}, kind=EventKind.CUSTOMER_UPDATED)


_ACTIONS = {"notify": _notify, "notify_group": _notify_group, "notify_on_call": _notify_on_call,
            "webhook": _webhook, "reassign": _reassign, "raise_priority": _raise_priority,
            "page": _page, "update_customer": _update_customer}
