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

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Ceil, Coalesce, RowNumber

from pledgedesk.tickets.models import SlaTimer, Ticket

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


def tickets_in(*, start: datetime, end: datetime,
               organisation_id: int | None = None) -> QuerySet[Ticket]:
    """Tickets received in [start, end), merged tickets left out (their work continues on the
    ticket they were merged into), optionally one organisation's: a range of the
    ``ticket_report_received`` index."""
    tickets = Ticket.objects.filter(received_at__gte=start, received_at__lt=end,
                                    merged_into__isnull=True)
    if organisation_id is not None:
        tickets = tickets.filter(organisation_id=organisation_id)
    return tickets


def timers_in(*, start: datetime, end: datetime, metric: str | None = None,
              organisation_id: int | None = None) -> QuerySet[SlaTimer]:
    """Timers of the tickets of ``tickets_in``, optionally one metric.

    The join alone decides which timers these are. The range of the tickets' ids (read first
    from the same index) is implied by it and changes no result, but lets the database read
    the period's timers by a range of the (ticket, metric) index instead of the whole table:
    tickets are numbered as they arrive, so a quarter's timers are about a quarter of the
    table, not all of it (issue 19: a quarter at 1M tickets, 2M timers)."""
    rows = SlaTimer.objects.filter(ticket__received_at__gte=start, ticket__received_at__lt=end,
                                   ticket__merged_into__isnull=True)
    if organisation_id is not None:
        rows = rows.filter(ticket__organisation_id=organisation_id)
    # ``id + 0``: a bare MIN(id) would be planned as a walk of the primary key from its end,
    # filtering on received_at (181 ms for the last quarter of 1M); this reads the period's
    # range of ``ticket_report_received``, which carries the id (30 ms).
    ids = tickets_in(start=start, end=end, organisation_id=organisation_id).aggregate(
        lo=Min(F("id") + 0), hi=Max(F("id") + 0))
    if ids["lo"] is not None:
        rows = rows.filter(ticket_id__gte=ids["lo"], ticket_id__lte=ids["hi"])
    if metric:
        rows = rows.filter(metric=metric)
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


@contextmanager
def _report_settings():
    """On PostgreSQL a report's two big aggregates run without JIT and with room to sort in
    memory: at a quarter of a 1M-ticket desk JIT compilation alone took 346 ms of the query,
    and the 4 MB default ``work_mem`` sent both sorts to disk ("external merge", EXPLAIN
    ANALYZE in ``benchmarks/report_bench.py``). Both settings end with the transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


def compliance(*, start: datetime, end: datetime, by: str, now: datetime,
               metric: str | None = None, organisation_id: int | None = None) -> Compliance:
    """The compliance table for the period, one row per (metric, ``by`` value); see
    ``_compliance``."""
    with _report_settings():
        return _compliance(start=start, end=end, by=by, now=now, metric=metric,
                           organisation_id=organisation_id)


def _compliance(*, start: datetime, end: datetime, by: str, now: datetime,
                metric: str | None, organisation_id: int | None) -> Compliance:
    """The compliance table for the period, one row per (metric, ``by`` value).

    One GROUP BY over the period's timers gives every count and, on PostgreSQL, the median
    and 90th percentile (``percentile_disc`` in the same pass; elsewhere a window query).
    The exclusions read the excluded timers only (a partial index), and which targets are
    goals (RL-5) the period's tickets only (an index-only scan): one pass over the timers."""
    column = DIMENSIONS[by]
    base = timers_in(start=start, end=end, metric=metric, organisation_id=organisation_id)
    in_sql = connection.vendor == "postgresql"
    rows = {}
    for g in _grouped(base, column, now, percentiles=in_sql):
        row = ComplianceRow(metric=g["timer_metric"], key=g["key"], paused_seconds=g["paused"],
                            median_seconds=g.get("median"), p90_seconds=g.get("p90"),
                            **{name: g[name] for name in OUTCOMES})
        rows[(row.metric, row.key)] = row
    if not in_sql:
        for (m, key), (median, p90) in _percentiles(base, column).items():
            if (m, key) in rows:
                rows[(m, key)].median_seconds, rows[(m, key)].p90_seconds = median, p90
    kinds = _promises(start=start, end=end, organisation_id=organisation_id,
                      metrics={m for m, _ in rows})
    names = _labels(by, {key for _, key in rows})
    for row in rows.values():
        row.promise = kinds.get(row.metric, "commitment")
        row.label = names.get(row.key, str(row.key)) if row.key is not None else "(none)"
    ordered = sorted(rows.values(), key=lambda r: (r.metric, r.key is None, _sortable(r.key)))
    exclusions = (base.filter(state="excluded").values_list("metric", "reason")
                  .annotate(n=Count("id")).order_by("metric", "-n", "reason"))
    return Compliance(by=by, rows=ordered, exclusions=list(exclusions))


def _grouped(base: QuerySet[SlaTimer], column: str, now: datetime, *, percentiles: bool):
    counts = {name: Count("id", filter=_outcome(name, now)) for name in OUTCOMES}
    if percentiles:
        measured = Q(state__in=("met", "breached"))
        counts["median"] = _PercentileDisc("used_seconds", 0.5, filter=measured)
        counts["p90"] = _PercentileDisc("used_seconds", 0.9, filter=measured)
    # Grouped by the dimension first: PostgreSQL sorts the period's timers by the GROUP BY
    # columns in their order (the percentiles rule out hashing), and an id compared first
    # decides almost every comparison, where the metric first (four values) ties on nearly
    # all of them: 0.6 s instead of 0.9 s of CPU by organisation at 1M tickets (issue 19).
    return (base.values(key=F(column), timer_metric=F("metric"))
            .annotate(**counts, paused=Coalesce(Sum("paused_seconds"), 0)).order_by())


def _sortable(key) -> tuple:
    return (0, key, "") if isinstance(key, int) else (1, 0, str(key))


def _labels(by: str, keys: set) -> dict:
    from pledgedesk.accounts.models import Agent, AgentGroup, Organisation

    model = {"organisation": Organisation, "group": AgentGroup, "agent": Agent}.get(by)
    if model is None:
        return {}
    return dict(model.objects.filter(pk__in=[k for k in keys if k is not None])
                .values_list("pk", "name"))


class _PercentileDisc(Aggregate):
    """PostgreSQL's nearest-rank percentile: the first value whose cumulative share reaches
    ``fraction``, i.e. the ceil(n * fraction)-th smallest, as the window query below."""

    function = "percentile_disc"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = IntegerField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _percentiles(base: QuerySet[SlaTimer], column: str) -> dict:
    """Median and 90th percentile (nearest rank) of business seconds used by the met and
    breached timers of each (metric, value), where ``percentile_disc`` is missing (SQLite):
    a window query returns two rows per group, not the timers."""
    part = [F("metric"), F(column)]
    ranked = (base.filter(state__in=("met", "breached"))
              .annotate(rn=Window(RowNumber(), partition_by=part,
                                  order_by=[F("used_seconds").asc(), F("id").asc()]),
                        n=Window(Count("id"), partition_by=part))
              .annotate(mid=Ceil(F("n") * Value(0.5, output_field=FloatField())),
                        top=Ceil(F("n") * Value(0.9, output_field=FloatField())))
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


def _promises(*, start: datetime, end: datetime, organisation_id: int | None,
              metrics: set[str]) -> dict:
    """Per metric, whether its targets are goals (RL-5) or commitments, from the distinct
    (policy version, plan, priority) of the period's tickets, each read through its compiled
    policy (the combinations where the metric's target applies)."""
    from pledgedesk.versions.models import PolicyVersion
    from pledgedesk.versions.policies import policy_for

    tickets = tickets_in(start=start, end=end, organisation_id=organisation_id)
    combos = list(tickets.values_list("policy_version_id", "plan", "priority")
                  .distinct().order_by())
    versions = {v.pk: policy_for(v) for v in
                PolicyVersion.objects.filter(pk__in={c[0] for c in combos})}
    kinds: dict[str, set[str]] = {}
    for version_id, plan, priority in combos:
        for metric in metrics:
            target = versions[version_id].target(metric, plan, priority)
            if target is not None and target.applies:
                kinds.setdefault(metric, set()).add(target.promise)
    return {m: (k.pop() if len(k) == 1 else "goals and commitments") for m, k in kinds.items()}
