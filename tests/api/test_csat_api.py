"""The satisfaction survey over the API (issue 16): a ticket's answer for whoever sees it, the
requester's own answer when signed in, and the list and summary for agents only (the signed
link is the portal's page: tests/csat). The per-role matrix of the ticket endpoints is in
tests/api/test_permissions.py (tests/csat has the portal's side)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.csat.models import SurveyResponse
from pledgedesk.tickets.services import Actor, Change, ticket_update
from tests.api.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def solved(world):
    ticket_update(ticket=world.ticket, actor=_agent(world), change=Change(status="solved"),
                  expected_version=None, now=NOW)
    return world


def _agent(world):
    return Actor(channel="api", agent=world.people["agent"])


def test_the_requester_answers_once_and_everyone_who_sees_the_ticket_reads_it(solved):
    world, n = solved, solved.ticket.number
    before = world.api("requester").get(f"tickets/{n}/survey").json()
    assert (before["open"], before["may_answer"], before["answer"]) == (True, True, None)
    assert world.api("administrator").get(f"tickets/{n}/survey").json()["may_answer"] is False

    answered = world.api("requester").post(f"tickets/{n}/survey",
                                           {"rating": 5, "comment": "Fast <b>and</b> kind"})

    assert answered.status_code == 201, answered.json()
    assert answered.json()["label"] == "Very satisfied"
    again = world.api("requester").post(f"tickets/{n}/survey", {"rating": 1})
    assert again.status_code == 409 and again.json()["field"] == "ticket"
    assert SurveyResponse.objects.get().rating == 5
    seen = world.api("agent").get(f"tickets/{n}/survey").json()["answer"]
    assert (seen["rating"], seen["comment"], seen["contact"]["name"]) == (
        5, "Fast <b>and</b> kind", "Rémi Requester")
    assert world.api("outsider").get(f"tickets/{n}/survey").status_code == 404


@pytest.mark.parametrize(("body", "field"), [({"rating": 0}, "rating"),
                                             ({"rating": 6}, "rating"),
                                             ({"rating": 4, "comment": "x" * 2001}, "comment"),
                                             ({"rating": 4, "mood": "ok"}, "mood")])
def test_bad_answers_name_the_field(solved, body, field):
    response = solved.api("requester").post(f"tickets/{solved.ticket.number}/survey", body)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize("role", ["agent", "requester", "primary", "outsider", "anonymous"])
def test_the_list_and_the_summary_are_for_agents(solved, role):
    solved.api("requester").post(f"tickets/{solved.ticket.number}/survey", {"rating": 4})
    window = {"since": (NOW - timedelta(days=1)).isoformat(),
              "until": (NOW + timedelta(days=1)).isoformat()}

    listed = solved.api(role).get("csat/responses", {"rating": 4})
    summary = solved.api(role).get("csat/summary", window)

    expected = {"agent": 200, "anonymous": 401}.get(role, 403)
    assert (listed.status_code, summary.status_code) == (expected, expected)
    if role == "agent":
        assert [a["ticket"] for a in listed.json()["items"]] == [solved.ticket.number]
        assert listed.json()["next_before"] is None
        assert summary.json()["answers"] == 1 and summary.json()["average"] == 4.0
        assert solved.api(role).get("csat/responses", {"rating": 1}).json()["items"] == []


def test_a_naive_instant_in_the_summary_names_the_field(solved):
    response = solved.api("agent").get("csat/summary", {"since": "2026-01-01T00:00:00",
                                                        "until": NOW.isoformat()})

    assert response.status_code == 422 and response.json()["field"] == "since"


def test_the_list_pages_newest_first(solved):
    from pledgedesk.csat.selectors import responses
    from pledgedesk.tickets.services import NewTicket, ticket_create

    world = solved
    second = ticket_create(new=NewTicket(organisation=world.org, requester=world.people["cc"],
                                         subject="Second", description="", channel="portal"),
                           now=NOW)
    first = SurveyResponse.objects.create(ticket=world.ticket, rating=2, created_at=NOW)
    newer = SurveyResponse.objects.create(ticket=second, rating=5, created_at=NOW)

    page = responses(size=1)
    assert page.items == [newer] and page.before == newer.pk
    assert responses(size=1, before=page.before).items == [first]
    listed = world.api("agent").get("csat/responses", {"before": newer.pk}).json()
    assert [a["ticket"] for a in listed["items"]] == [world.ticket.number]
