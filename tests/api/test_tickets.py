"""Ticket endpoints through the real API and services: create, read, change, converse."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from pledgedesk.tickets.models import Message, Ticket, TicketEvent
from tests.api.conftest import NOW

pytestmark = pytest.mark.django_db

OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


def test_contact_opens_a_ticket_for_themself_with_colleagues_in_cc(world):
    cc = world.people["administrator"]

    response = world.api("requester").post("tickets", {
        "subject": "Export fails", "description": "Every CSV is empty", "priority": "red",
        "cc": [cc.pk]})

    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get(number=body["number"])
    assert ticket.requester == world.people["requester"]
    assert ticket.organisation == world.org
    assert ticket.created_by_agent is None
    assert ticket.channel == "portal"  # RK offers no api channel: the portal's door
    assert list(ticket.cc.all()) == [cc]
    assert body["cc"] == [{"id": cc.pk, "name": cc.name}]
    assert body["priority"] == "red"
    assert body["internal"] is None


def test_contact_cannot_copy_someone_from_another_organisation(world):
    response = world.api("requester").post("tickets", {
        "subject": "x", "cc": [world.people["outsider"].pk]})

    assert response.status_code == 422
    assert response.json()["field"] == "cc"
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("field", ["organisation", "requester", "channel", "tags"])
def test_contact_cannot_set_agent_only_fields(world, field):
    value = {"organisation": world.org.pk, "requester": world.people["cc"].pk,
             "channel": "email", "tags": ["vip"]}[field]

    response = world.api("requester").post("tickets", {"subject": "x", field: value})

    assert response.status_code == 403
    assert response.json()["field"] == field


def test_agent_opens_a_ticket_for_a_customer(world):
    engineer = world.people["agent"]

    response = world.api("agent").post("tickets", {
        "subject": "Phoned in", "description": "Customer says reports fail",
        "organisation": world.org.pk, "requester": world.people["cc"].pk, "channel": "email",
        "tags": ["phone", "phone"]})

    assert response.status_code == 201
    body = response.json()
    assert body["internal"]["created_by_agent"] == {"id": engineer.pk, "name": engineer.name}
    assert body["internal"]["tags"] == ["phone"]
    assert body["channel"] == "email"
    created = TicketEvent.objects.get(ticket__number=body["number"], kind="created")
    assert created.actor_agent == engineer
    # An agent opening a ticket is not a first response (dbt_zendesk PR#273).
    first = next(t for t in body["timers"] if t["metric"] == "first_response")
    assert first["state"] == "running"


@pytest.mark.parametrize(("missing", "field"), [("organisation", "organisation"),
                                                ("requester", "requester")])
def test_agent_must_name_organisation_and_requester(world, missing, field):
    body = {"subject": "x", "organisation": world.org.pk,
            "requester": world.people["cc"].pk}
    del body[missing]

    response = world.api("agent").post("tickets", body)

    assert response.status_code == 422
    assert response.json()["field"] == field


def test_agent_cannot_open_for_a_requester_of_another_organisation(world):
    response = world.api("agent").post("tickets", {
        "subject": "x", "organisation": world.org.pk, "requester": world.people["outsider"].pk})

    assert response.status_code == 422
    assert response.json()["field"] == "requester"


def test_detail_has_iso_timestamps_with_offset_and_an_etag(world):
    response = world.api("requester").get(f"tickets/{world.ticket.number}")

    body = response.json()
    assert response["ETag"] == '"1"'
    assert OFFSET.match(body["received_at"]) and body["received_at"].endswith("+00:00")
    assert all(OFFSET.match(t["due_at"]) for t in body["timers"] if t["due_at"])


def test_patch_changes_status_priority_assignee_group_topic_tags(world):
    from pledgedesk.accounts.models import AgentGroup

    group = AgentGroup.objects.create(key="development", name="Development")
    engineer = world.people["agent"]

    response = world.api("agent").patch(f"tickets/{world.ticket.number}", {
        "status": "open", "priority": "red", "assignee": engineer.pk, "group": "development",
        "topic": "Reports", "tags": ["b", "a"], "version": 1})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["priority"], body["topic"]) == ("open", "red", "Reports")
    assert body["internal"]["assignee"]["id"] == engineer.pk
    assert body["internal"]["group"] == {"key": group.key, "name": group.name}
    assert body["internal"]["tags"] == ["a", "b"]
    assert body["version"] == 2
    assert response["ETag"] == '"2"'
    kinds = set(TicketEvent.objects.filter(ticket=world.ticket).values_list("kind", flat=True))
    assert {"status_changed", "priority_changed", "assigned", "group_changed",
            "topic_changed", "tags_changed"} <= kinds


def test_patch_assignee_null_unassigns(world):
    api, n = world.api("agent"), world.ticket.number
    api.patch(f"tickets/{n}", {"assignee": world.people["agent"].pk, "version": 1})

    response = api.patch(f"tickets/{n}", {"assignee": None, "version": 2})

    assert response.json()["internal"]["assignee"] is None


def test_patch_accepts_if_match(world):
    response = world.api("agent").patch(f"tickets/{world.ticket.number}", {"priority": "red"},
                                        headers={"If-Match": '"1"'})

    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_patch_without_a_version_is_refused(world):
    response = world.api("agent").patch(f"tickets/{world.ticket.number}", {"priority": "red"})

    assert response.status_code == 428
    assert response.json()["field"] == "version"
    assert world.fresh().priority == "yellow"


def test_stale_version_is_a_conflict_and_changes_nothing(world):
    api, n = world.api("agent"), world.ticket.number
    api.patch(f"tickets/{n}", {"priority": "red", "version": 1})

    response = api.patch(f"tickets/{n}", {"priority": "blue", "version": 1})

    assert response.status_code == 409
    assert response.json()["field"] == "version"
    assert "reload" in response.json()["message"]
    assert world.fresh().priority == "red"


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "dancing"}, "status"),
    ({"priority": "purple"}, "priority"),
    ({"assignee": 999999}, "assignee"),
    ({"group": "nobody"}, "group"),
])
def test_patch_unknown_values_name_the_field_and_change_nothing(world, body, field):
    response = world.api("agent").patch(f"tickets/{world.ticket.number}",
                                        {**body, "version": 1})

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert world.fresh().version == 1


def test_agent_reply_with_pending_meets_first_response_and_pauses_resolution(world):
    response = world.api("agent").post(f"tickets/{world.ticket.number}/replies", {
        "body": "Can you send a screenshot?", "status": "pending"})

    assert response.status_code == 201
    body = response.json()
    assert body["message"]["visibility"] == "public"
    assert body["ticket"]["status"] == "pending"
    timers = {t["metric"]: t for t in body["ticket"]["timers"]}
    assert timers["first_response"]["state"] == "met"


def test_contact_reply_reopens_a_solved_ticket(world):
    n = world.ticket.number
    world.api("agent").post(f"tickets/{n}/replies", {"body": "Fixed", "status": "solved"})

    response = world.api("requester").post(f"tickets/{n}/replies", {"body": "Still broken"})

    assert response.status_code == 201
    assert response.json()["ticket"]["status"] == "open"
    assert response.json()["message"]["author"] == {
        "kind": "contact", "name": world.people["requester"].name, "id": None}


def test_contact_cannot_change_status_with_a_reply(world):
    response = world.api("requester").post(f"tickets/{world.ticket.number}/replies",
                                            {"body": "Done", "status": "solved"})

    assert response.status_code == 403
    assert response.json()["field"] == "status"
    assert not Message.objects.filter(body="Done").exists()


def test_closed_is_final_for_replies_and_reopen(world):
    n = world.ticket.number
    world.api("agent").patch(f"tickets/{n}", {"status": "closed", "version": 1})

    reply = world.api("requester").post(f"tickets/{n}/replies", {"body": "Hello?"})
    reopen = world.api("requester").post(f"tickets/{n}/reopen")

    assert reply.status_code == reopen.status_code == 409
    assert reply.json()["code"] == "ticket_closed"


def test_contact_reopens_a_solved_ticket(world):
    n = world.ticket.number
    world.api("agent").patch(f"tickets/{n}", {"status": "solved", "version": 1})

    response = world.api("cc").post(f"tickets/{n}/reopen")

    assert response.status_code == 200
    assert response.json()["status"] == "open"


def test_note_and_call_are_internal_messages(world):
    n = world.ticket.number
    note = world.api("agent").post(f"tickets/{n}/notes", {"body": "Check logs"})
    call = world.api("agent").post(f"tickets/{n}/calls", {"summary": "Screen share done"})

    assert note.status_code == call.status_code == 201
    assert note.json()["message"]["visibility"] == "internal"
    assert call.json()["message"]["channel"] == "phone"
    first = {t["metric"]: t for t in call.json()["ticket"]["timers"]}["first_response"]
    assert first["state"] == "met"  # a logged call is a first touch


def test_note_with_stale_version_conflicts(world):
    n = world.ticket.number
    world.api("agent").post(f"tickets/{n}/notes", {"body": "one", "version": 1})

    response = world.api("agent").post(f"tickets/{n}/notes", {"body": "two", "version": 1})

    assert response.status_code == 409
    assert not Message.objects.filter(body="two").exists()


def test_exclusion_set_and_cleared(world):
    api, n = world.api("agent"), world.ticket.number
    on = api.post(f"tickets/{n}/exclusions", {"reason": "waiting_on_parties"})
    off = api.post(f"tickets/{n}/exclusions", {"reason": "waiting_on_parties",
                                               "active": False})

    assert "waiting_on_parties" in on.json()["internal"]["exclusions"]
    assert "waiting_on_parties" not in off.json()["internal"]["exclusions"]


def test_unknown_exclusion_reason_is_422_naming_reason(world):
    response = world.api("agent").post(f"tickets/{world.ticket.number}/exclusions",
                                       {"reason": "felt_like_it"})

    assert response.status_code == 422
    assert response.json()["field"] == "reason"


def test_pr6_escalation_is_recorded_once(pr_world, fixed_clock):
    world = pr_world
    n = world.ticket.number
    first = world.api("requester").post(f"tickets/{n}/escalation", {"reason": "Payroll"})
    fixed_clock.advance(hours=1)
    again = world.api("administrator").post(f"tickets/{n}/escalation", {"reason": "Still"})

    assert first.json()["escalation_requested_at"] == NOW.isoformat()
    assert again.json()["escalation_requested_at"] == NOW.isoformat()
    assert TicketEvent.objects.filter(kind="escalation_requested").count() == 1
    queue = world.api("agent").get("tickets", {"escalated": "true"}).json()["items"]
    assert [t["number"] for t in queue] == [n]


def test_timers_and_events_endpoints(world):
    n = world.ticket.number
    world.api("agent").patch(f"tickets/{n}", {"priority": "red", "version": 1})

    timers = world.api("requester").get(f"tickets/{n}/timers").json()
    events = world.api("agent").get(f"tickets/{n}/events").json()

    assert [t["metric"] for t in timers] == sorted(t["metric"] for t in timers)
    assert {"metric", "state", "due_at", "goal_at", "met_at"} <= set(timers[0])
    changed = next(e for e in events if e["kind"] == "priority_changed")
    assert (changed["old"], changed["new"]) == ({"priority": "yellow"}, {"priority": "red"})
    assert changed["channel"] == "api"
    assert changed["actor"]["kind"] == "agent"
    assert OFFSET.match(changed["at"])


def test_requests_use_the_injected_clock(world, fixed_clock):
    fixed_clock.advance(hours=2)

    world.api("agent").post(f"tickets/{world.ticket.number}/notes", {"body": "later"})

    assert world.fresh().updated_at == NOW + timedelta(hours=2)


@pytest.mark.parametrize("role", ["agent", "requester"])
def test_create_answers_exactly_what_a_read_of_the_ticket_returns(world, role):
    """The 201 is rendered from the ticket the service just wrote, not read back: it must
    agree with a later GET to the byte, for an agent (internal block) and for a contact."""
    body = {"subject": "Export fails", "description": "<b>CSV</b> is empty", "priority": "red",
            "cc": [world.people["administrator"].pk, world.people["cc"].pk]}
    if role == "agent":
        body |= {"organisation": world.org.pk, "requester": world.people["requester"].pk,
                 "tags": ["b", "a", "b"]}
    created = world.api(role).post("tickets", body)
    assert created.status_code == 201, created.content

    read = world.api(role).get(f"tickets/{created.json()['number']}")

    assert read.status_code == 200
    assert created.json() == read.json()
    assert [t["metric"] for t in created.json()["timers"]] == ["first_response", "resolution"]
