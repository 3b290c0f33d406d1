"""What a policy promises about Professional Services, defects, feature requests and exceptions,
gathered for the customer's policy page (issue 17: RK-5, RK-10, RK-11, FG-12, RL-8, RL-11).

Pure: it reads a compiled ``Policy`` and imports no Django. The words are the policy's own
(labels, descriptions, the message a customer is given); only its enumerated choices (what
happens at zero and at the end of a term) are put into sentences here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pledgedesk.policy.compile import Policy

AT_ZERO = {
    "refuse": "Once the balance reaches zero, no more billable time is drawn from it until you "
              "replenish it.",
    "allow_and_flag": "Once the balance reaches zero, work goes on: the time is still recorded, "
                      "the balance goes below zero and your account is flagged for "
                      "replenishment.",
}
AT_TERM_END = {
    "expire": "Hours not used by the end of the term expire.",
    "carry_over": "Hours not used by the end of the term carry over: they are drawn first.",
}
DEFECT_EXCLUSION = "product_defect"
NEEDS = {"document": "a document", "po_number": "a purchase order number",
         "project_manager": "a project manager", "engineer": "a dedicated engineer",
         "meeting_at": "a meeting date and time", "scheduled_at": "a scheduled date"}


@dataclass(frozen=True)
class HourBanks:  # RK-10
    team: str
    description: str
    tiers: tuple[tuple[str, int], ...]
    term_months: int | None
    replenish_percent: int | None
    at_zero: str
    at_term_end: str
    marker: str | None  # the title marker that opens a case with this team


@dataclass(frozen=True)
class Courtesy:  # RK-11
    description: str
    typical_minutes: int
    best_effort: bool


@dataclass(frozen=True)
class Stage:
    label: str
    required: bool
    customer_may: bool
    needs: tuple[str, ...]


@dataclass(frozen=True)
class Pipeline:  # FG-12
    team: str
    description: str
    kinds: tuple[str, ...]
    process: tuple[str, ...]
    stages: tuple[Stage, ...]


@dataclass(frozen=True)
class DefectPath:  # RK-5
    team: str
    team_description: str
    status: str
    priority: str | None
    customer_message: str | None
    exclusion: str | None  # RK-4: the exclusion's own description, when the policy has it


@dataclass(frozen=True)
class Terms:
    hour_banks: HourBanks | None
    courtesy: Courtesy | None
    pipeline: Pipeline | None
    defects: DefectPath | None
    feature_requests_to: str | None  # RL-8: the owning team's label
    exceptions: bool                 # RL-11

    @property
    def any(self) -> bool:
        return any((self.hour_banks, self.courtesy, self.pipeline, self.defects,
                    self.feature_requests_to, self.exceptions))


def terms_of(policy: Policy) -> Terms:
    spec = policy.spec
    courtesy = spec.scope.courtesy
    return Terms(
        hour_banks=_hour_banks(policy), pipeline=_pipeline(policy), defects=_defects(policy),
        courtesy=Courtesy(courtesy.description, courtesy.typical_minutes, courtesy.best_effort)
        if courtesy is not None else None,
        feature_requests_to=_team_label(policy, spec.intake.feature_requests_to)
        if spec.intake.feature_requests_to else None,
        exceptions=spec.policy.agents_may_make_exceptions)


def _team_label(policy: Policy, key: str) -> str:
    team = policy.spec.teams.get(key)
    return team.label if team is not None else key.replace("_", " ")


def _hour_banks(policy: Policy) -> HourBanks | None:
    found = next(((k, t) for k, t in policy.spec.teams.items() if t.hour_banks), None)
    if found is None:
        return None
    key, team = found
    marker = next((m.contains for m in policy.spec.intake.title_markers if m.team == key), None)
    below = team.replenish_below
    return HourBanks(
        team=team.label, description=team.description,
        tiers=tuple((t.name, t.hours) for t in team.hour_banks), term_months=team.term_months,
        replenish_percent=round(below * 100) if below is not None else None,
        at_zero=AT_ZERO[team.at_zero], at_term_end=AT_TERM_END[team.at_term_end],
        marker=marker)


def _pipeline(policy: Policy) -> Pipeline | None:
    spec = policy.spec.engagements
    if spec is None:
        return None
    team = policy.spec.teams.get(spec.team)
    return Pipeline(
        team=_team_label(policy, spec.team), description=team.description if team else "",
        kinds=tuple(k.replace("_", " ") for k in spec.kinds),
        process=team.process if team else (),
        stages=tuple(Stage(s.label, s.required, s.customer_may,
                           tuple(NEEDS[n] for n in s.needs)) for s in spec.stages))


def _defects(policy: Policy) -> DefectPath | None:
    spec = policy.spec.defects
    if spec is None:
        return None
    team = policy.spec.teams.get(spec.team)
    status = policy.statuses.get(spec.without_workaround_status)
    excluded = policy.spec.exclusions.get(DEFECT_EXCLUSION)
    return DefectPath(
        team=_team_label(policy, spec.team), team_description=team.description if team else "",
        status=status.label if status else spec.without_workaround_status,
        priority=spec.priority, customer_message=spec.customer_message,
        exclusion=excluded.description if excluded is not None else None)
