"""SLA compliance, computed in the database from the stored timer verdicts (``SlaTimer``).

One GROUP BY over the timers of the tickets received in a period gives, per metric and per
value of one dimension (priority, plan, organisation, group, agent): timers measured, met within
the goal, met within the limit, breached, excluded, still running in time, and business time
paused. Median and 90th percentile of business time used come from a window query (nearest
rank) that returns two rows per group: no ticket is loaded into Python.

A stored ``running`` row whose ``late_at`` has passed is breached now (``sla.timer_state_at``);
the SQL below counts it so, as the queue's filters do. Its ``used_seconds`` is the engine's as
of the ticket's last change, so percentiles read met and stored-breached timers only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet, Sum, Value, Window
from django.db.models.functions import Ceil, Coalesce, RowNumber

from pledgedesk.tickets.models import SlaTimer

# What a report may be grouped by: the ticket column each dimension reads.
DIMENSIONS = {
    "priority": "ticket__priority",
    "plan": "ticket__plan",
    "organisation": "ticket__organisation_id",
    "group": "ticket__group_id",
    "agent": "ticket__assignee_id",
}
OUTCOMES = ("measured", "met_goal", "met", "breached", "excluded", "running")


def _late(now: datetime) -> Q:
    """Breached as the queue sees it at ``now``: stored breached, or running past late_at."""
    return Q(state="breached") | Q(state__in=("running",), late_at__lt=now)


def _outcome(outcome: str, now: datetime) -> Q:
    goal = Coalesce("goal_at", "due_at")
    return {
        "measured": Q(state="met") | _late(now),
        "met": Q(state="met"),
        "met_goal": Q(state="met") & (Q(goal_at__isnull=True, due_at__isnull=True)
                                      | Q(met_at__lte=goal)),
        "breached": _late(now),
        "excluded": Q(state="excluded"),
        "running": Q(state__in=("running", "paused")) & ~_late(now),
    }[outcome]


def timers_in(*, start: datetime, end: datetime, metric: str | None = None,
              organisation_id: int | None = None) -> QuerySet[SlaTimer]:
    """Timers of the tickets received in [start, end) (merged tickets left out: their work
    continues on the ticket they were merged into), optionally one metric, one organisation."""
    rows = SlaTimer.objects.filter(ticket__received_at__gte=start, ticket__received_at__lt=end,
                                   ticket__merged_into__isnull=True)
    if metric:
        rows = rows.filter(metric=metric)
    if organisation_id is not None:
        rows = rows.filter(ticket__organisation_id=organisation_id)
    return rows.exclude(state="not_applicable")


@dataclass
class ComplianceRow:
    metric: str
    key: object  # the dimension's value (a priority key, an id, None for "none")
    measured: int = 0
    met_goal: int = 0
    met: int = 0
    breached: int = 0
    excluded: int = 0
    running: int = 0
    paused_seconds: int = 0
    median_seconds: int | None = None
    p90_seconds: int | None = None
    label: str = ""
    promise: str = "commitment"  # "goal" (RL-5), "commitment", or "goals and commitments"

    @property
    def compliance(self) -> float | None:
        """Share of measured timers met within the limit, 0..1 (None when nothing measured)."""
        return self.met / self.measured if self.measured else None


@dataclass
class Compliance:
    by: str
    rows: list[ComplianceRow]
    exclusions: list[tuple[str, str, int]] = field(default_factory=list)  # metric, reason, n


def compliance(*, start: datetime, end: datetime, by: str, now: datetime,
               metric: str | None = None, organisation_id: int | None = None) -> Compliance:
    """The compliance table for the period, one row per (metric, ``by`` value)."""
    column = DIMENSIONS[by]
    base = timers_in(start=start, end=end, metric=metric, organisation_id=organisation_id)
    counts = {name: Count("id", filter=_outcome(name, now)) for name in OUTCOMES}
    grouped = (base.values("metric", key=F(column))
               .annotate(**counts, paused=Coalesce(Sum("paused_seconds"), 0))
               .order_by("metric", "key"))
    rows = {(g["metric"], g["key"]): ComplianceRow(
        metric=g["metric"], key=g["key"], paused_seconds=g["paused"],
        **{name: g[name] for name in OUTCOMES}) for g in grouped}
    for (m, key), (median, p90) in _percentiles(base, column).items():
        if (m, key) in rows:
            rows[(m, key)].median_seconds, rows[(m, key)].p90_seconds = median, p90
    exclusions = (base.filter(state="excluded").values_list("metric", "reason")
                  .annotate(n=Count("id")).order_by("metric", "-n", "reason"))
    kinds = promises(start=start, end=end, organisation_id=organisation_id)
    names = _labels(by, {key for _, key in rows})
    for row in rows.values():
        row.promise = kinds.get(row.metric, "commitment")
        row.label = names.get(row.key, str(row.key)) if row.key is not None else "(none)"
    return Compliance(by=by, rows=list(rows.values()), exclusions=list(exclusions))


def _labels(by: str, keys: set) -> dict:
    from pledgedesk.accounts.models import Agent, AgentGroup, Organisation

    model = {"organisation": Organisation, "group": AgentGroup, "agent": Agent}.get(by)
    if model is None:
        return {}
    return dict(model.objects.filter(pk__in=[k for k in keys if k is not None])
                .values_list("pk", "name"))


def _percentiles(base: QuerySet[SlaTimer], column: str) -> dict:
    """Median and 90th percentile (nearest rank) of business seconds used by the met and
    breached timers of each (metric, value): two rows per group come back, not the timers."""
    part = [F("metric"), F(column)]
    ranked = (base.filter(state__in=("met", "breached"))
              .annotate(rn=Window(RowNumber(), partition_by=part,
                                  order_by=[F("used_seconds").asc(), F("id").asc()]),
                        n=Window(Count("id"), partition_by=part))
              .annotate(mid=Ceil(F("n") * Value(0.5)), top=Ceil(F("n") * Value(0.9)))
              .filter(Q(rn=F("mid")) | Q(rn=F("top")))
              .values_list("metric", column, "used_seconds", "rn", "mid", "top"))
    out: dict = {}
    for m, key, used, rn, mid, top in ranked:
        median, p90 = out.get((m, key), (None, None))
        out[(m, key)] = (used if rn == mid else median, used if rn == top else p90)
    return out


def tickets_behind(*, start: datetime, end: datetime, metric: str, outcome: str, now: datetime,
                   by: str | None = None, key: str | None = None,
                   organisation_id: int | None = None) -> QuerySet[SlaTimer]:
    """The timers (with their tickets) behind one figure of ``compliance``, newest first."""
    rows = timers_in(start=start, end=end, metric=metric, organisation_id=organisation_id)
    rows = rows.filter(_outcome(outcome, now))
    if by:
        column = DIMENSIONS[by]
        rows = rows.filter(**{f"{column}__isnull": True} if key in (None, "", "none")
                           else {column: key})
    return (rows.select_related("ticket").order_by("-ticket__received_at", "-id"))


def promises(*, start: datetime, end: datetime, organisation_id: int | None = None) -> dict:
    """Per metric, whether its targets are goals (RL-5) or commitments, from the distinct
    (policy version, plan, priority) the period's tickets were measured under: a handful of
    rows, each read through its compiled policy."""
    from pledgedesk.versions.models import PolicyVersion
    from pledgedesk.versions.policies import policy_for

    combos = (timers_in(start=start, end=end, organisation_id=organisation_id)
              .values_list("metric", "ticket__policy_version_id", "ticket__plan",
                           "ticket__priority").distinct())
    versions: dict = {}
    kinds: dict[str, set[str]] = {}
    for metric, version_id, plan, priority in combos:
        if version_id not in versions:
            versions[version_id] = policy_for(PolicyVersion.objects.get(pk=version_id))
        target = versions[version_id].target(metric, plan, priority)
        if target is not None and target.applies:
            kinds.setdefault(metric, set()).add(target.promise)
    return {m: (k.pop() if len(k) == 1 else "goals and commitments") for m, k in kinds.items()}
