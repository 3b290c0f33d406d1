"""The support policy file, as typed models (pydantic v2).

Every model forbids unknown keys (a typo is an error, never silently ignored) and is frozen.
This module checks what one value can check on its own; references between sections
(unknown calendar, missing target, two defaults, cycles, impossible targets) are checked in
:mod:`pledgedesk.policy.validate`, so every problem is reported with its key path at once.

Tables keyed by name keep the file's order (``priorities`` are listed highest first).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from pledgedesk.policy.durations import parse_clock, parse_duration, parse_window

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHANNEL_KEYS = ("portal", "email", "voicemail", "hotline", "chat", "widget", "api")
METRIC_KEYS = ("assignment", "first_response", "follow_up", "resolution")
STATUS_CATEGORIES = ("new", "open", "pending", "on_hold", "solved", "closed")
ORGANISATION = "organisation"
# What a deployment may lack (``pledgedesk.policy.deployment``): a plan ``needs`` them.
FEATURE_KEYS = ("widget", "chat", "knowledge_base", "votes", "paging", "hour_banks")

MetricKey = Literal["assignment", "first_response", "follow_up", "resolution"]
ChannelKey = Literal["portal", "email", "voicemail", "hotline", "chat", "widget", "api"]
Key = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")]
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Text = Annotated[str, Field(min_length=1)]
Feature = Literal["widget", "chat", "knowledge_base", "votes", "paging", "hour_banks"]
# ``choice``: shown to customers as a numbered note, in their language, wherever a value is the
# support team's own choice rather than the source document's word (issue 21). ``note`` stays
# for the file's authors and is never shown.
Choice = Annotated[str | None, Field(default=None, min_length=1)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- policy metadata -----------------------------------------------------------------------


class Resource(Model):
    """A self-help resource customers are pointed to (RK-12, PR-7)."""

    kind: Literal["knowledge_base", "video_library", "community_forum", "training"]
    label: Text
    url: str | None = None
    description: str | None = None
    votes: bool = False  # RL-12: each article asks "Was this article helpful?"


# The one order the queue works in (RK-8, RT-4, FG-6): its keyset index is (priority rank,
# time received, id), and one agent's queue holds tickets under several policies, so a policy
# cannot choose another. A file may state it (three seeds do) but cannot ask for another.
QUEUE_ORDER = ("priority", "received")


class PolicyMeta(Model):
    name: Text
    version: Text
    effective: date
    contact: str | None = None
    summary: Text
    hours_calendar: Key
    queue_order: tuple[Literal["priority", "received"], ...] = QUEUE_ORDER
    targets_are: Literal["commitments", "goals"] = "commitments"
    targets_note: str | None = None
    agents_may_make_exceptions: bool = False
    changes_announced_on: tuple[Text, ...] = ()
    reserves_right_to_change: bool = False      # PR-9
    # PR-9 (issue 18): how many days the portal's banner announces a published version after
    # it takes effect; a version is announced when ``changes_announced_on`` names somewhere.
    announce_days: int = Field(default=14, ge=1, le=365)
    resources: tuple[Resource, ...] = ()
    terms: tuple[Text, ...] = ()                # RL: no refunds, storage charges; FG: nights

    @field_validator("queue_order")
    @classmethod
    def _queue_order(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if tuple(value) != QUEUE_ORDER:
            raise ValueError(
                'must be ["priority", "received"]: the queue works tickets by priority, then in '
                "the order received (one order for every policy, since one queue holds tickets "
                "under several policies)")
        return value


# --- calendars -----------------------------------------------------------------------------


class HolidaySet(Model):
    """Which public holidays close a calendar: a named country/subdivision set, or the
    organisation's own country and subdivision (FG-1, PR-3)."""

    source: Literal["fixed", "organisation"] = "fixed"
    country: str | None = None
    subdiv: str | None = None
    include: tuple[Text, ...] | None = None
    exclude: tuple[Text, ...] = ()
    categories: tuple[Text, ...] = ("public",)
    observed: bool = True
    label: str | None = None  # what customers call the set: "Canadian national holidays"
    choice: Choice
    note: str | None = None

    @model_validator(mode="after")
    def _source(self) -> HolidaySet:
        if self.source == "fixed" and not self.country:
            raise ValueError("a fixed holiday set names its country (e.g. country = \"US\")")
        if self.source == "organisation" and (self.country or self.subdiv):
            raise ValueError("source = \"organisation\" takes the country from the organisation; "
                             "remove country/subdiv")
        return self


def _day_range(key: str) -> tuple[str, ...]:
    if "-" in key:
        first, last = key.split("-", 1)
        if first not in DAY_NAMES or last not in DAY_NAMES:
            raise ValueError(f"unknown day range {key!r}: use mon..sun, e.g. \"mon-fri\"")
        i, j = DAY_NAMES.index(first), DAY_NAMES.index(last)
        if j < i:
            raise ValueError(f"day range {key!r} runs backwards")
        return DAY_NAMES[i : j + 1]
    if key not in DAY_NAMES:
        raise ValueError(f"unknown day {key!r}: use mon, tue, wed, thu, fri, sat, sun or a range")
    return (key,)


class CalendarSpec(Model):
    """A named business calendar. ``timezone = "organisation"`` means each customer
    organisation's own zone (FG-1, PR-3)."""

    label: Text
    description: str | None = None
    timezone: Text
    always_open: bool = False
    weekly: dict[str, tuple[str, ...]] = {}
    holidays: HolidaySet | None = None
    closed: tuple[date, ...] = ()
    # False: a calendar that only counts time for targets (PR-2's whole business days), which
    # the page never lists as hours someone is at work.
    staffed: bool = True
    choice: Choice
    note: str | None = None

    @field_validator("weekly")
    @classmethod
    def _weekly(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        seen: set[str] = set()
        for key, windows in value.items():
            for day in _day_range(key):
                if day in seen:
                    raise ValueError(f"day {day!r} is given twice (in {key!r})")
                seen.add(day)
            for window in windows:
                parse_window(window)
        return value

    @model_validator(mode="after")
    def _shape(self) -> CalendarSpec:
        if self.always_open and (self.weekly or self.holidays or self.closed):
            raise ValueError("an always_open calendar has no weekly hours, holidays or closures")
        return self

    def weekly_by_day(self) -> dict[str, list[tuple[str, str]]]:
        days: dict[str, list[tuple[str, str]]] = {}
        for key, windows in self.weekly.items():
            for day in _day_range(key):
                days[day] = [parse_window(w) for w in windows]
        return {day: days[day] for day in DAY_NAMES if days.get(day)}


# --- priorities, channels, plans -------------------------------------------------------------


class PrioritySpec(Model):
    label: Text
    colour: Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
    description: Text
    default: bool = False
    plans: tuple[Key, ...] | None = None
    choice: Choice


class ChannelSpec(Model):
    """A way in. ``sets_priority = false``: the default priority applies (FG-3);
    ``priority`` fixes one (the 24x7 hotline is for production outages: FG-8); ``fields`` is
    what a request through it carries (RK-1, FG-2)."""

    label: Text
    description: str = ""
    address: str | None = None
    sets_priority: bool = True
    priority: Key | None = None
    plans: tuple[Key, ...] | None = None
    identifies_requester: bool = True
    fields: tuple[Text, ...] = ()
    # email only: a directory of mail templates, relative to the policy directory; a file it
    # lacks falls back to the desk's default (channels.outbound_render)
    templates: str | None = None

    @field_validator("templates")
    @classmethod
    def _templates(cls, value: str | None) -> str | None:
        if value is not None and not _TEMPLATE_DIR.match(value):
            raise ValueError(f"{value!r} is not a directory under the policy directory: use "
                             "names of letters, digits, '-' and '_' joined by '/'")
        return value


_TEMPLATE_DIR = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*$")


class Channels(Model):
    no_phone_support: bool = False  # RK-1: "We do not provide phone support"
    portal: ChannelSpec | None = None
    email: ChannelSpec | None = None
    voicemail: ChannelSpec | None = None
    hotline: ChannelSpec | None = None
    chat: ChannelSpec | None = None
    widget: ChannelSpec | None = None
    api: ChannelSpec | None = None

    def offered(self) -> dict[str, ChannelSpec]:
        return {key: spec for key in CHANNEL_KEYS if (spec := getattr(self, key)) is not None}

    @model_validator(mode="after")
    def _templates_for_email_only(self) -> Channels:
        for key, spec in self.offered().items():
            assert key == "email" or spec.templates is None, (
                f"{key}.templates: only the email channel sends mail from templates")
        return self


_CUTOFF = re.compile(r"^\d\d:\d\d$")


class Target(Model):
    """One SLA target. Exactly one of: ``business`` (a business duration, or a [goal, limit]
    range), ``business_days`` (N, or [goal, limit]), ``cutoff`` (RK-6 same-day rule), or
    ``none = true`` (the metric does not apply: RK-3 BLUE, RT-1 Normal)."""

    business: tuple[Duration, Duration] | None = None
    business_days: tuple[int, int] | None = None
    cutoff: str | None = None
    cutoff_timezone: str | None = None
    none: bool = False
    calendar: Key | None = None
    # A goal is what the team aims for ("every effort", "typically", "strive"); a commitment is
    # what it guarantees. Left out: the policy's ``targets_are``.
    promise: Literal["goal", "commitment"] | None = None
    choice: Choice
    note: str | None = None

    @field_validator("business", mode="before")
    @classmethod
    def _business(cls, value: object) -> object:
        return [value, value] if isinstance(value, str) else value

    @field_validator("business_days", mode="before")
    @classmethod
    def _days(cls, value: object) -> object:
        return [value, value] if isinstance(value, int) else value

    @field_validator("cutoff")
    @classmethod
    def _cutoff(cls, value: str | None) -> str | None:
        if value is not None:
            parse_clock(value)
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Target:
        kinds = [k for k in ("business", "business_days", "cutoff") if getattr(self, k) is not None]
        if self.none:
            kinds.append("none")
        if len(kinds) != 1:
            raise ValueError("a target is exactly one of business, business_days, cutoff or "
                             f"none = true (found {', '.join(kinds) or 'none of them'})")
        if self.business and self.business[0] > self.business[1]:
            raise ValueError("a [goal, limit] range needs goal <= limit")
        if self.business_days:
            goal, limit = self.business_days
            if goal < 1 or goal > limit:
                raise ValueError("business_days needs 1 <= goal <= limit")
        if self.none and self.calendar:
            raise ValueError("a target with none = true has no calendar")
        if self.cutoff_timezone and not self.cutoff:
            raise ValueError("cutoff_timezone only goes with cutoff")
        return self

    @property
    def kind(self) -> str:
        if self.none:
            return "none"
        return next(k for k in ("business", "business_days", "cutoff") if getattr(self, k))


class MetricTargets(Model):
    assignment: dict[Key, Target] | None = None
    first_response: dict[Key, Target] | None = None
    follow_up: dict[Key, Target] | None = None
    resolution: dict[Key, Target] | None = None


class PagingSpec(Model):
    """After-hours paging of the on-call engineer (FG-8, FG-11)."""

    outside: Key
    priorities: tuple[Key, ...]
    channels: tuple[ChannelKey, ...]
    covers: Text
    rotation: str | None = None


class PlanSpec(Model):
    label: Text
    description: Text
    default: bool = False
    extends: Key | None = None
    targets: MetricTargets = MetricTargets()
    paging: PagingSpec | None = None
    benefits: tuple[Text, ...] = ()
    contact: str | None = None  # PR-5: where to ask about the plan
    needs: tuple[Feature, ...] = ()  # the page leaves the plan out on a desk without them
    note: str | None = None


# --- SLA metrics, statuses, exclusions -------------------------------------------------------


class MetricSpec(Model):
    label: Text
    description: Text
    calendar: Key
    warn_before: Duration | None = None
    targets: dict[Key, Target]


class Metrics(Model):
    assignment: MetricSpec | None = None
    first_response: MetricSpec | None = None
    follow_up: MetricSpec | None = None
    resolution: MetricSpec | None = None

    def defined(self) -> dict[str, MetricSpec]:
        return {key: spec for key in METRIC_KEYS if (spec := getattr(self, key)) is not None}


class StatusSpec(Model):
    label: Text
    description: Text
    category: Literal["new", "open", "pending", "on_hold", "solved", "closed"]
    pauses: tuple[MetricKey, ...] = ()
    customer_reply_moves_to: Key | None = None
    # Moves an agent's action makes from this status, by name (``STATUS_MOVES``); unnamed
    # ones follow the categories: New -> Open on the first public reply or an assignment,
    # any open status -> Pending on a reply that asks the customer (``Policy.status_after``).
    moves_to: dict[Literal["agent_reply", "assignment", "asking_customer"], Key] = {}
    choice: Choice


class ExclusionSpec(Model):
    """A reason that takes a ticket out of a target without breaching it (RK-4)."""

    label: Text
    description: Text
    metrics: tuple[MetricKey, ...] = ("resolution",)


# --- intake, scope, teams ----------------------------------------------------------------------


class TitleMarker(Model):
    """A marker in the title that routes the ticket to a team (RK-10)."""

    contains: Text
    team: Key


class IntakeSpec(Model):
    who_may_open: Literal["any_contact", "administrators", "authorised_personnel"]
    description: str | None = None
    flag_without_administrator: bool = False
    without_administrator_exclusion: Key | None = None
    no_administrator_exclusion: Key | None = None
    access_granted_by: str | None = None
    temporary_access_confirmed_by: str | None = None
    verify_identity_for: tuple[Text, ...] = ()
    support_lead_may_ban: bool = False
    refuse: tuple[Text, ...] = ()
    unlimited_tickets: bool = False
    title_markers: tuple[TitleMarker, ...] = ()
    feature_requests_to: Key | None = None
    calls_logged: bool = False
    requirements: tuple[Text, ...] = ()      # RT: onboarding training is required
    discretion_of: str | None = None         # RL-7: who decides bans and refusals
    agents_may_change_priority: bool = False  # FG-5
    submit_any_time: bool = False            # FG: tickets may be submitted 24 hours a day


class OutOfScope(Model):
    topic: Text
    route: Key | None = None
    except_plans: tuple[Key, ...] = ()


class CourtesySpec(Model):
    """Discretionary courtesy work (RK-11)."""

    description: Text
    typical_minutes: int = Field(gt=0)
    best_effort: bool = True


class ScopeSpec(Model):
    description: Text
    in_scope: tuple[Text, ...]
    out_of_scope: tuple[OutOfScope, ...] = ()
    not_responsible_for: tuple[Text, ...] = ()  # RL: what support is never responsible for
    courtesy: CourtesySpec | None = None


class HourBankTier(Model):
    name: Text
    hours: int = Field(gt=0)


class TeamSpec(Model):
    label: Text
    description: Text
    paid: bool = False
    escalates_to: Key | None = None
    hour_banks: tuple[HourBankTier, ...] = ()
    replenish_below: float | None = Field(default=None, gt=0, lt=1)
    # RK-10 (issue 17): how long a bought bank runs, what billable time does once it is empty
    # ("refuse": not logged; "allow_and_flag": logged, the bank goes negative and is flagged)
    # and what is left at the end of the term ("expire": forfeited; "carry_over": kept).
    term_months: int | None = Field(default=None, gt=0, le=120)
    at_zero: Literal["refuse", "allow_and_flag"] = "allow_and_flag"
    at_term_end: Literal["expire", "carry_over"] = "expire"
    process: tuple[Text, ...] = ()


class EscalationSpec(Model):
    """Customer-requested escalation (PR-6)."""

    customer_may_request: bool
    reviewer: Text
    description: Text


class DefectSpec(Model):
    """RK-5: a suspected defect goes to ``team``; without a workaround the ticket goes to
    ``without_workaround_status`` while the defect is escalated, and the customer is told."""

    team: Key
    without_workaround_status: Key
    priority: Text | None = None          # the defect's own priority without a workaround
    customer_message: Text | None = None  # what the customer is told then, in the policy's words


class StageSpec(Model):
    """One stage of the engagement pipeline (FG-12). ``required``: no later stage may be
    reached without passing it; ``needs``: what moving into it must record."""

    key: Key
    label: Text
    required: bool = False
    needs: tuple[Literal["document", "po_number", "project_manager", "engineer", "meeting_at",
                         "scheduled_at"], ...] = ()
    customer_may: bool = False  # the customer's primary contact may make this move (portal)


class EngagementSpec(Model):
    """Professional Services engagements (FG-12): their kinds and their stages, in order."""

    team: Key
    kinds: tuple[Key, ...] = Field(min_length=1)
    stages: tuple[StageSpec, ...] = Field(min_length=2)


# --- escalation chains (issue 15) -------------------------------------------------------------

# Who a chain step tells or hands the ticket to (``pledgedesk.automation.chains`` resolves them).
Recipient = Literal["assignee", "group_lead", "account_manager", "dedicated_representative",
                    "senior_technician", "support_lead"]
STEP_ACTIONS = ("notify", "notify_on_call", "notify_group", "webhook", "reassign",
                "raise_priority", "page", "update_customer")
TICKET_GROUP = "ticket_group"  # notify_group: the group the ticket is in


class Reassign(Model):
    """Hand the ticket to a person (``to``) or to a team's group (``team``): exactly one."""

    to: Recipient | None = None
    team: Key | None = None

    @model_validator(mode="after")
    def _one(self) -> Reassign:
        if (self.to is None) == (self.team is None):
            raise ValueError("reassign is exactly one of to = \"<person>\" or team = \"<team>\"")
        return self


class ChainStep(Model):
    """One step of an escalation chain, shaped like Grafana OnCall's: exactly one of ``wait``,
    an action, or ``repeat`` (the last step: the steps before it run again, at most 5 times).
    ``hours``: ``"business"`` (a wait counts business time and an action waits for the next
    opening of the chain's calendar) or ``"24x7"``; left out, the chain's."""

    wait: Duration | None = None
    notify: tuple[Recipient, ...] | None = Field(default=None, min_length=1)
    notify_on_call: Text | None = None      # a schedule's name, or "policy": who is on call
    notify_group: Key | None = None         # a team's group, or "ticket_group"
    webhook: bool = False                   # the escalation.step event to webhook subscribers
    reassign: Reassign | None = None
    raise_priority: Key | None = None       # up to this priority; never lowers one
    page: bool = False                      # the on-call engineer is paged (FG-8, FG-11)
    update_customer: Text | None = None     # PR-10: the policy's own words, once per cycle
    repeat: int | None = Field(default=None, ge=1, le=5)
    hours: Literal["business", "24x7"] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ChainStep:
        kinds = [k for k in ("wait", "repeat", *STEP_ACTIONS)
                 if getattr(self, k) not in (None, False)]
        if len(kinds) != 1:
            raise ValueError("a step is exactly one of wait, repeat, " + ", ".join(STEP_ACTIONS)
                             + f" (found {', '.join(kinds) or 'none of them'})")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("wait", "repeat", *STEP_ACTIONS)
                    if getattr(self, k) not in (None, False))


class ChainSpec(Model):
    """What happens when a ticket's ``metric`` reaches its warning or breach (``on``), for the
    ``priorities`` and ``plans`` named (left out: all; a plan also matches the plans extending
    it). Every chain that matches runs. ``calendar``: the business hours its steps follow
    (left out: the policy's ``hours_calendar``). ``customer_summary``: what the policy page
    tells customers about it; a chain without one is internal."""

    label: Text
    metric: MetricKey
    on: Literal["warning", "breach"]
    priorities: tuple[Key, ...] | None = None
    plans: tuple[Key, ...] | None = None
    hours: Literal["business", "24x7"] = "business"
    calendar: Key | None = None
    steps: tuple[ChainStep, ...] = Field(min_length=1)
    customer_summary: Text | None = None
    note: str | None = None


class PolicyFile(Model):
    policy: PolicyMeta
    calendars: dict[Key, CalendarSpec]
    priorities: dict[Key, PrioritySpec]
    channels: Channels
    plans: dict[Key, PlanSpec]
    metrics: Metrics
    statuses: dict[Key, StatusSpec]
    exclusions: dict[Key, ExclusionSpec] = {}
    intake: IntakeSpec
    scope: ScopeSpec
    teams: dict[Key, TeamSpec] = {}
    escalation: EscalationSpec | None = None
    defects: DefectSpec | None = None
    engagements: EngagementSpec | None = None
    escalation_chains: dict[Key, ChainSpec] = {}
