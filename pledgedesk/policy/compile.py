"""A validated policy file compiled into the plain runtime objects the SLA engine and the
Django side use. Nothing here parses TOML; nothing outside this package reads the schema for
behaviour (rendering reads its prose).

Calendars: a named calendar is a :class:`CalendarRecipe`. A fixed one builds the same
:class:`~pledgedesk.calendar.Calendar` every time; one declared with
``timezone = "organisation"`` and/or ``holidays = { source = "organisation" }`` needs the
customer organisation's :class:`Location` (FG-1, PR-3). Built calendars are cached by value.

Plans: a plan may ``extends`` another; a target, paging rule or priority grant is looked up
on the plan first, then on each plan it extends, then on the metric's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType

from pledgedesk.calendar import Calendar, HolidaySpec
from pledgedesk.policy.durations import format_duration
from pledgedesk.policy.errors import PolicyInputError
from pledgedesk.policy.escalation import EscalationChain, compile_chains
from pledgedesk.policy.schema import ORGANISATION, PagingSpec, PolicyFile, StatusSpec, Target


@dataclass(frozen=True)
class Location:
    """Where a customer organisation is: its IANA zone and its holiday country/subdivision."""

    timezone: str | None = None
    country: str | None = None
    subdiv: str | None = None


@dataclass(frozen=True)
class CalendarRecipe:
    """Everything needed to build one named calendar, hashable so builds are cached."""

    name: str
    timezone: str
    always_open: bool
    weekly: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    holiday_source: str | None
    country: str | None
    subdiv: str | None
    include: tuple[str, ...] | None
    exclude: tuple[str, ...]
    categories: tuple[str, ...]
    observed: bool
    closed: tuple[date, ...]
    # Built calendars by (zone, country, subdivision): hashing the whole recipe for the shared
    # cache below on every ticket cost more than evaluating the ticket's timers.
    _built: dict = field(default_factory=dict, init=False, compare=False, hash=False,
                         repr=False)

    @property
    def needs_timezone(self) -> bool:
        return self.timezone == ORGANISATION

    @property
    def needs_country(self) -> bool:
        return self.holiday_source == ORGANISATION

    def build(self, location: Location | None = None) -> Calendar:
        location = location or Location()
        tz = self.timezone
        if self.needs_timezone:
            if not location.timezone:
                raise PolicyInputError(
                    f"calendar {self.name!r} runs in the organisation's own time zone: "
                    "give --timezone (an IANA zone such as America/Chicago)")
            tz = location.timezone
        country, subdiv = self.country, self.subdiv
        if self.needs_country:
            if not location.country:
                raise PolicyInputError(
                    f"calendar {self.name!r} uses the organisation's own public holidays: "
                    "give --country (CC or CC-SUBDIV, e.g. CA-ON)")
            country, subdiv = location.country, location.subdiv
        key = (tz, country, subdiv)
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = _build_calendar(self, tz, country, subdiv)
        return built


@lru_cache(maxsize=512)
def _build_calendar(recipe: CalendarRecipe, tz: str, country: str | None,
                    subdiv: str | None) -> Calendar:
    if recipe.always_open:
        return Calendar.always_open(tz=tz)
    holidays = None
    if recipe.holiday_source is not None and country:
        holidays = HolidaySpec(country=country, subdiv=subdiv, include=recipe.include,
                               exclude=recipe.exclude, categories=recipe.categories,
                               observed=recipe.observed)
    return Calendar(tz=tz, weekly={day: list(windows) for day, windows in recipe.weekly},
                    holidays=holidays, closed=list(recipe.closed))


@dataclass(frozen=True)
class Priority:
    key: str
    label: str
    colour: str
    description: str
    rank: int
    default: bool
    plans: tuple[str, ...] | None


@dataclass(frozen=True)
class ResolvedTarget:
    """The target one (metric, plan, priority) gets, and where it came from (frappe#1651)."""

    metric: str
    plan: str
    priority: str
    kind: str  # business | business_days | cutoff | none
    calendar: str | None
    goal: timedelta | int | None
    limit: timedelta | int | None
    cutoff: str | None
    cutoff_timezone: str | None
    source: str
    # "goal" or "commitment" (the target's ``promise``, else the policy's ``targets_are``): how
    # the page and SLA reports label it. ``choice``: the team's note when the value is theirs.
    promise: str = "commitment"
    choice: str | None = None

    @property
    def applies(self) -> bool:
        return self.kind != "none"

    @property
    def is_goal(self) -> bool:
        return self.promise == "goal"

    @property
    def is_range(self) -> bool:
        return self.kind in ("business", "business_days") and self.goal != self.limit

    def describe(self) -> str:
        if self.kind == "none":
            return "no target"
        if self.kind == "cutoff":
            return f"cutoff {self.cutoff}"
        if self.kind == "business":
            assert isinstance(self.goal, timedelta) and isinstance(self.limit, timedelta)
            if self.goal == self.limit:
                return f"{format_duration(self.limit)} business time"
            return f"{format_duration(self.goal)}-{format_duration(self.limit)} business time"
        if self.goal == self.limit:
            return f"{self.limit} business day{'s' if self.limit != 1 else ''}"
        return f"{self.goal}-{self.limit} business days"


@dataclass(frozen=True)
class Intake:
    priority: str
    notes: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Policy:
    """A compiled support policy. ``key`` is the file's stem (``crm-severity-colours``)."""

    key: str
    spec: PolicyFile
    calendars: Mapping[str, CalendarRecipe]
    priorities: tuple[Priority, ...]
    plan_chains: Mapping[str, tuple[str, ...]]
    metric_keys: tuple[str, ...]
    statuses: Mapping[str, StatusSpec]
    _targets: Mapping[tuple[str, str, str], ResolvedTarget] = field(repr=False)
    escalation_chains: tuple[EscalationChain, ...] = ()

    # -- lookups -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.spec.policy.name

    @property
    def version(self) -> str:
        return self.spec.policy.version

    @property
    def default_priority(self) -> str:
        return next(p.key for p in self.priorities if p.default)

    @property
    def default_plan(self) -> str:
        return next(key for key, plan in self.spec.plans.items() if plan.default)

    @property
    def exclusion_reasons(self) -> tuple[str, ...]:
        return tuple(self.spec.exclusions)

    def priority(self, key: str) -> Priority:
        for priority in self.priorities:
            if priority.key == key:
                return priority
        raise PolicyInputError(
            f"unknown priority {key!r}; this policy has {', '.join(self.priority_keys)}")

    @property
    def priority_keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.priorities)

    def check_plan(self, plan: str) -> str:
        if plan not in self.plan_chains:
            raise PolicyInputError(
                f"unknown plan {plan!r}; this policy has {', '.join(self.plan_chains)}")
        return plan

    def check_channel(self, channel: str) -> str:
        offered = self.spec.channels.offered()
        if channel not in offered:
            raise PolicyInputError(
                f"unknown channel {channel!r}; this policy offers {', '.join(offered)}")
        return channel

    def calendar(self, name: str, location: Location | None = None) -> Calendar:
        return self.calendars[name].build(location)

    def status(self, key: str) -> StatusSpec:
        if key not in self.statuses:
            raise PolicyInputError(
                f"unknown status {key!r}; this policy has {', '.join(self.statuses)}")
        return self.statuses[key]

    def status_of_category(self, category: str) -> str:
        return next(key for key, spec in self.statuses.items() if spec.category == category)

    def status_after(self, status: str, move: str) -> str:
        """The status an agent's ``move`` leaves a ticket in ``status`` in: the status's
        ``moves_to`` names it, else its meaning: the first public reply or an assignment opens
        a New ticket; a reply asking the customer makes an open one Pending. Else unchanged."""
        spec = self.status(status)
        if move in spec.moves_to:
            return spec.moves_to[move]
        wanted = {"agent_reply": ("new", "open"), "assignment": ("new", "open")}.get(move)
        if move == "asking_customer" and spec.category in ("new", "open", "on_hold"):
            wanted = (spec.category, "pending")
        if wanted is None or spec.category != wanted[0]:
            return status
        return next((k for k, s in self.statuses.items() if s.category == wanted[1]), status)

    def target(self, metric: str, plan: str, priority: str) -> ResolvedTarget | None:
        """The target for ``metric``; None when the policy does not define the metric."""
        return self._targets.get((metric, plan, priority))

    def chains_for(self, *, metric: str, on: str, plan: str,
                   priority: str) -> tuple[EscalationChain, ...]:
        """The escalation chains that run when ``metric`` reaches its ``on`` ("warning" or
        "breach") on a ticket of ``plan`` and ``priority``: every one that matches."""
        chain = self.plan_chains.get(plan, (plan,))
        return tuple(c for c in self.escalation_chains
                     if c.matches(metric=metric, on=on, plan_chain=chain, priority=priority))

    # -- intake ---------------------------------------------------------------------------
    def priority_allowed(self, plan: str, priority: str) -> bool:
        """RL-4: a priority limited to some plans is allowed on them and plans extending them."""
        allowed = self.priority(priority).plans
        return allowed is None or any(p in allowed for p in self.plan_chains[plan])

    def intake(self, *, channel: str, plan: str, requested: str | None) -> Intake:
        """The priority a new ticket actually gets (FG-3, FG-8, RL-4), with the reasons."""
        self.check_channel(channel)
        self.check_plan(plan)
        spec = self.spec.channels.offered()[channel]
        notes: list[str] = []
        priority = self.default_priority
        if requested is not None:
            self.priority(requested)
        if spec.priority is not None:
            priority = spec.priority
            if requested is not None and requested != spec.priority:
                notes.append(f"channel {channel} always opens {spec.priority} tickets; "
                             f"requested priority {requested} not applied")
        elif requested is not None:
            if spec.sets_priority:
                priority = requested
            elif requested != priority:
                notes.append(f"channel {channel} cannot set a priority; the default "
                             f"{priority} applies instead of {requested}")
        if not self.priority_allowed(plan, priority):
            fallback = self.default_priority
            notes.append(f"priority {priority} is only for plans "
                         f"{', '.join(self.priority(priority).plans or ())}; plan {plan} "
                         f"gets {fallback}")
            priority = fallback
        if spec.plans is not None and not any(p in spec.plans for p in self.plan_chains[plan]):
            notes.append(f"channel {channel} is only for plans {', '.join(spec.plans)}")
        return Intake(priority=priority, notes=tuple(notes))

    def intake_exclusions(self, *, administrator_included: bool,
                          organisation_has_administrator: bool) -> tuple[str, ...]:
        """RK-2: the exclusion reasons a new ticket gets when it is flagged for coming without
        the organisation's Administrator, or from an organisation that has none."""
        intake = self.spec.intake
        if not intake.flag_without_administrator:
            return ()
        if not organisation_has_administrator:
            return tuple(r for r in (intake.no_administrator_exclusion,) if r)
        if not administrator_included:
            return tuple(r for r in (intake.without_administrator_exclusion,) if r)
        return ()

    def needs_account_lookup(self, channel: str) -> bool:
        """FG-4: a ticket from this channel knows only a phone number until an agent looks
        the account up."""
        self.check_channel(channel)
        return not self.spec.channels.offered()[channel].identifies_requester

    def paging_plan(self, plan: str) -> PagingSpec | None:
        for key in self.plan_chains[plan]:
            if self.spec.plans[key].paging is not None:
                return self.spec.plans[key].paging
        return None

    def page_on_call(self, *, plan: str, priority: str, channel: str, at: datetime,
                     location: Location | None = None) -> bool:
        """FG-8: page only when the plan grants after-hours paging, the priority and the
        channel are among those that may page, and the ticket arrives outside the hours."""
        paging = self.paging_plan(plan)
        if paging is None or priority not in paging.priorities or channel not in paging.channels:
            return False
        channel_plans = self.spec.channels.offered()[channel].plans
        if channel_plans is not None and not any(p in channel_plans
                                                 for p in self.plan_chains[plan]):
            return False
        return not self.calendar(paging.outside, location).is_open(at)

    def queue_key(self, priority: str, received: datetime) -> tuple:
        """RK-8, RT-4, FG-6: where a ticket stands in the queue, which works every policy's
        tickets by priority rank, then time received (``schema.QUEUE_ORDER``)."""
        return (self.priority(priority).rank, received)

    def route_title(self, title: str) -> str | None:
        """RK-10: the team a title marker routes to, if any."""
        lowered = title.lower()
        for marker in self.spec.intake.title_markers:
            if marker.contains.lower() in lowered:
                return marker.team
        return None

    def out_of_scope_route(self, topic: str, plan: str) -> tuple[bool, str | None]:
        """RK-9, RL-9, PR-8: whether ``topic`` is out of scope on ``plan`` and where it goes."""
        chain = self.plan_chains[plan]
        for item in self.spec.scope.out_of_scope:
            if item.topic.lower() == topic.lower():
                if any(p in item.except_plans for p in chain):
                    return False, None
                return True, item.route
        return False, None

    @property
    def topics(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The topics a request can be about, as the policy lists them: what support covers
        (PR-4's request types) and what it does not (RK-9, RL-9, PR-8). Choosing one of the
        second kind flags and routes the ticket through ``out_of_scope_route``."""
        scope = self.spec.scope
        return scope.in_scope, tuple(item.topic for item in scope.out_of_scope)


def _recipe(name: str, spec) -> CalendarRecipe:
    hol = spec.holidays
    return CalendarRecipe(
        name=name, timezone=spec.timezone, always_open=spec.always_open,
        weekly=tuple((day, tuple(ws)) for day, ws in spec.weekly_by_day().items()),
        holiday_source=None if hol is None else hol.source,
        country=None if hol is None else hol.country,
        subdiv=None if hol is None else hol.subdiv,
        include=None if hol is None or hol.include is None else tuple(hol.include),
        exclude=() if hol is None else tuple(hol.exclude),
        categories=("public",) if hol is None else tuple(hol.categories),
        observed=True if hol is None else hol.observed,
        closed=tuple(spec.closed))


def _resolve(metric: str, plan: str, priority: str, target: Target, default_calendar: str,
             source: str, targets_are: str = "commitments") -> ResolvedTarget:
    goal = limit = None
    if target.business is not None:
        goal, limit = target.business
    elif target.business_days is not None:
        goal, limit = target.business_days
    return ResolvedTarget(
        metric=metric, plan=plan, priority=priority, kind=target.kind,
        calendar=None if target.none else (target.calendar or default_calendar),
        goal=goal, limit=limit, cutoff=target.cutoff, cutoff_timezone=target.cutoff_timezone,
        source=source, promise=target.promise or targets_are.removesuffix("s"),
        choice=target.choice)


def plan_chain(spec: PolicyFile, plan: str) -> tuple[str, ...]:
    chain = [plan]
    while (parent := spec.plans[chain[-1]].extends) is not None and parent not in chain:
        chain.append(parent)
    return tuple(chain)


def compile_policy(spec: PolicyFile, key: str) -> Policy:
    """Compile a cross-checked :class:`PolicyFile` (see :func:`validate.cross_check`)."""
    chains = {plan: plan_chain(spec, plan) for plan in spec.plans}
    targets: dict[tuple[str, str, str], ResolvedTarget] = {}
    for metric, mspec in spec.metrics.defined().items():
        for plan, chain in chains.items():
            for priority in spec.priorities:
                found = None
                for ancestor in chain:
                    overrides = getattr(spec.plans[ancestor].targets, metric) or {}
                    if priority in overrides:
                        found = (overrides[priority], f"plan {ancestor} override")
                        break
                target, source = found or (mspec.targets[priority], "policy default")
                targets[(metric, plan, priority)] = _resolve(
                    metric, plan, priority, target, mspec.calendar, source,
                    spec.policy.targets_are)
    return Policy(
        key=key, spec=spec,
        calendars=MappingProxyType({n: _recipe(n, c) for n, c in spec.calendars.items()}),
        priorities=tuple(
            Priority(key=k, label=p.label, colour=p.colour, description=p.description, rank=i,
                     default=p.default, plans=p.plans)
            for i, (k, p) in enumerate(spec.priorities.items())),
        plan_chains=MappingProxyType(chains),
        metric_keys=tuple(spec.metrics.defined()),
        statuses=MappingProxyType(dict(spec.statuses)),
        _targets=MappingProxyType(targets),
        escalation_chains=compile_chains(spec))
