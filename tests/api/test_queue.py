"""GET /tickets: queue order, filters, keyset pages and a query count constant in page size."""

from __future__ import annotations

import base64
import math
from datetime import timedelta

import pytest
from django.test import Client

from pledgedesk.tickets.models import SlaTimer
from pledgedesk.tickets.services import Actor, Change, NewTicket, ticket_create, ticket_update
from tests.api.conftest import NOW
from tests.factories import T0, agent

pytestmark = pytest.mark.django_db


def open_tickets(world, priorities, *, start=T0):
    made = []
    for i, priority in enumerate(priorities):
        made.append(ticket_create(new=NewTicket(
            organisation=world.org, requester=world.people["requester"], subject=f"T{i}",
            description="x", channel="portal", priority=priority),
            now=start + timedelta(minutes=i + 1)))
    return made


def numbers(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [t["number"] for t in response.json()["items"]]


def test_queue_is_severity_then_time_received(world):
    """RK-8: severity, then time received."""
    blue, red1, yellow, red2 = open_tickets(world, ["blue", "red", "yellow", "red"])

    got = numbers(world.api("agent").get("tickets"))

    assert got == [red1.number, red2.number, world.ticket.number, yellow.number, blue.number]


def test_keyset_pages_cover_everything_once_without_a_count(world):
    made = open_tickets(world, ["red", "yellow", "blue"] * 3)
    api, seen, cursor = world.api("agent"), [], None

    while True:
        params = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        page = api.get("tickets", params).json()
        assert "count" not in page and "total" not in page
        seen += [t["number"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert sorted(seen) == sorted([t.number for t in made] + [world.ticket.number])
    assert len(seen) == len(set(seen))


def test_filters(world):
    red, blue = open_tickets(world, ["red", "blue"])
    engineer = world.people["agent"]
    ticket_update(ticket=red, actor=Actor(channel="console", agent=engineer),
                  change=Change(assignee=engineer, status="solved"), expected_version=1,
                  now=NOW)
    api = world.api("agent")

    assert numbers(api.get("tickets", {"priority": "blue"})) == [blue.number]
    assert red.number not in numbers(api.get("tickets"))  # solved is not in the open queue
    assert numbers(api.get("tickets", {"status": "solved"})) == [red.number]
    assert numbers(api.get("tickets", {"assignee": "me", "include_closed": "true"})) == [
        red.number]
    assert numbers(api.get("tickets", {"assignee": str(engineer.pk),
                                       "include_closed": "true"})) == [red.number]
    assert red.number not in numbers(api.get("tickets", {"assignee": "unassigned"}))
    assert numbers(api.get("tickets", {"organisation": world.other_org.pk})) == []
    assert numbers(api.get("tickets", {"escalated": "true"})) == []


def test_sla_filters(world, fixed_clock):
    (red,) = open_tickets(world, ["red"])  # first response due the same business day
    api = world.api("agent")

    running = numbers(api.get("tickets", {"sla_state": "running"}))
    soon = numbers(api.get("tickets", {"breaching_within": 60 * 24 * 7}))
    none_soon = numbers(api.get("tickets", {"breaching_within": 1}))

    assert red.number in running
    assert red.number in soon
    assert none_soon == []


def first_late(ticket):
    return SlaTimer.objects.filter(ticket=ticket, met_at__isnull=True,
                                   late_at__isnull=False).order_by("late_at")[0].late_at


def test_breaching_within_keeps_breached_tickets_unless_asked_not_to(world, fixed_clock):
    """Like /timers/breaching: a ticket whose timer has already breached is kept by default
    and left out with include_breached=false; one breaching within the window is kept by
    both."""
    (late,) = open_tickets(world, ["red"])
    fixed_clock.at = first_late(late) + timedelta(seconds=1)
    (fresh,) = open_tickets(world, ["red"], start=fixed_clock.at)
    within = math.ceil((first_late(fresh) - fixed_clock.at).total_seconds() / 60)
    api = world.api("agent")

    kept = numbers(api.get("tickets", {"breaching_within": within}))
    not_late = numbers(api.get("tickets", {"breaching_within": within,
                                           "include_breached": "false"}))

    assert {late.number, fresh.number} <= set(kept)
    assert fresh.number in not_late
    assert late.number not in not_late


def test_the_queue_documents_its_include_breached_flag():
    schema = Client().get("/api/v1/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/tickets"]["get"]["parameters"]}

    assert params["include_breached"]["schema"]["default"] is True
    assert "breached" in params["include_breached"]["description"]


def test_breaching_timers_for_agents(world):
    (red,) = open_tickets(world, ["red"])

    timers = world.api("agent").get("timers/breaching", {"within": 60 * 24 * 7}).json()

    assert red.number in {t["ticket"] for t in timers}
    late = [t["late_at"] for t in timers]
    assert late == sorted(late)


def test_contacts_cannot_filter_by_internal_fields(world):
    for name, value in (("group", "development"), ("assignee", "unassigned")):
        response = world.api("requester").get("tickets", {name: value})
        assert response.status_code == 403
        assert response.json()["field"] == name


def test_contacts_see_only_their_tickets_and_the_administrator_all_of_the_organisation(world):
    mine = open_tickets(world, ["red"])[0]
    colleague_ticket = ticket_create(new=NewTicket(
        organisation=world.org, requester=world.people["colleague"], subject="Theirs",
        description="x", channel="portal"), now=T0)

    requester = set(numbers(world.api("requester").get("tickets")))
    colleague = set(numbers(world.api("colleague").get("tickets")))
    admin = set(numbers(world.api("administrator").get("tickets")))
    outsider = set(numbers(world.api("outsider").get("tickets")))

    assert requester == {mine.number, world.ticket.number}
    assert colleague == {colleague_ticket.number}
    assert admin == {mine.number, world.ticket.number, colleague_ticket.number}
    assert outsider == set()


@pytest.mark.parametrize("raw", [
    f"{10**30}|2026-01-05T15:00:00+00:00|{10**30}",
    "-1|2026-01-05T15:00:00+00:00|1",
    "0|2026-01-05T15:00:00+00:00|0",
    "0|0001-01-01T00:00:00+05:00|1",  # before year 1 in UTC
    "0|9999-12-31T23:59:59-05:00|1",  # after year 9999 in UTC
    "0|2026-01-05T15:00:00|1",  # naive
    "0|2026-01-05T15:00:00+00:00|1|2",
])
def test_a_forged_cursor_is_a_422_not_a_500(world, raw):
    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    response = world.api("agent").get("tickets", {"cursor": cursor})

    assert response.status_code == 422
    assert response.json()["field"] == "cursor"


def test_a_cursor_from_a_page_round_trips(world):
    open_tickets(world, ["red", "blue"])
    first = world.api("agent").get("tickets", {"limit": 1}).json()

    second = world.api("agent").get("tickets", {"limit": 1, "cursor": first["next_cursor"]})

    assert second.status_code == 200
    assert second.json()["items"][0]["number"] != first["items"][0]["number"]


@pytest.mark.parametrize("role", ["agent", "requester", "administrator"])
def test_query_count_does_not_grow_with_page_size(world, role, django_assert_max_num_queries):
    open_tickets(world, ["red", "yellow", "blue"] * 10)
    engineer = agent()
    for ticket in open_tickets(world, ["red"] * 5):
        ticket_update(ticket=ticket, actor=Actor(channel="console", agent=engineer),
                      change=Change(assignee=engineer), expected_version=1, now=NOW)
    api = world.api(role)
    api.get("tickets", {"limit": 1})  # warm the policy cache and the token's last use

    with django_assert_max_num_queries(8) as small:
        assert len(api.get("tickets", {"limit": 2}).json()["items"]) == 2
    with django_assert_max_num_queries(8) as large:
        assert len(api.get("tickets", {"limit": 30}).json()["items"]) == 30

    assert len(large.captured_queries) == len(small.captured_queries)
