"""Every door reports the same SLA state for the same timer at the same instant (issue 12).

The console's ticket page, the portal's ticket page, the API's ticket detail, the API queue's
``sla_state`` and ``breaching_within`` filters, the console's "breaching soon" filter and
``/api/v1/timers/breaching`` are read at instants around each boundary of an FG Medium ticket
(assignment due 30 minutes after it arrives, no warning; callback due after 2 business hours,
warning 15 minutes before) and must all agree with ``sla.timer_state_at``. Among them the demo's
situation: the assignment 1 d 5 h past due while its stored row still says ``running``. A second
ticket had a note written after its assignment was due, so its stored row says ``breached``:
both rows must read the same. A third, opened 30 minutes before Friday's close, is due at the
close and, as the engine counts business time, on time all weekend: every door says so."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pledgedesk.accounts.tokens import token_issue
from pledgedesk.console.views import BREACHING_SOON_MINUTES
from pledgedesk.sla import TimerState, timer_state_at
from pledgedesk.tickets.models import SlaTimer
from pledgedesk.tickets.services import ticket_note
from tests.pages import (
    FAST_HASHERS,
    FG,
    NOW,
    as_agent,
    fixed_clock,
    open_ticket,
    organisation,
    person,
    staff,
)

pytestmark = pytest.mark.django_db

M = timedelta(minutes=1)
S = timedelta(seconds=1)
NOTED_AT = NOW + 45 * M  # the second ticket's note, after its assignment was due
INSTANTS = [
    NOW + M,                                # both running
    NOW + 30 * M,                           # assignment: exactly at due, not yet breached
    NOW + 30 * M + S,                       # assignment breached, stored row says running
    NOTED_AT,                               # second ticket: stored row now says breached
    NOW + 105 * M,                          # callback: exactly at its warning instant
    NOW + 120 * M,                          # callback: exactly at due, still a warning
    NOW + 120 * M + S,                      # callback breached
    NOW + timedelta(days=1, hours=5, minutes=30),  # the demo: assignment 1 d 5 h past due
]
WITHIN = 60  # minutes, for the API's breaching filters
STATES = [str(s) for s in TimerState]
PAIR = re.compile(r'data-metric="(\w+)" data-state="(\w+)"')
NUMBER = re.compile(r'data-number="(\d+)"')


@pytest.fixture
def desk(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with fixed_clock(NOW) as clock:
        org = organisation(FG, timezone="America/Chicago", country="US")
        paula = person(org, role="primary")
        maria = staff()
        untouched = open_ticket(org, paula, priority="medium", subject="Faxes stuck")
        noted = open_ticket(org, paula, priority="medium", subject="Faxes slow")
        console, portal = Client(), Client()
        console.force_login(maria.user)
        portal.force_login(paula.user)
        token = token_issue(user=maria.user, name="doors", now=NOW).raw
        api = Client(headers={"Authorization": f"Bearer {token}"})
        yield clock, maria, [untouched, noted], {"console": console, "portal": portal,
                                                 "api": api}


def expected_states(ticket, now) -> dict[str, str]:
    return {t.metric: str(timer_state_at(stored_state=t.state, due_at=t.due_at,
                                         late_at=t.late_at, warn_at=t.warn_at, now=now))
            for t in SlaTimer.objects.filter(ticket=ticket)}


def expected_breaching(ticket, now, minutes) -> dict[str, str]:
    """Unmet timers breached at ``now``, or running / warning and due within ``minutes``
    (or due already, at a closing time, and not late yet)."""
    out = {}
    for t in SlaTimer.objects.filter(ticket=ticket, met_at__isnull=True):
        state = str(timer_state_at(stored_state=t.state, due_at=t.due_at,
                                   late_at=t.late_at, warn_at=t.warn_at, now=now))
        if state == "breached" or (state in ("running", "warning")
                                   and t.due_at <= now + timedelta(minutes=minutes)):
            out[t.metric] = state
    return out


def page_states(client, url) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return dict(PAIR.findall(response.content.decode()))


def api_numbers(api, **params) -> set[int]:
    response = api.get("/api/v1/tickets", params)
    assert response.status_code == 200, (params, response.content)
    return {item["number"] for item in response.json()["items"]}


def test_every_door_reports_the_state_the_pure_function_gives(desk):
    clock, maria, tickets, doors = desk
    noted = tickets[1]
    for now in INSTANTS:
        clock.at = now
        if now == NOTED_AT:
            ticket_note(ticket=noted, actor=as_agent(maria), body="Looking into it.",
                        expected_version=None, now=now)
            assert SlaTimer.objects.get(ticket=noted, metric="assignment").state == "breached"
        breaching = doors["api"].get("/api/v1/timers/breaching", {"within": WITHIN}).json()
        by_state = {state: api_numbers(doors["api"], sla_state=state) for state in STATES}
        soon = api_numbers(doors["api"], breaching_within=WITHIN)
        console_soon = {int(n) for n in NUMBER.findall(
            doors["console"].get("/console/?breaching=1").content.decode())}
        for ticket in tickets:
            n = ticket.number
            expected = expected_states(ticket, now)
            detail = doors["api"].get(f"/api/v1/tickets/{n}").json()

            assert page_states(doors["console"], f"/console/tickets/{n}/") == expected, now
            assert page_states(doors["portal"], f"/portal/tickets/{n}/") == expected, now
            assert {t["metric"]: t["state"] for t in detail["timers"]} == expected, now
            for state in STATES:
                assert (n in by_state[state]) == (state in expected.values()), (now, state)
            assert {t["metric"]: t["state"] for t in breaching if t["ticket"] == n} \
                == expected_breaching(ticket, now, WITHIN), now
            assert (n in soon) == bool(expected_breaching(ticket, now, WITHIN)), now
            assert (n in console_soon) == bool(
                expected_breaching(ticket, now, BREACHING_SOON_MINUTES)), now


def test_the_demo_situation_the_assignment_is_breached_everywhere(desk):
    """The console said "Assignment breached 1 d 5 h ago" while the API said ``running``,
    ``sla_state=breached`` missed the ticket and the breaching list left it out."""
    clock, _maria, (ticket, _), doors = desk
    clock.at = NOW + timedelta(days=1, hours=5, minutes=30)
    n = ticket.number

    stored = SlaTimer.objects.get(ticket=ticket, metric="assignment").state
    console = doors["console"].get(f"/console/tickets/{n}/").content.decode()
    detail = doors["api"].get(f"/api/v1/tickets/{n}").json()
    listed = doors["api"].get("/api/v1/timers/breaching").json()
    not_due_yet = doors["api"].get("/api/v1/timers/breaching",
                                   {"include_breached": "false"}).json()

    assert stored == "running"
    assert "breached 1 d 5 h ago" in console
    assert {t["metric"]: t["state"] for t in detail["timers"]}["assignment"] == "breached"
    assert n in api_numbers(doors["api"], sla_state="breached")
    assert n not in api_numbers(doors["api"], sla_state="running")
    assert {"ticket": n, "metric": "assignment", "state": "breached"}.items() <= next(
        t for t in listed if t["ticket"] == n and t["metric"] == "assignment").items()
    assert [t for t in not_due_yet if t["ticket"] == n] == []


FRIDAY = datetime(2026, 1, 9, 22, 30, tzinfo=UTC)  # Friday 16:30 Central, 30 min before close
SATURDAY = datetime(2026, 1, 10, 18, 0, tzinfo=UTC)  # Saturday noon Central
MONDAY_OPEN = datetime(2026, 1, 12, 14, 0, tzinfo=UTC)  # Monday 08:00 Central


def door_states(doors, n) -> dict[str, dict[str, str]]:
    """What each door says about ticket ``n``'s timers now."""
    detail = doors["api"].get(f"/api/v1/tickets/{n}").json()
    return {"console": page_states(doors["console"], f"/console/tickets/{n}/"),
            "portal": page_states(doors["portal"], f"/portal/tickets/{n}/"),
            "api": {t["metric"]: t["state"] for t in detail["timers"]}}


def breaching_lists(doors, n) -> dict[str, object]:
    listed = doors["api"].get("/api/v1/timers/breaching", {"within": WITHIN}).json()
    return {"endpoint": {t["metric"]: t["state"] for t in listed if t["ticket"] == n},
            "filter": n in api_numbers(doors["api"], breaching_within=WITHIN),
            "breached": n in api_numbers(doors["api"], sla_state="breached"),
            "running": n in api_numbers(doors["api"], sla_state="running")}


def test_an_assignment_due_at_friday_close_is_running_at_every_door_all_weekend(desk):
    """FG Medium at Friday 16:30 Central: the assignment is due at 17:00, the close. Business
    time does not run over the weekend, so the engine has it running (on time) until Monday
    08:00 has passed; every door and filter says the same, not "breached" since Friday 17:00."""
    clock, _maria, (monday_ticket, _), doors = desk
    clock.at = FRIDAY
    ticket = open_ticket(monday_ticket.organisation, monday_ticket.requester, at=FRIDAY,
                         priority="medium", subject="Fax queue frozen")
    n = ticket.number
    running = {"assignment": "running", "first_response": "running"}
    detail = doors["api"].get(f"/api/v1/tickets/{n}").json()
    assignment = next(t for t in detail["timers"] if t["metric"] == "assignment")
    assert (assignment["due_at"], assignment["late_at"]) == (
        "2026-01-09T23:00:00+00:00", MONDAY_OPEN.isoformat())

    for now in (FRIDAY + timedelta(minutes=15), FRIDAY + timedelta(minutes=30, seconds=1),
                SATURDAY, MONDAY_OPEN):
        clock.at = now
        assert door_states(doors, n) == {"console": running, "portal": running,
                                         "api": running}, now
        # Due within the hour, then due with no business time left but not late: listed as
        # needing work, running.
        assert breaching_lists(doors, n) == {
            "endpoint": {"assignment": "running"}, "filter": True, "breached": False,
            "running": True}, now

    clock.at = MONDAY_OPEN + S
    late = {"assignment": "breached", "first_response": "running"}
    assert door_states(doors, n) == {"console": late, "portal": late, "api": late}
    assert breaching_lists(doors, n) == {"endpoint": {"assignment": "breached"},
                                         "filter": True, "breached": True, "running": True}


def test_an_assignment_on_saturday_meets_the_target_due_at_friday_close(desk):
    clock, maria, (monday_ticket, _), doors = desk
    clock.at = FRIDAY
    ticket = open_ticket(monday_ticket.organisation, monday_ticket.requester, at=FRIDAY,
                         priority="medium", subject="Fax queue frozen")
    n = ticket.number
    clock.at = SATURDAY

    assigned = doors["api"].patch(f"/api/v1/tickets/{n}",
                                  {"assignee": maria.pk, "version": ticket.version},
                                  content_type="application/json")

    assert assigned.status_code == 200, assigned.content
    assert {t["metric"]: t["state"] for t in assigned.json()["timers"]}["assignment"] == "met"
    clock.at = MONDAY_OPEN + timedelta(days=1)
    assert {name: states["assignment"] for name, states in door_states(doors, n).items()} \
        == {"console": "met", "portal": "met", "api": "met"}
    assert breaching_lists(doors, n)["endpoint"].get("assignment") is None


def test_the_breaching_flag_is_documented_in_the_openapi_schema(desk):
    schema = Client().get("/api/v1/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/timers/breaching"]["get"][
        "parameters"]}

    assert params["include_breached"]["schema"]["default"] is True
    assert "breached" in params["include_breached"]["description"]
