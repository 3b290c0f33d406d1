"""Issue 19: the backlog per day from the status and priority history, and time logged,
courtesy time (RK-11) and hour-bank drawdown (RK-10), against hand-computed values. Every
change goes through the real services with an injected clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pledgedesk.proservices.services import time_log
from pledgedesk.reports.backlog import backlog_history, backlog_tickets
from pledgedesk.reports.period import Period
from pledgedesk.reports.worktime import (
    bank_drawdown,
    courtesy_by_organisation,
    tickets_with_time,
    time_logged,
)
from pledgedesk.tickets.services import Change, ticket_update
from tests.pages import NOW, RK, as_agent, open_ticket, organisation, person, staff
from tests.proservices.helpers import TODAY, rk_world

pytestmark = pytest.mark.django_db
CHICAGO = "America/Chicago"
TZ = ZoneInfo(CHICAGO)


def _change(ticket, who, at, **change):
    return ticket_update(ticket=ticket, actor=as_agent(who), change=Change(**change),
                         expected_version=None, now=at)


def test_backlog_per_day_by_the_status_and_priority_each_ticket_had_then():
    org = organisation(RK)
    someone, lead = person(org), staff(name="Lee")
    t1 = open_ticket(org, someone, priority="yellow", subject="t1")  # Mon 10:00 Chicago
    t2 = open_ticket(org, someone, at=NOW + timedelta(hours=1), priority="red", subject="t2")
    day = timedelta(days=1)
    _change(t1, lead, NOW + day, status="open")  # Tue
    _change(t1, lead, NOW + 2 * day, priority="red")  # Wed
    _change(t2, lead, NOW + 2 * day + timedelta(hours=2), status="solved")  # Wed
    _change(t2, lead, NOW + 3 * day, status="open")  # Thu: reopened
    _change(t1, lead, NOW + 4 * day, status="solved")  # Fri 10:00
    now = NOW + 4 * day + timedelta(hours=5)  # Fri 15:00
    period = Period(date(2026, 1, 4), date(2026, 1, 10), CHICAGO)
    got = {d.day: d.counts for d in backlog_history(period=period, now=now)}
    assert got == {  # Saturday the 10th has not begun: left out
        date(2026, 1, 4): {},
        date(2026, 1, 5): {("new", "red"): 1, ("new", "yellow"): 1},
        date(2026, 1, 6): {("new", "red"): 1, ("open", "yellow"): 1},
        date(2026, 1, 7): {("open", "red"): 1},
        date(2026, 1, 8): {("open", "red"): 2},
        date(2026, 1, 9): {("open", "red"): 1},  # today: as of now
    }
    # The tickets behind a figure are exactly those counted.
    end_of = {d.day: d.at for d in backlog_history(period=period, now=now)}
    assert end_of[date(2026, 1, 9)] == now
    assert [t.subject for t in backlog_tickets(at=end_of[date(2026, 1, 8)], now=now,
                                               status="open", priority="red")] == ["t1", "t2"]
    assert [t.subject for t in backlog_tickets(at=end_of[date(2026, 1, 6)], now=now,
                                               status="open", priority="yellow")] == ["t1"]
    assert [t.subject for t in backlog_tickets(at=now, now=now, status="open",
                                               priority="red")] == ["t2"]


def test_a_day_that_loses_an_hour_to_dst_ends_at_its_own_midnight():
    """2026-03-08 is 23 hours long in Chicago: it ends at 05:00 UTC, not 06:00."""
    org = organisation(RK)
    someone, lead = person(org), staff()
    created = datetime(2026, 3, 7, 23, 30, tzinfo=TZ)
    ticket = open_ticket(org, someone, at=created, priority="yellow")
    _change(ticket, lead, datetime(2026, 3, 9, 0, 30, tzinfo=TZ), status="solved")  # 05:30 UTC
    now = datetime(2026, 3, 9, 12, tzinfo=TZ)
    period = Period(date(2026, 3, 7), date(2026, 3, 9), CHICAGO)
    got = {d.day: d.total for d in backlog_history(period=period, now=now)}
    assert got == {date(2026, 3, 7): 1, date(2026, 3, 8): 1, date(2026, 3, 9): 0}
    assert backlog_history(period=period, now=now)[1].at == datetime(2026, 3, 9, 5,
                                                                     tzinfo=ZoneInfo("UTC"))


def test_time_logged_courtesy_and_hour_bank_drawdown():
    org, _, engineer, bank, ticket = rk_world("Silver")  # 10 h bought (RK-10)
    other = staff(name="Cy Courtesy")
    at = NOW
    time_log(ticket=ticket, agent=engineer, minutes=90, worked_on=TODAY, billable=True, now=at)
    time_log(ticket=ticket, agent=other, minutes=30, worked_on=TODAY, billable=False,
             courtesy_reason="Goodwill after the outage", now=at)
    time_log(ticket=ticket, agent=other, minutes=20, worked_on=TODAY - timedelta(days=10),
             billable=False, now=at)  # before the period
    first, last = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
    logged = time_logged(first=first, last=last)
    assert [(r["name"], r["minutes"], r["billable"], r["courtesy"], r["tickets"])
            for r in logged["by_agent"]] == [("Pat Services", 90, 90, 0, 1),
                                             ("Cy Courtesy", 30, 0, 30, 1)]
    assert [(r["key"], r["minutes"]) for r in logged["by_group"]] == [(ticket.group_id, 120)]
    assert [(r["name"], r["minutes"], r["tickets"])
            for r in courtesy_by_organisation(first=first, last=last)] == [("Acme", 30, 1)]
    [banks] = bank_drawdown(first=first, last=last)
    assert (banks["name"], banks["banks"], banks["bought"], banks["balance"], banks["drawn"],
            banks["over_zero"]) == ("Acme", 1, 600, 510, 90, 0)
    bank.refresh_from_db()
    assert bank.balance_minutes == 510  # the report reads the bank the service drew from
    behind = tickets_with_time(first=first, last=last, subject="organisation", key=org.pk,
                               kind="courtesy")
    assert [(t.pk, t.logged) for t in behind] == [(ticket.pk, 120)]
    assert not tickets_with_time(first=first, last=last, subject="agent", key=other.pk,
                                 kind="billable").exists()
