"""POST /tickets/{n}/replies on a stale version (issue 16, the demo's lost-reply bug through
the API): a reply overwrites nothing, so it goes through with a notice and what the customer
wrote meanwhile, as the console's send does; a status change keeps its version check."""

from __future__ import annotations

import pytest

from pledgedesk.tickets.models import Message

pytestmark = pytest.mark.django_db


def _messages(world):
    return world.api("agent").get(f"tickets/{world.ticket.number}/messages").json()


def test_a_reply_on_a_stale_version_goes_through_and_tells_what_the_customer_wrote(world):
    n, loaded = world.ticket.number, world.fresh().version
    seen = _messages(world)[-1]["id"]
    world.api("requester").post(f"tickets/{n}/replies", {"body": "It is the <b>CSV</b> only"})

    response = world.api("agent").post(f"tickets/{n}/replies", {
        "body": "Looking at it", "version": loaded, "seen": seen})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["message"]["body"] == "Looking at it"
    assert f"since version {loaded}" in body["notice"]
    assert [(m["author"]["name"], m["body"]) for m in body["meanwhile"]] == [
        ("Rémi Requester", "It is the <b>CSV</b> only")]
    assert Message.objects.filter(ticket=world.ticket, body="Looking at it").count() == 1


def test_sending_again_with_the_same_old_version_goes_through_too(world):
    n, loaded = world.ticket.number, world.fresh().version
    world.api("requester").post(f"tickets/{n}/replies", {"body": "Any news?"})
    api = world.api("agent")

    first = api.post(f"tickets/{n}/replies", {"body": "One", "version": loaded})
    second = api.post(f"tickets/{n}/replies", {"body": "Two"}, headers={"If-Match": f'"{loaded}"'})

    assert (first.status_code, second.status_code) == (201, 201)
    assert "since version" in second.json()["notice"]
    assert second.json()["meanwhile"] == []  # no seen: only what arrived during the request


def test_a_current_version_gets_no_notice(world):
    response = world.api("agent").post(f"tickets/{world.ticket.number}/replies", {
        "body": "On it", "version": world.fresh().version})

    assert response.status_code == 201
    assert response.json()["notice"] is None and response.json()["meanwhile"] == []


def test_a_status_change_on_a_stale_version_is_still_a_conflict_and_adds_nothing(world):
    n, loaded = world.ticket.number, world.fresh().version
    world.api("requester").post(f"tickets/{n}/replies", {"body": "Hello?"})

    response = world.api("agent").post(f"tickets/{n}/replies", {
        "body": "Please send a screenshot", "status": "pending", "version": loaded})

    assert response.status_code == 409
    assert response.json()["field"] == "version"
    assert not Message.objects.filter(body="Please send a screenshot").exists()
    assert world.fresh().status != "pending"


def test_the_schema_documents_the_reply_rule(world):
    schema = world.api("agent").get("openapi.json").json()
    reply_in = schema["components"]["schemas"]["ReplyIn"]

    assert "never refused because the ticket changed" in reply_in["description"]
    assert "seen" in reply_in["properties"]
    assert "meanwhile" in schema["components"]["schemas"]["ReplyCreatedOut"]["properties"]
