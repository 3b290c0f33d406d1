"""An organisation's own compliance, in its policy's words (issue 19, "For customers").

The same database aggregate as the console's report, restricted to one organisation: the
caller decides which organisation (its own); nothing here can be asked about another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pledgedesk.policy.compile import Policy
from pledgedesk.reports.selectors import compliance

DAYS = 90


@dataclass(frozen=True)
class Kept:
    metric: str
    metric_label: str
    priority: str
    priority_label: str
    promise: str  # the policy's words for the target, e.g. "1-3 business days"
    is_goal: bool
    measured: int
    kept: int
    breached: int
    excluded: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.kept / self.measured, 1) if self.measured else None


def promises_kept(*, organisation_id: int, plans: list[str], policy: Policy,
                  now: datetime, days: int = DAYS) -> list[Kept]:
    """Per metric and priority: the organisation's measured clocks of tickets received in the
    last ``days`` days, how many promises were kept, broken, and excluded."""
    report = compliance(start=now - timedelta(days=days), end=now, by="priority", now=now,
                        organisation_id=organisation_id)
    metrics = policy.spec.metrics.defined()
    labels = {p.key: p.label for p in policy.priorities}
    plan = next((p for p in plans if p in policy.plan_chains), policy.default_plan)
    out = []
    for row in report.rows:
        target = policy.target(row.metric, plan, str(row.key))
        spec = metrics.get(row.metric)
        out.append(Kept(
            metric=row.metric, metric_label=spec.label if spec else row.metric,
            priority=str(row.key), priority_label=labels.get(row.key, str(row.key)),
            promise=target.describe() if target else "", is_goal=bool(target and target.is_goal),
            measured=row.measured, kept=row.met, breached=row.breached, excluded=row.excluded))
    return out
