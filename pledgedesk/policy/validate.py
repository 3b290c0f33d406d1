"""Checks across sections of a policy file, after each value passed its own schema check.

Every check appends ``(key_path, message)``; all problems are collected, never only the first:
unknown calendars, plans, priorities, statuses, teams and exclusions; two defaults or none; a
priority without a target for a metric; cycles in plan inheritance (``extends``) and team
escalation (``escalates_to``); targets no calendar can ever meet (a calendar that never opens,
a cutoff outside every opening window); paging that can never happen.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pledgedesk.calendar import CalendarError
from pledgedesk.policy.compile import Location, _recipe
from pledgedesk.policy.durations import clock_minutes
from pledgedesk.policy.errors import PolicyInputError
from pledgedesk.policy.escalation import check_chains
from pledgedesk.policy.schema import ORGANISATION, PolicyFile, Target

Found = list[tuple[str, str]]


def cross_check(spec: PolicyFile) -> Found:
    found: Found = []
    _calendars(spec, found)
    _priorities(spec, found)
    _plans(spec, found)
    _channels(spec, found)
    _metrics(spec, found)
    _statuses(spec, found)
    _intake_scope_teams(spec, found)
    _defects_and_resources(spec, found)
    _proservices(spec, found)
    check_chains(spec, found)
    return found


def _known(found: Found, path: str, value: str | None, known, what: str) -> bool:
    if value is not None and value not in known:
        names = ", ".join(known) or "none"
        found.append((path, f"unknown {what} {value!r} (known: {names})"))
        return False
    return True


def _calendars(spec: PolicyFile, found: Found) -> None:
    hours = spec.policy.hours_calendar
    if (_known(found, "policy.hours_calendar", hours, spec.calendars, "calendar")
            and not spec.calendars[hours].staffed):
        found.append(("policy.hours_calendar", f"calendar {hours!r} has staffed = false: the "
                                               "hours the page shows must be staffed"))
    for name, cal in spec.calendars.items():
        path = f"calendars.{name}"
        if cal.timezone != ORGANISATION:
            try:
                ZoneInfo(cal.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                found.append((f"{path}.timezone", f"unknown IANA time zone {cal.timezone!r} "
                                                  f"(or write \"{ORGANISATION}\")"))
                continue
        if not cal.always_open and not cal.weekly_by_day():
            found.append((f"{path}.weekly", "this calendar is never open: add weekly hours "
                                            "or always_open = true"))
            continue
        # Build it once (with a sample location where the organisation's is needed) so the
        # calendar library's own checks (overlapping windows, unknown holiday region) report
        # here, at check time, with this key path.
        sample = Location(timezone="UTC", country="US")
        try:
            _recipe(name, cal).build(sample)
        except (CalendarError, PolicyInputError) as exc:
            found.append((path, str(exc)))


def _defaults(found: Found, section: str, table: dict, what: str) -> None:
    defaults = [key for key, item in table.items() if item.default]
    if not defaults:
        found.append((section, f"no default {what}: mark exactly one with default = true"))
    for extra in defaults[1:]:
        found.append((f"{section}.{extra}.default",
                      f"{what} {defaults[0]!r} is already the default: keep one default"))


def _cycles(found: Found, section: str, field: str, links: dict[str, str | None]) -> None:
    reported: set[str] = set()
    for start in links:
        path, node = [start], links[start]
        while node is not None and node in links and node not in path:
            path.append(node)
            node = links[node]
        if node == start and start not in reported:
            reported.update(path)
            found.append((f"{section}.{start}.{field}",
                          "cycle: " + " -> ".join([*path, start])))


def _priorities(spec: PolicyFile, found: Found) -> None:
    _defaults(found, "priorities", spec.priorities, "priority")
    for key, prio in spec.priorities.items():
        for i, plan in enumerate(prio.plans or ()):
            _known(found, f"priorities.{key}.plans.{i}", plan, spec.plans, "plan")
    for key, prio in spec.priorities.items():
        if prio.default and prio.plans is not None:
            found.append((f"priorities.{key}.plans", "the default priority is what a ticket "
                                                     "falls back to: it must be open to every "
                                                     "plan"))


def _plans(spec: PolicyFile, found: Found) -> None:
    _defaults(found, "plans", spec.plans, "plan")
    for key, plan in spec.plans.items():
        if plan.default and plan.needs:
            found.append((f"plans.{key}.needs", "the default plan is what every customer has: "
                                                "it cannot need a feature"))
    links: dict[str, str | None] = {}
    for key, plan in spec.plans.items():
        ok = _known(found, f"plans.{key}.extends", plan.extends, spec.plans, "plan")
        links[key] = plan.extends if ok else None
        if plan.paging is not None:
            p = f"plans.{key}.paging"
            outside = plan.paging.outside
            if (_known(found, f"{p}.outside", outside, spec.calendars, "calendar")
                    and spec.calendars[outside].always_open):
                found.append((f"{p}.outside", "paging outside an always-open calendar "
                                              "can never happen"))
            for i, prio in enumerate(plan.paging.priorities):
                _known(found, f"{p}.priorities.{i}", prio, spec.priorities, "priority")
            offered = spec.channels.offered()
            for i, channel in enumerate(plan.paging.channels):
                _known(found, f"{p}.channels.{i}", channel, offered, "channel")
        for metric in ("assignment", "first_response", "follow_up", "resolution"):
            overrides = getattr(plan.targets, metric)
            if overrides is None:
                continue
            p = f"plans.{key}.targets.{metric}"
            mspec = getattr(spec.metrics, metric)
            if mspec is None:
                found.append((p, f"metric {metric!r} is not defined under [metrics]"))
                continue
            for prio, target in overrides.items():
                if _known(found, f"{p}.{prio}", prio, spec.priorities, "priority"):
                    _target(spec, found, f"{p}.{prio}", target, mspec.calendar)
    _cycles(found, "plans", "extends", links)


def _channels(spec: PolicyFile, found: Found) -> None:
    offered = spec.channels.offered()
    if not offered:
        found.append(("channels", "the policy offers no channel"))
    if spec.channels.no_phone_support:
        for key in ("voicemail", "hotline"):
            if key in offered:
                found.append((f"channels.{key}", "no_phone_support = true, yet a phone "
                                                 "channel is offered"))
    for key, channel in offered.items():
        p = f"channels.{key}"
        _known(found, f"{p}.priority", channel.priority, spec.priorities, "priority")
        for i, plan in enumerate(channel.plans or ()):
            _known(found, f"{p}.plans.{i}", plan, spec.plans, "plan")


def _target(spec: PolicyFile, found: Found, path: str, target: Target, default: str) -> None:
    if target.none:
        return
    name = target.calendar or default
    if not _known(found, f"{path}.calendar", name, spec.calendars, "calendar"):
        return
    cal = spec.calendars[name]
    if not cal.always_open and not cal.weekly_by_day():
        found.append((path, f"this target can never be met: calendar {name!r} is never open"))
        return
    if target.cutoff is not None and not cal.always_open:
        cutoff = clock_minutes(target.cutoff)
        windows = [w for ws in cal.weekly_by_day().values() for w in ws]
        inside = any(clock_minutes(s) < cutoff <= (clock_minutes(e) or 24 * 60)
                     for s, e in windows if clock_minutes(s) < (clock_minutes(e) or 24 * 60))
        if not inside:
            found.append((f"{path}.cutoff", f"cutoff {target.cutoff} falls outside every "
                                            f"opening window of calendar {name!r}, so "
                                            "it can never be met as written"))
    if target.cutoff_timezone is not None:
        try:
            ZoneInfo(target.cutoff_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            found.append((f"{path}.cutoff_timezone",
                          f"unknown IANA time zone {target.cutoff_timezone!r}"))


def _metrics(spec: PolicyFile, found: Found) -> None:
    for metric, mspec in spec.metrics.defined().items():
        p = f"metrics.{metric}"
        if not _known(found, f"{p}.calendar", mspec.calendar, spec.calendars, "calendar"):
            continue
        for prio in spec.priorities:
            if prio not in mspec.targets:
                found.append((f"{p}.targets.{prio}",
                              f"priority {prio!r} has no {metric} target (write "
                              "{ none = true } if none applies)"))
        for prio, target in mspec.targets.items():
            if _known(found, f"{p}.targets.{prio}", prio, spec.priorities, "priority"):
                _target(spec, found, f"{p}.targets.{prio}", target, mspec.calendar)


def _statuses(spec: PolicyFile, found: Found) -> None:
    categories = {s.category for s in spec.statuses.values()}
    for needed in ("new", "open", "solved"):
        if needed not in categories:
            found.append(("statuses", f"no status with category = {needed!r}"))
    defined = spec.metrics.defined()
    for key, status in spec.statuses.items():
        p = f"statuses.{key}"
        _known(found, f"{p}.customer_reply_moves_to", status.customer_reply_moves_to,
               spec.statuses, "status")
        for move, target in status.moves_to.items():
            _known(found, f"{p}.moves_to.{move}", target, spec.statuses, "status")
        for i, metric in enumerate(status.pauses):
            if metric not in defined:
                found.append((f"{p}.pauses.{i}", f"metric {metric!r} is not defined"))
        if status.category in ("solved", "closed") and status.pauses:
            found.append((f"{p}.pauses", "solved and closed statuses stop clocks; "
                                         "they do not pause them"))


def _intake_scope_teams(spec: PolicyFile, found: Found) -> None:
    intake = spec.intake
    for field in ("without_administrator_exclusion", "no_administrator_exclusion"):
        _known(found, f"intake.{field}", getattr(intake, field), spec.exclusions, "exclusion")
    if intake.flag_without_administrator is False and intake.without_administrator_exclusion:
        found.append(("intake.without_administrator_exclusion",
                      "set flag_without_administrator = true for this to apply"))
    for i, marker in enumerate(intake.title_markers):
        _known(found, f"intake.title_markers.{i}.team", marker.team, spec.teams, "team")
    _known(found, "intake.feature_requests_to", intake.feature_requests_to, spec.teams, "team")
    for i, item in enumerate(spec.scope.out_of_scope):
        _known(found, f"scope.out_of_scope.{i}.route", item.route, spec.teams, "team")
        for j, plan in enumerate(item.except_plans):
            _known(found, f"scope.out_of_scope.{i}.except_plans.{j}", plan, spec.plans, "plan")
    links: dict[str, str | None] = {}
    for key, team in spec.teams.items():
        ok = _known(found, f"teams.{key}.escalates_to", team.escalates_to, spec.teams, "team")
        links[key] = team.escalates_to if ok else None
    _cycles(found, "teams", "escalates_to", links)


def _defects_and_resources(spec: PolicyFile, found: Found) -> None:
    defects = spec.defects
    if defects is not None:
        _known(found, "defects.team", defects.team, spec.teams, "team")
        status = defects.without_workaround_status
        if (_known(found, "defects.without_workaround_status", status, spec.statuses, "status")
                and spec.statuses[status].category != "on_hold"):
            found.append(("defects.without_workaround_status",
                          f"status {status!r} is not an on_hold status"))
    for i, resource in enumerate(spec.policy.resources):
        if resource.votes and resource.kind != "knowledge_base":
            found.append((f"policy.resources.{i}.votes",
                          "votes are for knowledge base articles only"))


def _proservices(spec: PolicyFile, found: Found) -> None:
    """Issue 17: hour-bank terms only where banks are sold; engagement stages unique."""
    for key, team in spec.teams.items():
        if team.hour_banks and team.term_months is None:
            found.append((f"teams.{key}.term_months", "hour banks need a term in months"))
        if not team.hour_banks and (team.term_months or team.replenish_below):
            found.append((f"teams.{key}.hour_banks", "term_months and replenish_below "
                                                     "need hour_banks"))
    engagements = spec.engagements
    if engagements is None:
        return
    _known(found, "engagements.team", engagements.team, spec.teams, "team")
    seen: set[str] = set()
    for i, stage in enumerate(engagements.stages):
        if stage.key in seen:
            found.append((f"engagements.stages.{i}.key", f"stage {stage.key!r} appears twice"))
        seen.add(stage.key)
