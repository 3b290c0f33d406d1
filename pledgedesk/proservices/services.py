"""Time, hour banks, Professional Services cases, courtesy work and exceptions (issue 17).

Each function is one durable transaction taking ``now``. Billable time on a Professional
Services case draws down its organisation's bank under the bank's row lock, so two agents
logging time at the same instant see each other's drawdown, and the replenish notice for a
crossing of the policy's line (RK-10: 20 %) is written once: a unique row per crossing plus an
outbox row keyed by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from pledgedesk.accounts.models import Agent, AgentGroup, Organisation
from pledgedesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pledgedesk.outbox import services as outbox
from pledgedesk.proservices import rules
from pledgedesk.proservices.models import (
    HourBank,
    PolicyException,
    PsCase,
    ThresholdNotice,
    TimeEntry,
)
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import Change, ticket_system_change
from pledgedesk.versions.policies import policy_for

MAX_MINUTES = 24 * 60
MAX_TEXT = 2000
MAIL_TOPIC = "ps-mail"


def _text(value: str, field: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{field} is longer than {MAX_TEXT} characters", field=field)
    return value


def _require_agent(agent: Agent | None) -> Agent:
    if agent is None or not agent.active:
        raise PermissionDenied("only agents may do this", field="agent")
    return agent


# --- hour banks ------------------------------------------------------------------------------


def bank_buy(*, organisation: Organisation, tier: str, starts_on: date, agent: Agent | None,
             now: datetime) -> HourBank:
    """An organisation buys a tier of the policy's hour banks from ``starts_on`` (RK-10)."""
    _require_agent(agent)
    terms = rules.bank_terms_required(rules.policy_of(organisation, now=now))
    if tier not in terms.tiers:
        raise InvalidInput(f"unknown tier {tier!r} (known: {', '.join(terms.tiers)})",
                           field="tier")
    minutes = terms.tiers[tier] * 60
    with transaction.atomic(durable=True):
        return HourBank.objects.create(
            organisation=organisation, team=terms.team, tier=tier, minutes_bought=minutes,
            balance_minutes=minutes, starts_on=starts_on,
            ends_on=rules.term_end(starts_on, terms.spec.term_months or 12),
            bought_by=agent, created_at=now)


def _bank_for(org_id: int, on: date, carry_over: bool) -> HourBank | None:
    """The bank billable time on ``on`` draws from, locked: the oldest one in its term with
    minutes left, else the newest in its term; with ``carry_over`` an ended bank's remaining
    minutes are drawn first."""
    banks = HourBank.objects.select_for_update().filter(organisation_id=org_id,
                                                        starts_on__lte=on)
    if not carry_over:
        banks = banks.filter(ends_on__gt=on)
    rows = list(banks.order_by("starts_on", "pk"))
    return next((b for b in rows if b.balance_minutes > 0), None) or \
        next((b for b in reversed(rows) if b.ends_on > on), None)


# --- Professional Services cases -------------------------------------------------------------


def ps_case_open(*, ticket: Ticket, agent: Agent | None, reason: str, now: datetime) -> PsCase:
    """An agent turns an (out-of-scope) request into a Professional Services case (RK-9,
    RK-10): the ticket moves to the team that sells the banks, in the same transaction."""
    _require_agent(agent)
    reason = _text(reason, "reason", required=True)
    terms = rules.bank_terms_required(policy_for(ticket.policy_version))
    if PsCase.objects.filter(ticket=ticket).exists():
        raise Conflict("this ticket is already a Professional Services case", field="ticket")
    group = AgentGroup.objects.filter(key=terms.team).first()
    made: list[PsCase] = []

    def claim() -> bool:
        made.append(PsCase.objects.create(ticket=ticket, source=PsCase.Source.AGENT,
                                          opened_by=agent, reason=reason, opened_at=now))
        return True

    ticket_system_change(ticket=ticket, change=Change(group=group), claim=claim, now=now)
    return made[0]


def ps_case_from_marker(*, ticket_id: int, now: datetime) -> PsCase | None:
    """RK-10: a ticket whose title carries the policy's marker for the bank-selling team is a
    Professional Services case from its creation. Repeatable: a second call changes nothing."""
    with transaction.atomic(durable=True):
        ticket = Ticket.objects.select_related("policy_version").filter(pk=ticket_id).first()
        if ticket is None:
            return None
        policy = policy_for(ticket.policy_version)
        terms = rules.bank_terms(policy)
        if terms is None or policy.route_title(ticket.subject) != terms.team:
            return None
        case, _ = PsCase.objects.get_or_create(ticket=ticket, defaults={
            "source": PsCase.Source.TITLE_MARKER, "opened_at": now})
        return case


# --- time ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Logged:
    entry: TimeEntry
    warning: str | None = None  # RK-11: courtesy past the policy's typical limit
    notice: ThresholdNotice | None = None


def time_log(*, ticket: Ticket, agent: Agent | None, minutes: int, worked_on: date,
             billable: bool, note: str = "", courtesy_reason: str | None = None,
             now: datetime) -> Logged:
    """Time an agent spent on ``ticket``. Billable time on a Professional Services case draws
    down the organisation's bank (RK-10); courtesy time (RK-11) is never billable and carries
    its reason; the answer warns when the ticket's courtesy time passes the typical limit."""
    _require_agent(agent)
    if not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput(f"minutes must be between 1 and {MAX_MINUTES}", field="minutes")
    if worked_on > now.date():
        raise InvalidInput("worked_on is in the future", field="worked_on")
    note = _text(note, "note", required=False)
    courtesy = courtesy_reason is not None
    if courtesy:
        courtesy_reason = _text(courtesy_reason, "courtesy_reason", required=True)
        if billable:
            raise InvalidInput("courtesy work is never billable", field="billable")
    policy = policy_for(ticket.policy_version)
    with transaction.atomic(durable=True):
        entry = TimeEntry(ticket=ticket, agent=agent, minutes=minutes, worked_on=worked_on,
                          billable=billable, courtesy=courtesy,
                          courtesy_reason=courtesy_reason or "", note=note, created_at=now)
        notice = None
        if billable and PsCase.objects.filter(ticket=ticket).exists():
            notice = _draw(entry, ticket, rules.bank_terms_required(policy), now)
        entry.save(force_insert=True)
        return Logged(entry, _courtesy_warning(ticket, policy) if courtesy else None, notice)


def _draw(entry: TimeEntry, ticket: Ticket, terms: rules.BankTerms,
          now: datetime) -> ThresholdNotice | None:
    bank = _bank_for(ticket.organisation_id, entry.worked_on,
                     terms.spec.at_term_end == "carry_over")
    if bank is None:
        raise Conflict(f"{ticket.organisation} has no hour bank covering {entry.worked_on}",
                       field="worked_on")
    before, after = bank.balance_minutes, bank.balance_minutes - entry.minutes
    if after < 0:
        if terms.spec.at_zero == "refuse":
            raise Conflict(f"the hour bank has {max(before, 0)} minutes left; the policy "
                           "refuses billable time past zero", field="minutes")
        entry.over_zero = True
        bank.flagged_at = bank.flagged_at or now
    bank.balance_minutes = after
    entry.bank = bank
    line = terms.line(bank.minutes_bought)
    crossed = line is not None and before >= line > after
    if crossed:
        bank.crossings += 1
    bank.save(update_fields=["balance_minutes", "flagged_at", "crossings"])
    return _notify_crossing(bank, now) if crossed else None


def _notify_crossing(bank: HourBank, now: datetime) -> ThresholdNotice:
    org = Organisation.objects.select_related("primary_contact").get(pk=bank.organisation_id)
    notice = ThresholdNotice.objects.create(
        bank=bank, crossing=bank.crossings, balance_minutes=bank.balance_minutes,
        contact=org.primary_contact, created_at=now)
    if org.primary_contact is not None:
        outbox.enqueue(topic=MAIL_TOPIC, organisation_id=org.pk, now=now,
                       key=f"mail:ps-replenish:bank:{bank.pk}:crossing:{bank.crossings}",
                       payload={"template": "ps_replenish", "notice": notice.pk})
    return notice


def _courtesy_warning(ticket: Ticket, policy) -> str | None:
    limit = rules.courtesy_limit(policy)
    if limit is None:
        return None
    total = sum(TimeEntry.objects.filter(ticket=ticket, courtesy=True)
                .values_list("minutes", flat=True))
    if total <= limit:
        return None
    return (f"Courtesy work on this ticket is {total} minutes, past the policy's typical "
            f"{limit} minutes: consider Professional Services instead.")


# --- exceptions (RL-11) ----------------------------------------------------------------------


def exception_record(*, organisation: Organisation, ticket: Ticket | None, agent: Agent | None,
                     kind: str, reason: str, now: datetime) -> PolicyException:
    """An exception to policy, allowed only with its reason (RL-11)."""
    _require_agent(agent)
    if kind not in PolicyException.Kind.values:
        raise InvalidInput(f"unknown kind {kind!r} (known: "
                           f"{', '.join(PolicyException.Kind.values)})", field="kind")
    reason = _text(reason, "reason", required=True)
    if ticket is not None and ticket.organisation_id != organisation.pk:
        raise NotFound("no such ticket for this organisation", field="ticket")
    with transaction.atomic(durable=True):
        return PolicyException.objects.create(organisation=organisation, ticket=ticket,
                                              agent=agent, kind=kind, reason=reason,
                                              created_at=now)
