"""The on-call API: agents read and edit schedules, see the roster with local times, offer and
accept swaps, acknowledge pages; contacts are refused everything; bad input names the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from pledgedesk import clock
from pledgedesk.oncall.models import Page
from tests.api.conftest import Api, token_for
from tests.oncall.conftest import SATURDAY_2AM, desk  # noqa: F401 (the fixture)
from tests.outbox.helpers import drain


@pytest.fixture
def at_saturday():
    with clock.use(clock.FixedClock(SATURDAY_2AM)) as fixed:
        yield fixed


@pytest.fixture
def apis(desk, at_saturday):  # noqa: F811
    return {name: Api(token_for(getattr(desk, name).user))
            for name in ("eve", "fay", "lead")} | {
        "contact": Api(token_for(desk.requester.user))}


def test_the_roster_lists_local_times_with_the_zone(desk, apis):  # noqa: F811
    answer = apis["eve"].get(f"oncall/schedules/{desk.schedule.pk}/roster", {"days": 14})
    assert answer.status_code == 200, answer.content
    rows = answer.json()
    assert rows[0]["agent_name"] == "Eve Engineer" and rows[0]["zone"] == "America/Chicago"
    assert rows[0]["local_start"] == "2026-01-10T02:00:00-06:00"
    assert rows[1]["local_start"] == "2026-01-12T08:00:00-06:00"
    assert rows[1]["agent_name"] == "Fay Engineer"


def test_contacts_are_refused_every_on_call_endpoint(desk, apis):  # noqa: F811
    contact = apis["contact"]
    for path in ("oncall/schedules", f"oncall/schedules/{desk.schedule.pk}",
                 f"oncall/schedules/{desk.schedule.pk}/roster", "oncall/pages"):
        assert contact.get(path).status_code == 403, path
    assert contact.post("oncall/me/feeds").status_code == 403
    assert Api(None).get("oncall/schedules").status_code == 401


def test_only_a_lead_adds_a_layer_and_bad_layers_name_the_field(desk, apis):  # noqa: F811
    body = {"name": "Nights", "level": 7, "handoff_date": "2026-01-05",
            "handoff_time": "18:00", "members": [desk.fay.pk], "restrict_days": [0, 1, 2],
            "restrict_start": "18:00", "restrict_end": "08:00"}
    path = f"oncall/schedules/{desk.schedule.pk}/layers"
    assert apis["eve"].post(path, body).status_code == 403
    made = apis["lead"].post(path, body)
    assert made.status_code == 201, made.content
    assert [la["level"] for la in made.json()["layers"]] == [7, 1, 0]
    clash = apis["lead"].post(path, {**body, "name": "Again"})
    assert clash.status_code == 422 and clash.json()["field"] == "level"
    unknown = apis["lead"].post(path, {**body, "level": 8, "colour": "red"})
    assert unknown.status_code == 422


def test_a_swap_offered_and_accepted_through_the_api(desk, apis):  # noqa: F811
    path = f"oncall/schedules/{desk.schedule.pk}/swaps"
    offered = apis["eve"].post(path, {"first": desk.eve.pk, "second": desk.fay.pk,
                                      "start": "2026-01-10T00:00:00", "end": "2026-01-11T00:00"})
    assert offered.status_code == 201, offered.content
    decision = f"{path}/{offered.json()['id']}/decision"
    assert apis["eve"].post(decision, {"accept": True}).status_code == 403
    assert apis["fay"].post(decision, {"accept": True}).status_code == 200
    roster = apis["eve"].get(f"oncall/schedules/{desk.schedule.pk}/roster").json()
    # wall times in the schedule's zone: midnight Central is 06:00 UTC
    assert (roster[0]["agent_name"], roster[0]["source"]) == ("Fay Engineer", "swap")
    assert roster[0]["end"] == "2026-01-11T06:00:00+00:00"


def test_a_page_acknowledged_through_the_api_once(desk, apis):  # noqa: F811
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    page = Page.objects.get(ticket=ticket)
    listed = apis["fay"].get("oncall/pages", {"state": "triggered"}).json()
    assert [p["ticket"] for p in listed] == [ticket.number]
    acked = apis["fay"].post(f"oncall/pages/{page.pk}/acknowledge")
    assert acked.status_code == 200 and acked.json()["acknowledged_via"] == "api"
    assert acked.json()["notifications"][0]["sent_at"] is not None
    again = apis["eve"].post(f"oncall/pages/{page.pk}/acknowledge")
    assert again.status_code == 409 and "Fay Engineer" in again.json()["message"]
    assert apis["eve"].post("oncall/pages/999999/acknowledge").status_code == 404


def test_a_feed_issued_through_the_api_serves_only_its_agents_shifts(desk, apis):  # noqa: F811
    made = apis["fay"].post("oncall/me/feeds")
    assert made.status_code == 201
    url = made.json()["url"]
    answer = apis["contact"].client.get(url.split("testserver", 1)[1])
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(answer.content)
    starts = sorted(e.decoded("dtstart") for e in cal.walk("VEVENT"))
    assert starts[0] == SATURDAY_2AM + timedelta(days=2, hours=6)  # Monday 08:00 Central
    assert str(cal["x-wr-calname"]) == "On call: Fay Engineer"
    assert apis["contact"].client.get(url.split("testserver", 1)[1][:-8] + "x.ics"
                                      ).status_code == 404


def test_a_webhook_added_through_the_api_returns_its_secret_once(desk, apis):  # noqa: F811
    made = apis["eve"].post("oncall/me/webhooks", {"url": "https://pager.example/in"})
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    bad = apis["eve"].post("oncall/me/webhooks", {"url": "ftp://pager.example/in"})
    assert bad.status_code == 422 and bad.json()["field"] == "url"
