"""Issue 19: every compliance figure against values worked out by hand, on a desk whose clocks
the real SLA engine ran (no timer set by hand), across the 2026-03-08 DST change and the
2026-02-16 US federal holiday (Presidents' Day) of RK's calendar: "business_hours", Monday to
Friday 08:00-17:00 America/Chicago, US federal holidays (RK-3, RK-6).

RK's first response is a cutoff (RK-6: before 15:00 the end of that business day, after it the
end of the next business morning, 12:00); its resolution is 1 business day for red and the
range [1, 3] for yellow (RK-3: goal one day, limit three); Pending pauses resolution (RK-4);
a product defect excludes it (RK-4); every RK target is a goal (RL-5 wording,
``targets_are = "goals"``). The requester is the organisation's Administrator, so RK-2
excludes nothing.

  T1 yellow, Fri 03-06 16:00 CST (after the cutoff). Reply Mon 03-09 08:30 CDT: first response
     met, 1 h Friday + 30 min Monday = 5400 s (the Monday opening is 13:00 UTC, DST).
     Solved Tue 03-10 09:00: resolution used 1 h + 9 h + 1 h = 39600 s, past the 1-day goal
     (32400 s) and within the 3-day limit.
  T2 yellow, Fri 02-13 16:00 CST. Reply and solve on Mon 02-16 12:00, a holiday: 1 h each
     (3600 s), nothing counted on the holiday.
  T3 red, Tue 03-10 16:00 CDT. Reply Wed 03-11 13:00, past the 12:00 due: first response
     breached, 1 h + 5 h = 21600 s. Resolution (1 business day, due Wed 16:00) never met:
     breached by now.
  T4 yellow, Tue 03-10 09:00. Reply with Pending at 09:30 (first response 1800 s); Open again
     Wed 09:00; solved Wed 10:00: resolution used 30 min + 1 h = 5400 s, paused 7 h 30 min
     Tuesday + 1 h Wednesday = 30600 s.
  T5 yellow, Wed 03-11 09:00, product defect set at 10:00: resolution excluded; no reply, so
     its first response (due 17:00 that day) is breached by now, 1 h used when last stored.
  Now: Fri 03-13 12:00 CDT.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from pledgedesk.reports.period import Period
from pledgedesk.reports.selectors import compliance, tickets_behind
from pledgedesk.reports.trends import breaches_by_hour_of_week, weekly_compliance
from pledgedesk.tickets.models import SlaTimer
from pledgedesk.tickets.services import Change, ticket_reply, ticket_set_exclusion, ticket_update
from tests.pages import RK, as_agent, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 13, 12, tzinfo=CHICAGO)
PERIOD = Period(date(2026, 2, 9), date(2026, 3, 13), "America/Chicago")


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=CHICAGO)


def _desk():
    org = organisation(RK)
    who, lead = person(org, role="administrator"), staff(name="Lee")
    actor = as_agent(lead)

    def reply(ticket, when, **change):
        ticket_reply(ticket=ticket, actor=actor, body="Looking.", expected_version=None,
                     now=when, change=Change(**change) if change else None)

    def update(ticket, when, **change):
        ticket_update(ticket=ticket, actor=actor, change=Change(**change),
                      expected_version=None, now=when)

    t = {1: open_ticket(org, who, at=at(3, 6, 16), priority="yellow", subject="T1")}
    reply(t[1], at(3, 9, 8, 30))
    update(t[1], at(3, 10, 9), status="solved")
    t[2] = open_ticket(org, who, at=at(2, 13, 16), priority="yellow", subject="T2")
    reply(t[2], at(2, 16, 12), status="solved")
    t[3] = open_ticket(org, who, at=at(3, 10, 16), priority="red", subject="T3")
    reply(t[3], at(3, 11, 13))
    t[4] = open_ticket(org, who, at=at(3, 10, 9), priority="yellow", subject="T4")
    reply(t[4], at(3, 10, 9, 30), status="pending")
    update(t[4], at(3, 11, 9), status="open")
    update(t[4], at(3, 11, 10), status="solved")
    t[5] = open_ticket(org, who, at=at(3, 11, 9), priority="yellow", subject="T5")
    ticket_set_exclusion(ticket=t[5], actor=actor, reason="product_defect", active=True,
                         expected_version=None, now=at(3, 11, 10))
    return t


def _stored(t, n, metric):
    return SlaTimer.objects.get(ticket=t[n], metric=metric)


def test_the_engine_stored_what_was_worked_out_by_hand():
    t = _desk()
    fr = {n: _stored(t, n, "first_response") for n in t}
    res = {n: _stored(t, n, "resolution") for n in t}
    assert {n: (x.state, x.used_seconds) for n, x in fr.items()} == {
        1: ("met", 5400), 2: ("met", 3600), 3: ("breached", 21600), 4: ("met", 1800),
        5: ("running", 3600)}
    assert {n: x.state for n, x in res.items()} == {
        1: "met", 2: "met", 3: "running", 4: "met", 5: "excluded"}
    assert (res[1].used_seconds, res[2].used_seconds, res[4].used_seconds) == (39600, 3600,
                                                                               5400)
    assert res[4].paused_seconds == 30600
    assert fr[1].due_at == at(3, 9, 12)  # the next business morning, after the DST change
    assert fr[2].due_at == at(2, 17, 12)  # Tuesday's: Monday is a holiday
    assert res[1].goal_at == at(3, 9, 16) and res[1].due_at == at(3, 11, 16)  # RK-3 range


def _rows(report):
    return {(r.metric, r.key): r for r in report.rows}


def _figures(row):
    return (row.measured, row.met_goal, row.met, row.breached, row.excluded, row.running,
            row.paused_seconds, row.median_seconds, row.p90_seconds)


def test_compliance_by_priority_by_hand():
    _desk()
    report = compliance(start=PERIOD.start, end=PERIOD.end, by="priority", now=NOW)
    rows = _rows(report)
    # measured, met within goal, met within limit, breached, excluded, running, paused,
    # median and p90 used (nearest rank over met and stored-breached clocks)
    assert _figures(rows[("first_response", "yellow")]) == (
        4, 3, 3, 1, 0, 0, 0, 3600, 5400)  # T5 late by now; used: 1800, 3600, 5400
    assert _figures(rows[("first_response", "red")]) == (1, 0, 0, 1, 0, 0, 0, 21600, 21600)
    assert _figures(rows[("resolution", "yellow")]) == (
        3, 2, 3, 0, 1, 0, 30600, 5400, 39600)  # T1 past its goal, within its limit
    assert _figures(rows[("resolution", "red")]) == (1, 0, 0, 1, 0, 0, 0, None, None)
    assert {r.promise for r in report.rows} == {"goal"}  # RK: targets are goals
    assert [(m, n) for m, _why, n in report.exclusions] == [("resolution", 1)]
    behind = tickets_behind(start=PERIOD.start, end=PERIOD.end, metric="resolution",
                            outcome="met", now=NOW, by="priority", key="yellow")
    assert sorted(x.ticket.subject for x in behind) == ["T1", "T2", "T4"]
    goal = tickets_behind(start=PERIOD.start, end=PERIOD.end, metric="resolution",
                          outcome="met_goal", now=NOW)
    assert sorted(x.ticket.subject for x in goal) == ["T2", "T4"]


def test_before_the_holiday_week_ended_only_t2_counts():
    _desk()
    february = Period(date(2026, 2, 9), date(2026, 2, 22), "America/Chicago")
    rows = _rows(compliance(start=february.start, end=february.end, by="priority", now=NOW))
    assert set(rows) == {("first_response", "yellow"), ("resolution", "yellow")}
    assert _figures(rows[("first_response", "yellow")]) == (1, 1, 1, 0, 0, 0, 0, 3600, 3600)


def test_weeks_and_hours_of_week_in_chicago_across_dst():
    _desk()
    weeks = {(w["week"].date(), w["metric"]): (w["measured"], w["met"])
             for w in weekly_compliance(start=PERIOD.start, end=PERIOD.end, now=NOW,
                                        zone="America/Chicago")}
    assert weeks == {
        (date(2026, 2, 9), "first_response"): (1, 1), (date(2026, 2, 9), "resolution"): (1, 1),
        (date(2026, 3, 2), "first_response"): (1, 1), (date(2026, 3, 2), "resolution"): (1, 1),
        (date(2026, 3, 9), "first_response"): (3, 1), (date(2026, 3, 9), "resolution"): (2, 1),
    }
    hours = {(h["weekday"], h["hour"]): h["n"] for h in breaches_by_hour_of_week(
        start=PERIOD.start, end=PERIOD.end, now=NOW, zone="America/Chicago")}
    # T3 late from Wed 12:00 (first response) and Wed 16:00 (resolution); T5 from Thursday's
    # opening, 08:00, its due instant being Wednesday's closing.
    assert hours == {(3, 12): 1, (3, 16): 1, (4, 8): 1}
