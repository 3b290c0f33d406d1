"""Reading what automation acts on: the timers that crossed an instant, who is told, the
state of a clock now."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from django.db import connection

from pledgedesk import sla
from pledgedesk.accounts.models import Agent, Organisation
from pledgedesk.automation.models import SlaCrossing, SweepMark
from pledgedesk.oncall.models import Schedule
from pledgedesk.oncall.selectors import responders, schedule_for_policy
from pledgedesk.policy.compile import Location
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.timers import sla_events
from pledgedesk.versions.models import PolicyVersion
from pledgedesk.versions.policies import policy_for

# The sweep's two range queries. Each names its index's condition literally (SQLite uses a
# partial index only when the query repeats its WHERE terms, and a bound parameter is not a
# literal): breaches read ``sla_timer_unmet_late`` (late_at over unmet running or breached rows),
# warnings ``automation_sla_running_warn`` (warn_at over running rows). A breach is read whether
# the row is still running or already stored ``breached``: a write to the ticket between its
# late instant and the next sweep stores it breached, and that breach was made by time, so it
# must still be recorded; the crossings' unique key keeps it to once. Each row comes with what
# its event and the warning rule need from its ticket, by primary key.
_COLUMNS = (
    "SELECT s.id, s.ticket_id, s.metric, {instant}, s.due_at, s.late_at, s.reason, t.priority, "
    "t.plan, t.policy_version_id, t.organisation_id "
    "FROM tickets_slatimer s JOIN tickets_ticket t ON t.id = s.ticket_id "
)
BREACH_SQL = _COLUMNS.format(instant="s.late_at") + (
    "WHERE s.met_at IS NULL AND s.state IN ('running', 'breached') "
    "AND s.late_at > %s AND s.late_at <= %s"
)
WARNING_SQL = _COLUMNS.format(instant="s.warn_at") + (
    "WHERE s.state = 'running' AND s.warn_at IS NOT NULL AND s.warn_at > %s AND s.warn_at <= %s"
)


@dataclass(frozen=True)
class Candidate:
    """A stored running timer whose warning or late instant lies in the sweep's window."""

    timer_id: int
    ticket_id: int
    metric: str
    kind: str  # SlaCrossing.Kind
    instant: datetime
    due: datetime | None
    late: datetime | None
    reason: str
    priority: str
    plan: str
    policy_version_id: int
    organisation_id: int | None


def sweep_mark(name: str = "sla") -> datetime | None:
    return SweepMark.objects.filter(name=name).values_list("swept_to", flat=True).first()


def crossing_candidates(*, since: datetime, now: datetime,
                        ticket_ids: list[int] | None = None) -> list[Candidate]:
    """Stored running timers whose warning or late instant is in (since, now], of the tickets
    ``ticket_ids`` when given: the cost is the timers in that window, never the open tickets.
    What was recorded already is left out by the crossings' unique key, not here."""
    ops = connection.ops
    params = [ops.adapt_datetimefield_value(since), ops.adapt_datetimefield_value(now)]
    only = ""
    if ticket_ids is not None:
        if not ticket_ids:
            return []
        only = f" AND s.ticket_id IN ({', '.join(['%s'] * len(ticket_ids))})"
    found: list[Candidate] = []
    with connection.cursor() as cursor:
        for sql, kind in ((WARNING_SQL, SlaCrossing.Kind.WARNING),
                          (BREACH_SQL, SlaCrossing.Kind.BREACH)):
            cursor.execute(sql + only, params + list(ticket_ids or ()))
            found += [Candidate(pk, ticket, metric, kind, _aware(instant), _aware(due),
                                _aware(late), *rest)
                      for pk, ticket, metric, instant, due, late, *rest in cursor.fetchall()]
    return found


def _aware(value) -> datetime | None:
    """A raw cursor on SQLite returns text or naive datetimes; the ORM's converters would."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def policy_versions(ids) -> dict[int, PolicyVersion]:
    """The policy versions by id, each read once (a version is a whole file)."""
    return {v.pk: v for v in PolicyVersion.objects.filter(pk__in=set(ids))}


def locations(organisation_ids) -> dict[int, Location]:
    return {o.pk: o.location for o in Organisation.objects.filter(pk__in=set(organisation_ids))}


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
