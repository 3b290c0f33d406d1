"""Macros and merging through the API (issue 16): CRUD with personal macros private, fill
in and apply on a ticket; merge within an organisation only; contacts may do neither."""

from __future__ import annotations

from pledgedesk.tickets.models import Message, Ticket
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.api.conftest import T0, Api, token_for
from tests.factories import agent


def test_macro_crud_fill_and_apply(world):
    api = world.api("agent")
    made = api.post("macros", {"name": "Solve", "body": "Done, {{requester.first_name}}.",
                               "status": "solved", "tags": ["done"], "shared": True})
    assert made.status_code == 201, made.content
    macro = made.json()
    assert macro["shared"] and macro["tags"] == ["done"]
    assert [m["name"] for m in api.get("macros").json()] == ["Solve"]
    bad = api.post("macros", {"name": "x", "body": "{{ticket.secret}}"})
    assert bad.status_code == 422 and bad.json()["field"] == "body"
    changed = api.put(f"macros/{macro['id']}", {"name": "Solve", "body": "Fixed, "
                      "{{requester.first_name}}.", "status": "solved", "tags": ["done"],
                      "shared": True})
    assert changed.status_code == 200 and changed.json()["body"].startswith("Fixed")

    number = world.ticket.number
    filled = api.get(f"tickets/{number}/macros/{macro['id']}").json()
    assert filled == {"body": "Fixed, Rémi.", "status": "solved", "priority": None,
                      "group": None, "tags": ["done"]}
    assert world.fresh().status != "solved"  # filling changes nothing
    applied = api.post(f"tickets/{number}/macros/{macro['id']}",
                       {"version": world.fresh().version})
    assert applied.status_code == 201, applied.content
    assert applied.json()["message"]["body"] == "Fixed, Rémi."
    fresh = world.fresh()
    assert fresh.status == "solved" and fresh.tags == ["done"]
    assert api.delete(f"macros/{macro['id']}").status_code == 204
    assert api.get(f"macros/{macro['id']}").status_code == 404


def test_personal_macros_are_private_and_contacts_have_none(world):
    mine = world.api("agent").post("macros", {"name": "Mine", "body": "x"}).json()
    other = Api(token_for(agent(name="Other").user))
    assert other.get("macros").json() == []
    assert other.get(f"macros/{mine['id']}").status_code == 404
    assert other.post(f"tickets/{world.ticket.number}/macros/{mine['id']}", {}).status_code \
        == 404
    assert world.api("requester").get("macros").status_code == 403


def test_merge_within_the_organisation_only(world):
    api = world.api("agent")
    dup = ticket_create(new=NewTicket(organisation=world.org, requester=world.people["cc"],
                                      subject="Reports empty again", description="Same",
                                      channel="portal"), now=T0)
    merged = api.post(f"tickets/{dup.number}/merge", {"into": world.ticket.number,
                                                      "version": dup.version})
    assert merged.status_code == 200, merged.content
    assert merged.json()["number"] == world.ticket.number
    assert Ticket.objects.get(pk=dup.pk).merged_into_id == world.ticket.pk
    assert Message.objects.filter(ticket=world.ticket).count() == 2

    foreign = ticket_create(new=NewTicket(
        organisation=world.other_org, requester=world.people["outsider"], subject="Theirs",
        description="x", channel="portal"), now=T0)
    refused = api.post(f"tickets/{foreign.number}/merge", {"into": world.ticket.number})
    assert refused.status_code == 422 and refused.json()["field"] == "target"
    assert world.api("requester").post(f"tickets/{world.ticket.number}/merge",
                                       {"into": foreign.number}).status_code in (403, 404)
