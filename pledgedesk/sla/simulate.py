"""What a policy promises a ticket opened at a given instant: the priority actually applied,
whether it pages the on-call engineer, and the due (and goal) instant of every metric that
applies at opening. Computed by the SLA engine itself, from a history of one ``Created`` event,
so the simulation and the live clocks cannot disagree.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pledgedesk.policy.compile import Location, Policy
from pledgedesk.policy.errors import PolicyInputError
from pledgedesk.sla.engine import Ticket, TimerState, evaluate
from pledgedesk.sla.events import Created


def parse_country(value: str | None) -> tuple[str | None, str | None]:
    """``"CA-ON"`` -> ``("CA", "ON")``; ``"US"`` -> ``("US", None)``."""
    if not value:
        return None, None
    country, _, subdiv = value.partition("-")
    return country.upper(), (subdiv.upper() or None)


def _local(at: datetime | None, zone: tzinfo) -> str | None:
    return None if at is None else at.astimezone(zone).isoformat()


def display_zone(policy: Policy, location: Location, opened: datetime) -> tzinfo:
    """Instants are shown in the organisation's zone when known, else in the zone of the
    policy's hours calendar, else in the offset the ticket was opened with."""
    if location.timezone:
        try:
            return ZoneInfo(location.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise PolicyInputError(
                f"--timezone {location.timezone!r} is not an IANA time zone") from None
    recipe = policy.calendars[policy.spec.policy.hours_calendar]
    if not recipe.needs_timezone:
        return ZoneInfo(recipe.timezone)
    return opened.tzinfo


def simulate(policy: Policy, *, opened: datetime, priority: str | None = None,
             channel: str | None = None, plan: str | None = None,
             location: Location | None = None) -> dict:
    """The JSON-ready promise for one new ticket. Raises PolicyInputError on bad input."""
    if opened.tzinfo is None or opened.utcoffset() is None:
        raise PolicyInputError("--opened needs a UTC offset, e.g. 2026-03-02T10:00:00-06:00")
    location = location or Location()
    zone = display_zone(policy, location, opened)
    offered = policy.spec.channels.offered()
    channel = channel or ("portal" if "portal" in offered else next(iter(offered)))
    plan = policy.check_plan(plan or policy.default_plan)
    intake = policy.intake(channel=channel, plan=plan, requested=priority)
    ticket = Ticket(timezone=location.timezone, country=location.country,
                    subdiv=location.subdiv)
    created = Created(at=opened, channel=channel, priority=intake.priority, plan=plan)
    timers = evaluate(policy, ticket, [created], opened)
    targets: dict[str, dict] = {}
    not_applicable: dict[str, str] = {}
    for metric, timer in timers.items():
        if timer.state == TimerState.NOT_APPLICABLE or timer.due is None:
            not_applicable[metric] = timer.reason
            continue
        targets[metric] = {
            "due": _local(timer.due, zone),
            "goal": _local(timer.goal, zone),
            "warn_at": _local(timer.warn_at, zone),
            "calendar": timer.calendar,
            "reason": timer.reason,
        }
    hours = policy.spec.policy.hours_calendar
    return {
        "policy": policy.key,
        "version": policy.version,
        "priority": intake.priority,
        "plan": plan,
        "channel": channel,
        "calendar": hours,
        "opened": opened.isoformat(),
        "open_now": policy.calendar(hours, location).is_open(opened),
        "page_on_call": policy.page_on_call(plan=plan, priority=intake.priority,
                                            channel=channel, at=opened, location=location),
        "targets": targets,
        "not_applicable": not_applicable,
        "notes": list(intake.notes),
    }
