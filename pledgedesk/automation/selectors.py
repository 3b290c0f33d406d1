"""Reading what automation acts on: the timers that crossed an instant, who is told, the
state of a clock now."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from django.db import connection

from pledgedesk import sla
from pledgedesk.accounts.models import Agent
from pledgedesk.automation.models import SlaCrossing, SweepMark
from pledgedesk.oncall.models import Schedule
from pledgedesk.oncall.selectors import responders, schedule_for_policy
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.timers import sla_events
from pledgedesk.versions.policies import policy_for

# The sweep's two range queries. Each names its index's condition literally (SQLite uses a
# partial index only when the query repeats its WHERE terms, and a bound parameter is not a
# literal): breaches read ``sla_timer_unmet_late`` (late_at over unmet running or breached rows),
# warnings ``automation_sla_running_warn`` (warn_at over running rows). A running row past its
# late instant is an unfired breach: firing one refreshes it to ``breached``, out of the range.
BREACH_SQL = (
    "SELECT ticket_id, metric, late_at FROM tickets_slatimer "
    "WHERE met_at IS NULL AND state IN ('running', 'breached') AND state = 'running' "
    "AND late_at > %s AND late_at <= %s"
)
WARNING_SQL = (
    "SELECT ticket_id, metric, warn_at FROM tickets_slatimer "
    "WHERE state = 'running' AND warn_at IS NOT NULL AND warn_at > %s AND warn_at <= %s"
)


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    metric: str
    kind: str  # SlaCrossing.Kind
    instant: datetime


def sweep_mark(name: str = "sla") -> datetime | None:
    return SweepMark.objects.filter(name=name).values_list("swept_to", flat=True).first()


def crossing_candidates(*, since: datetime, now: datetime) -> list[Candidate]:
    """Timers whose warning or late instant is in (since, now] and not recorded yet: the
    cost is the timers in that window, never the open tickets."""
    found: list[Candidate] = []
    with connection.cursor() as cursor:
        for sql, kind in ((WARNING_SQL, SlaCrossing.Kind.WARNING),
                          (BREACH_SQL, SlaCrossing.Kind.BREACH)):
            cursor.execute(sql, [since, now])
            found += [Candidate(t, m, kind, _aware(i)) for t, m, i in cursor.fetchall()]
    if not found:
        return []
    fired = set(SlaCrossing.objects.filter(
        ticket_id__in={c.ticket_id for c in found}, instant__gt=since,
    ).values_list("ticket_id", "metric", "kind", "instant"))
    return [c for c in found if (c.ticket_id, c.metric, c.kind, c.instant) not in fired]


def _aware(value) -> datetime:
    """A raw cursor on SQLite returns text or naive datetimes; the ORM's converters would."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def clock_now(ticket: Ticket, metric: str, now: datetime) -> sla.Timer | None:
    """The engine's timer for ``metric`` on ``ticket`` at ``now``, with its clock's start."""
    events = list(ticket.events.order_by("at", "id"))
    history = sla_events(ticket, events)
    if not history:
        return None
    org = ticket.organisation
    where = sla.Ticket(**asdict(org.location)) if org else sla.Ticket()
    return sla.evaluate(policy_for(ticket.policy_version), where, history, now).get(metric)


# --- people ----------------------------------------------------------------------------------


def _active(agents) -> list[Agent]:
    return list(agents.filter(active=True).select_related("user").order_by("pk"))


def with_role(role: str) -> list[Agent]:
    # roles is a JSON list; filtering it portably in SQL is not worth it for a handful of agents
    return [a for a in _active(Agent.objects.all()) if a.has_role(role)]


def group_agents(group_key: str | None) -> list[Agent]:
    if not group_key:
        return []
    return _active(Agent.objects.filter(groups__key=group_key))


def people(ticket: Ticket, who: str) -> list[Agent]:
    """The agents ``who`` names for this ticket (``schema.Recipient``)."""
    org = ticket.organisation
    if who == "assignee":
        found = [ticket.assignee] if ticket.assignee else []
    elif who in ("account_manager", "dedicated_representative"):
        person = getattr(org, who) if org else None
        found = [person] if person else []
    elif who == "group_lead":
        group = ticket.group.key if ticket.group else None
        found = [a for a in group_agents(group) if a.has_role("support_lead")]
        found = found or with_role("support_lead")
    else:  # senior_technician, support_lead
        found = with_role(who)
    return [a for a in found if a.active]


def on_call(schedule_name: str, *, ticket: Ticket, at: datetime) -> list[Agent] | None:
    """Who is on call now in the schedule named ``schedule_name``, or in the one answering the
    ticket's policy for ``"policy"`` (one function decides: ``oncall.selectors.responders``,
    first in its order); None when there is no such schedule."""
    if schedule_name == POLICY_SCHEDULE:
        org = ticket.organisation
        schedule = schedule_for_policy(org.policy_key) if org else None
    else:
        schedule = Schedule.objects.filter(name__iexact=schedule_name).first()
    if schedule is None:
        return None
    order = responders(schedule, at=at)
    return _active(Agent.objects.filter(pk=order[0])) if order else []


POLICY_SCHEDULE = "policy"
