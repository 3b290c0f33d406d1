"""An agent's own on-call shifts as an iCalendar feed (RFC 5545, through ``icalendar``), read
from the same ``rotation.timeline`` the pager uses: overrides and swaps included, so a calendar
never shows someone a shift the pager would not page them for (OneUptime#3411)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pledgedesk import __version__
from pledgedesk.accounts.models import Agent
from pledgedesk.oncall import selectors

PAST = timedelta(days=14)
AHEAD = timedelta(weeks=12)


def agent_calendar(agent: Agent, *, now: datetime) -> bytes:
    # Imported here, when a feed is asked for: ~4 MiB that every web worker held (issue 20).
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", f"-//Pledgedesk {__version__}//On-call//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"On call: {agent.name}")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for schedule, shift in selectors.agent_shifts(agent, start=now - PAST, end=now + AHEAD):
        event = Event()
        event.add("uid", _uid(schedule.pk, shift))
        event.add("dtstamp", now)
        event.add("dtstart", shift.start)
        event.add("dtend", shift.end)
        event.add("summary", f"On call: {schedule.name}")
        how = {"override": "an override", "swap": "a swap"}.get(shift.source, "the rotation")
        event.add("description", f"On call for {schedule.name} through {how}. Hand-offs follow "
                                 f"the schedule's zone, {schedule.zone}.")
        cal.add_component(event)
    return cal.to_ical()


def _uid(schedule_id: int, shift) -> str:
    """Stable for one shift, so a calendar updates it instead of adding a copy."""
    raw = f"{schedule_id}:{shift.agent}:{shift.start.isoformat()}:{shift.source}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32] + "@pledgedesk-oncall"
