"""What the policy says about Professional Services, read in one place (issue 17)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pledgedesk.accounts.models import Organisation
from pledgedesk.errors import InvalidInput
from pledgedesk.policy.compile import Policy
from pledgedesk.policy.schema import EngagementSpec, TeamSpec
from pledgedesk.versions.policies import policy_in_force


@dataclass(frozen=True)
class BankTerms:
    team: str
    spec: TeamSpec

    @property
    def tiers(self) -> dict[str, int]:
        return {t.name: t.hours for t in self.spec.hour_banks}

    def line(self, minutes_bought: int) -> int | None:
        """The balance below which the primary contact is told to replenish (RK-10: 20 %)."""
        below = self.spec.replenish_below
        return None if below is None else round(minutes_bought * below)


def policy_of(org: Organisation, *, now: datetime) -> Policy:
    return policy_in_force(org.policy_key, now=now)[1]


def bank_terms(policy: Policy) -> BankTerms | None:
    """The paid team that sells hour banks under ``policy``, if any (RK-10)."""
    for key, team in policy.spec.teams.items():
        if team.hour_banks:
            return BankTerms(key, team)
    return None


def bank_terms_required(policy: Policy) -> BankTerms:
    terms = bank_terms(policy)
    if terms is None:
        raise InvalidInput(f"the policy {policy.name!r} sells no hour banks",
                           field="organisation")
    return terms


def engagement_spec(policy: Policy) -> EngagementSpec:
    spec = policy.spec.engagements
    if spec is None:
        raise InvalidInput(f"the policy {policy.name!r} has no engagement pipeline",
                           field="organisation")
    return spec


def courtesy_limit(policy: Policy) -> int | None:
    """RK-11: the typical most minutes of courtesy work on one ticket."""
    courtesy = policy.spec.scope.courtesy
    return None if courtesy is None else courtesy.typical_minutes


def term_end(starts_on: date, months: int) -> date:
    month = starts_on.month - 1 + months
    year, month = starts_on.year + month // 12, month % 12 + 1
    day = min(starts_on.day, 28)  # a term bought on the 31st ends on a day every month has
    return date(year, month, day)
