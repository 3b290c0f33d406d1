"""Fan-out: one planned delivery per matching active subscription for each ticket event, with
a body that tells a public-only subscriber nothing a contact could not read."""

from __future__ import annotations

import json

import pytest

from pledgedesk.outbox.models import Delivery as OutboxRow
from pledgedesk.outbox.registry import EventNotice
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import TicketEvent
from pledgedesk.tickets.services import Actor, ticket_note, ticket_reply
from pledgedesk.webhooks import services
from pledgedesk.webhooks.planner import plan
from tests.outbox.helpers import drain
from tests.webhooks.conftest import ticket_in

pytestmark = pytest.mark.django_db
SECRET_NOTE = "Customer is on the legacy cluster; do not mention the outage"


@pytest.fixture
def subscribe(desk, fixed, receiver):
    """Subscriptions to a real receiver on the loopback: draining delivers what is planned,
    and nothing may leave the machine."""
    def make(**given):
        values = {"name": "Hook", "url": receiver.url, "events": ["created", "public_reply"],
                  **given}
        return services.subscription_create(agent=desk.admin, now=fixed.at,
                                            **values).subscription
    return make


def notice(event: TicketEvent) -> EventNotice:
    return EventNotice(event_id=event.pk, ticket_id=event.ticket_id,
                       organisation_id=event.ticket.organisation_id, kind=event.kind)


def last_event(ticket, kind) -> TicketEvent:
    return TicketEvent.objects.filter(ticket=ticket, kind=kind).latest("id")


def webhook_rows():
    return list(OutboxRow.objects.filter(topic="webhook").order_by("id"))


def test_each_matching_subscription_gets_one_delivery_per_event(subscribe, desk, fixed):
    everyone = subscribe()
    acme_only = subscribe(organisation=desk.org.pk)
    subscribe(organisation=desk.other_org.pk)  # another organisation's
    subscribe(events=["status_changed"])  # another kind
    off = subscribe()
    services.subscription_update(agent=desk.admin, subscription_id=off.pk,
                                 changes={"active": False}, now=fixed.at)

    ticket = ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)

    created = last_event(ticket, EventKind.CREATED)
    assert [(r.key, r.payload["subscription"]) for r in webhook_rows()] == [
        (f"webhook:{everyone.pk}:{created.pk}", everyone.pk),
        (f"webhook:{acme_only.pk}:{created.pk}", acme_only.pk)]


def test_planning_twice_plans_nothing_twice(subscribe, desk, fixed):
    subscribe()
    ticket = ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)
    first = [(r.key, r.payload["webhook_id"]) for r in webhook_rows()]

    from pledgedesk.outbox.services import enqueue_many
    enqueue_many(plan(notice(last_event(ticket, EventKind.CREATED)), now=fixed.at),
                 now=fixed.at)

    assert [(r.key, r.payload["webhook_id"]) for r in webhook_rows()] == first


def test_a_desk_without_subscriptions_plans_nothing_in_one_query(subscribe, desk, fixed,
                                                                 django_assert_num_queries):
    ticket = ticket_in(desk.org, desk.requester)
    told = notice(last_event(ticket, EventKind.CREATED))
    with django_assert_num_queries(1):
        assert plan(told, now=fixed.at) == []


def test_the_body_is_the_documented_envelope(subscribe, desk, fixed):
    sub = subscribe()
    ticket = ticket_in(desk.org, desk.requester, subject="Reports are empty",
                       description="Since this morning")
    reply = ticket_reply(ticket=ticket, actor=Actor(channel="web", agent=desk.engineer),
                         body="We are on it.", expected_version=None, now=fixed.at)

    planned = plan(notice(last_event(ticket, EventKind.PUBLIC_REPLY)), now=fixed.at)

    (row,) = planned
    body = json.loads(row.payload["body"])
    assert row.payload["webhook_id"].startswith("msg_") and "." not in row.payload["webhook_id"]
    assert row.payload["subscription"] == sub.pk and row.payload["type"] == body["type"]
    assert body["type"] == "ticket.public_reply"
    assert body["timestamp"] == fixed.at.isoformat().replace("+00:00", "Z")
    data = body["data"]
    assert data["ticket"]["number"] == ticket.number
    assert data["ticket"]["subject"] == "Reports are empty"
    assert data["ticket"]["organisation"] == {"id": desk.org.pk, "name": "Acme Corp"}
    assert {"status", "priority", "channel", "requester"} <= data["ticket"].keys()
    assert data["event"]["kind"] == "public_reply"
    assert data["event"]["actor"] == {"type": "agent", "id": desk.engineer.pk,
                                      "name": "Erin Engineer"}
    assert data["message"]["id"] == reply.pk and data["message"]["body"] == "We are on it."
    assert data["message"]["visibility"] == "public"


def test_a_created_event_carries_the_description(subscribe, desk, fixed):
    subscribe()
    ticket = ticket_in(desk.org, desk.requester, description="Since this morning")
    (row,) = plan(notice(last_event(ticket, EventKind.CREATED)), now=fixed.at)
    assert json.loads(row.payload["body"])["data"]["ticket"]["description"] == \
        "Since this morning"


def test_a_public_only_subscriber_never_learns_of_internal_notes(subscribe, desk, fixed):
    public = subscribe(events=["created", "public_reply", "status_changed"])
    internal = subscribe(events=["created", "public_reply", "internal_note"],
                         include_internal=True)
    ticket = ticket_in(desk.org, desk.requester)
    ticket_note(ticket=ticket, actor=Actor(channel="web", agent=desk.engineer),
                body=SECRET_NOTE, expected_version=None, now=fixed.at)
    ticket.refresh_from_db()
    ticket_reply(ticket=ticket, actor=Actor(channel="web", agent=desk.engineer),
                 body="Looking into it", expected_version=None, now=fixed.at)

    drain(now=fixed.at)

    rows = webhook_rows()
    public_bodies = [r.payload["body"] for r in rows if r.payload["subscription"] == public.pk]
    internal_bodies = [r.payload["body"] for r in rows
                       if r.payload["subscription"] == internal.pk]
    public_types = [json.loads(b)["type"] for b in public_bodies]
    assert {"ticket.created", "ticket.public_reply"} <= set(public_types)
    assert "ticket.internal_note" not in public_types
    assert all(SECRET_NOTE not in b and '"internal"' not in b for b in public_bodies)
    assert all('"visibility":"internal"' not in b for b in public_bodies)
    by_type = {json.loads(b)["type"]: json.loads(b)["data"] for b in internal_bodies}
    assert list(by_type) == ["ticket.created", "ticket.internal_note", "ticket.public_reply"]
    note = by_type["ticket.internal_note"]
    assert note["message"] == {**note["message"], "visibility": "internal",
                               "body": SECRET_NOTE}
    assert "internal" in by_type["ticket.public_reply"]["ticket"]


def test_public_facts_only_for_a_public_subscriber(subscribe, desk, fixed):
    public = subscribe(events=["created"])
    internal = subscribe(events=["created"], include_internal=True)
    ticket = ticket_in(desk.org, desk.requester)

    rows = {r.payload["subscription"]: json.loads(r.payload["body"])
            for r in plan(notice(last_event(ticket, EventKind.CREATED)), now=fixed.at)}

    public_new = rows[public.pk]["data"]["event"]["new"]
    assert set(public_new) <= EventKind.CREATED.public_facts
    assert {"plan", "group", "notes"} & set(rows[internal.pk]["data"]["event"]["new"])
    assert "internal" not in rows[public.pk]["data"]["ticket"]


def test_an_unclassified_kind_goes_only_to_internal_subscribers(subscribe, desk, fixed):
    subscribe(events=["created"])
    ticket = ticket_in(desk.org, desk.requester)
    event = last_event(ticket, EventKind.CREATED)
    odd = EventNotice(event_id=event.pk, ticket_id=ticket.pk,
                      organisation_id=desk.org.pk, kind="made_up_later")
    assert plan(odd, now=fixed.at) == []
