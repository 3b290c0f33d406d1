"""The reports over the API: compliance for leads and administrators; an organisation's own
promises kept for its primary contact, never another organisation's."""

from __future__ import annotations

import pytest
from django.test import Client

from pledgedesk import clock
from pledgedesk.accounts.models import Organisation
from pledgedesk.accounts.tokens import token_issue
from tests.pages import person, staff
from tests.reports.desk import LATER, START, build

pytestmark = pytest.mark.django_db
API = "/api/v1/reports/"


@pytest.fixture
def desk():
    with clock.use(clock.FixedClock(LATER)):
        yield build()


def _get(user, path, **params):
    token = token_issue(user=user, name="t", now=LATER).raw
    return Client().get(API + path, params, headers={"Authorization": f"Bearer {token}"})


def test_a_lead_reads_compliance_by_organisation(desk):
    a, _, _ = desk
    body = _get(staff(roles=("support_lead",)).user, "compliance", by="organisation",
                start=START.date().isoformat(), end="2026-01-10").json()
    row = next(r for r in body["rows"] if r["metric"] == "first_response"
               and r["key"] == str(a.pk))
    assert {k: row[k] for k in ("measured", "met_within_limit", "breached", "excluded",
                                "paused_seconds", "median_used_seconds", "p90_used_seconds",
                                "promise")} == {
        "measured": 3, "met_within_limit": 1, "breached": 2, "excluded": 1,
        "paused_seconds": 600, "median_used_seconds": 3600, "p90_used_seconds": 7200,
        "promise": "goal"}
    assert body["exclusions"] == [{"metric": "first_response", "reason": "product defect",
                                   "count": 1}]


def test_an_engineer_and_a_contact_may_not_read_compliance(desk):
    a, _, _ = desk
    assert _get(staff().user, "compliance").status_code == 403
    assert _get(person(a).user, "compliance").status_code == 403


def test_bad_input_names_the_field(desk):
    lead = staff(roles=("administrator",)).user
    assert _get(lead, "compliance", by="colour").status_code == 422
    late = _get(lead, "compliance", start="2026-02-01", end="2026-01-01")
    assert late.status_code == 422 and late.json()["field"] == "start"


def test_the_primary_contact_reads_their_own_promises_only(desk):
    a, b, _ = desk
    primary = person(b)
    Organisation.objects.filter(pk=b.pk).update(primary_contact=primary)
    body = _get(primary.user, "promises-kept").json()
    assert body["organisation_id"] == b.pk
    assert [(r["metric"], r["measured"], r["kept"], r["is_goal"]) for r in body["rows"]] == [
        ("first_response", 1, 1, True)]
    assert _get(person(a).user, "promises-kept").status_code == 404
    assert _get(staff().user, "promises-kept").status_code == 404


# --- the trends page's tables over the API (issue 19) -----------------------------------------

PERIOD = {"start": START.date().isoformat(), "end": "2026-01-10"}


def test_an_administrator_reads_the_trends_as_the_console_shows_them(desk):
    body = _get(staff(roles=("administrator",)).user, "trends", **PERIOD).json()
    assert body["timezone"] == "UTC"
    assert {(w["week"], w["metric"]): (w["measured"], w["met"], w["mean_used_seconds"])
            for w in body["weeks"]} == {("2026-01-05", "first_response"): (4, 2, 2700),
                                        ("2026-01-05", "resolution"): (1, 1, 2 * 9 * 3600)}
    assert body["days"] == [{"day": "2026-01-05", "created": 5, "solved": 0}]
    assert body["breaches_by_hour_of_week"] == [{"weekday": 1, "hour": 20, "breaches": 2}]
    assert body["open_by_agent"] == [{"key": None, "name": None, "tickets": 6}]
    assert body["solved_by_agent"] == [] and body["pages"] == []


def test_a_lead_reads_the_backlog_per_day(desk):
    body = _get(staff(roles=("support_lead",)).user, "backlog", **PERIOD).json()
    days = {d["day"]: d for d in body["days"]}
    assert days["2026-01-04"]["open"] == 1  # t5, received the week before
    assert days["2026-01-05"]["open"] == 6
    assert sum(c["open"] for c in days["2026-01-05"]["counts"]) == 6


def test_a_lead_reads_time_courtesy_and_bank_drawdown(desk):
    body = _get(staff(roles=("support_lead",)).user, "time", **PERIOD).json()
    assert body == {"start": "2026-01-04", "end": "2026-01-10", "by_agent": [],
                    "by_group": [], "courtesy": [], "banks": []}


@pytest.mark.parametrize("report", ("backlog", "time", "trends"))
def test_the_trend_reports_refuse_others_and_name_a_bad_field(desk, report):
    a, _, _ = desk
    assert _get(staff().user, report).status_code == 403
    assert _get(person(a).user, report).status_code == 403
    assert Client().get(API + report).status_code == 401
    bad = _get(staff(roles=("support_lead",)).user, report, start="2026-02-01",
               end="2026-01-01")
    assert bad.status_code == 422 and bad.json()["field"] == "start"
