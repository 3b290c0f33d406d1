"""Trends and workload against hand-computed values on the small desk (tests/reports/desk)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pledgedesk.oncall.models import Page
from pledgedesk.reports.trends import (
    backlog_now,
    breaches_by_hour_of_week,
    created_vs_solved,
    pages_acknowledged,
    weekly_compliance,
    workload,
)
from pledgedesk.tickets.models import Ticket, TicketEvent
from tests.pages import NOW, staff
from tests.reports.desk import END, LATER, START, build

pytestmark = pytest.mark.django_db
CHICAGO = "America/Chicago"


def _solve(ticket, by, at):
    Ticket.objects.filter(pk=ticket.pk).update(status="solved", status_category="solved",
                                              assignee=by)
    TicketEvent.objects.create(ticket=ticket, at=at, kind="status_changed", actor_agent=by,
                               old={"status": "new"}, new={"status": "solved"})


def test_weekly_compliance_and_mean_first_response():
    build()
    weeks = weekly_compliance(start=START, end=END, now=LATER, zone=CHICAGO)
    got = {(w["week"].date(), w["metric"]): (w["measured"], w["met"], w["mean_used"])
           for w in weeks}
    assert got == {(date(2026, 1, 5), "first_response"): (4, 2, 2700),  # t1 3600, t6 1800
                   (date(2026, 1, 5), "resolution"): (1, 1, 2 * 9 * 3600)}


def test_breaches_by_hour_of_week_in_the_readers_zone():
    build()  # t2 and t3 became late Monday 14:00 Chicago (20:00 UTC)
    assert breaches_by_hour_of_week(start=START, end=END, now=LATER, zone=CHICAGO) == [
        {"weekday": 1, "hour": 14, "n": 2}]
    assert breaches_by_hour_of_week(start=START, end=END, now=LATER, zone="UTC") == [
        {"weekday": 1, "hour": 20, "n": 2}]


def test_created_vs_solved_per_day_and_workload():
    _, _, t = build()
    ann = staff(name="Ann")
    _solve(t[1], ann, NOW + timedelta(days=1))
    _solve(t[2], ann, NOW + timedelta(days=1, hours=1))
    days = created_vs_solved(start=START, end=END, zone=CHICAGO)
    assert days == [{"day": date(2026, 1, 5), "created": 5, "solved": 0},
                    {"day": date(2026, 1, 6), "created": 0, "solved": 2}]
    load = workload(start=START, end=END)
    assert load["solved_by_agent"] == [{"key": ann.pk, "agent": "Ann", "n": 2}]
    assert load["open_by_agent"] == [{"key": None, "agent": None, "n": 4}]  # t3-t6 unassigned
    assert {(r["status"], r["priority"], r["n"]) for r in backlog_now()} == {
        ("new", t[3].priority, 3), ("new", t[6].priority, 1)}  # t3-t5 (RK), t6 (PR)


def test_on_call_pages_and_their_acknowledgement_times():
    _, _, t = build()
    for n, minutes in ((1, 4), (2, 8), (3, None)):
        Page.objects.create(ticket=t[n], source="test", reason="outage", created_at=NOW,
                            acknowledged_at=None if minutes is None
                            else NOW + timedelta(minutes=minutes))
    assert pages_acknowledged(start=START, end=END) == [
        {"key": None, "schedule_name": None, "pages": 3, "acknowledged": 2,
         "mean_ack": timedelta(minutes=6), "mean_ack_seconds": 360}]
