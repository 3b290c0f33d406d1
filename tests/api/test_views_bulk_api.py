"""Saved views (CRUD under /api/v1/views) and bulk actions (POST /api/v1/tickets/bulk) through
the API (issue 16): agents only, shared vs personal, a capped count, and one stale version
failing only its own row."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.api.conftest import NOW, Api, token_for
from tests.factories import agent


def _more_tickets(world, n, **extra):
    return [ticket_create(new=NewTicket(organisation=world.org,
                                        requester=world.people["requester"],
                                        subject=f"Bulk {i}", description="", channel="portal",
                                        **extra), now=NOW) for i in range(n)]


def test_views_are_agents_only(world):
    for role in ("requester", "administrator", "outsider"):
        api = world.api(role)
        assert api.get("views").status_code == 403, role
        assert api.post("views", {"name": "x"}).status_code == 403, role
        assert api.post("tickets/bulk", {"tickets": [{"number": world.ticket.number,
                                                      "version": 1}],
                                         "status": "open"}).status_code == 403, role


def test_a_personal_view_is_its_owners_and_a_shared_one_everyones(world):
    mine = world.api("agent")
    other = Api(token_for(agent(name="Olga Other").user))
    personal = mine.post("views", {"name": "Mine, yellow", "filters": {"priority": "yellow"},
                                   "columns": ["subject", "sla"]})
    shared = mine.post("views", {"name": "Everyone's", "shared": True, "sort": "sla_due"})
    assert personal.status_code == shared.status_code == 201, personal.content
    personal_id, shared_id = personal.json()["id"], shared.json()["id"]

    assert [v["name"] for v in mine.get("views").json()] == ["Mine, yellow", "Everyone's"]
    assert [v["name"] for v in other.get("views").json()] == ["Everyone's"]
    assert other.get(f"views/{personal_id}").status_code == 404
    assert other.get(f"views/{shared_id}").json()["mine"] is False
    assert other.put(f"views/{shared_id}", {"name": "Taken"}).status_code == 403
    assert other.delete(f"views/{shared_id}").status_code == 403
    assert other.delete(f"views/{personal_id}").status_code == 404

    changed = mine.put(f"views/{personal_id}", {"name": "Renamed", "shared": True})
    assert changed.status_code == 200 and changed.json()["columns"] != []
    assert {v["name"] for v in other.get("views").json()} == {"Renamed", "Everyone's"}
    assert mine.delete(f"views/{shared_id}").status_code == 204
    assert [v["name"] for v in other.get("views").json()] == ["Renamed"]


def test_a_view_name_is_unique_per_owner_and_bad_input_names_its_field(world):
    api = world.api("agent")
    assert api.post("views", {"name": "Dup"}).status_code == 201
    again = api.post("views", {"name": "Dup"})
    assert again.status_code == 409 and again.json()["field"] == "name"
    for body in ({"name": "x", "sort": "random"}, {"name": "x", "columns": ["password"]},
                 {"name": "x", "filters": {"colour": "red"}}, {"name": ""},
                 {"name": "x" * 81}, {"name": "x", "filters": {"assignee": "someone"}}):
        assert api.post("views", body).status_code == 422, body


def test_a_views_tickets_follow_its_filters_and_its_count_is_capped(world, monkeypatch):
    from pledgedesk.queues import selectors

    _more_tickets(world, 3, priority="red")
    api = world.api("agent")
    view = api.post("views", {"name": "Red", "filters": {"priority": "red"}}).json()

    page = api.get(f"views/{view['id']}/tickets").json()
    assert {t["priority"] for t in page["items"]} == {"red"} and page["count"] == "3"
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    monkeypatch.setattr(selectors.view_count, "__kwdefaults__", {"cap": 2})
    assert api.get(f"views/{view['id']}/tickets").json()["count"] == "2+"


def test_a_view_page_costs_a_fixed_number_of_statements(world):
    api = world.api("agent")
    view = api.post("views", {"name": "All", "sort": "sla_due"}).json()
    _more_tickets(world, 2)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"views/{view['id']}/tickets").status_code == 200
        return len(captured.captured_queries)

    count()
    small = count()
    _more_tickets(world, 8)
    # token+user+agent, the view, the SLA-ordered timers, the tickets without one, their
    # timers, the capped count: the same whatever the page holds.
    assert count() == small <= 6


def test_bulk_applies_to_each_ticket_and_a_stale_version_fails_only_its_row(world):
    tickets = _more_tickets(world, 3)
    stale = tickets[1]
    Ticket.objects.filter(pk=stale.pk).update(version=stale.version + 1)
    body = {"tickets": [{"number": t.number, "version": t.version} for t in tickets],
            "status": "open", "priority": "red", "add_tags": ["vip"],
            "assignee": str(world.people["agent"].pk)}

    response = world.api("agent").post("tickets/bulk", body)

    assert response.status_code == 200, response.content
    out = response.json()
    assert (out["changed"], out["failed"]) == (2, 1)
    ok = {r["number"]: r for r in out["results"]}
    assert ok[stale.number]["ok"] is False and ok[stale.number]["code"] == "conflict"
    for t in (tickets[0], tickets[2]):
        fresh = Ticket.objects.get(pk=t.pk)
        assert ok[t.number]["ok"] and ok[t.number]["version"] == fresh.version
        assert (fresh.status, fresh.priority, fresh.tags) == ("open", "red", ["vip"])
        assert fresh.assignee_id == world.people["agent"].pk
    assert Ticket.objects.get(pk=stale.pk).priority != "red"


def test_bulk_rows_the_caller_cannot_find_fail_alone(world):
    body = {"tickets": [{"number": world.ticket.number, "version": world.ticket.version},
                        {"number": 999999, "version": 1}], "remove_tags": ["none"],
            "priority": "red"}
    out = world.api("agent").post("tickets/bulk", body).json()
    assert [r["ok"] for r in out["results"]] == [True, False]
    assert out["results"][1]["code"] == "not_found"


def test_bulk_refuses_an_unknown_agent_or_group_before_changing_anything(world):
    row = [{"number": world.ticket.number, "version": world.ticket.version}]
    api = world.api("agent")
    assert api.post("tickets/bulk", {"tickets": row, "assignee": "999999"}).status_code == 422
    assert api.post("tickets/bulk", {"tickets": row, "group": "nobody"}).status_code == 422
    assert api.post("tickets/bulk", {"tickets": row}).status_code == 422
    assert api.post("tickets/bulk", {"tickets": []}).status_code == 422
    assert world.fresh().version == world.ticket.version


def test_bulk_costs_a_fixed_number_of_statements_per_ticket(world):
    api = world.api("agent")

    def statements(n):
        tickets = _more_tickets(world, n)
        body = {"tickets": [{"number": t.number, "version": t.version} for t in tickets],
                "priority": "red"}
        with CaptureQueriesContext(connection) as captured:
            assert api.post("tickets/bulk", body).status_code == 200
        return len([q for q in captured.captured_queries
                    if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN",
                                                        "COMMIT", "ROLLBACK"))])

    statements(1)  # warm the token's last-used stamp and the policy cache
    two, four = statements(2), statements(4)
    per_ticket = (four - two) // 2
    # Each ticket: lock, its event, the event's outbox row, the ticket, its timers (read and
    # written): what ticket_update costs alone, nothing for being in a bulk.
    assert per_ticket <= 8, per_ticket
    assert two - 2 * per_ticket <= 3  # token+user+agent and the one read of all tickets
