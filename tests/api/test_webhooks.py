"""Webhook subscriptions through the API: administrators only, the secret in the creating
and rotating responses alone, checked input naming its field, the delivery log and replays."""

from __future__ import annotations

import pytest

from pledgedesk.outbox.models import Delivery as OutboxRow
from pledgedesk.webhooks.models import Delivery, Subscription
from tests.api.conftest import NOW, Api, token_for
from tests.factories import agent

pytestmark = pytest.mark.django_db
URL = "https://93.184.215.14/hooks/desk"


@pytest.fixture
def admin(world):
    return Api(token_for(agent(roles=("administrator",), name="Ada Admin").user))


@pytest.fixture
def created(admin):
    response = admin.post("webhooks", {"name": "CRM", "url": URL,
                                       "events": ["created", "ticket.public_reply"]})
    assert response.status_code == 201, response.content
    return response.json()


def test_an_administrator_creates_a_subscription_and_gets_its_secret_once(admin, created):
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["created", "public_reply"]
    assert created["owner"]["name"] == "Ada Admin" and created["active"] is True

    listed = admin.get("webhooks").json()
    one = admin.get(f"webhooks/{created['id']}").json()
    assert [s["id"] for s in listed] == [created["id"]]
    assert "secret" not in listed[0] and "secret" not in one
    assert created["secret"] not in admin.get("webhooks").content.decode()


@pytest.mark.parametrize("role", ["agent", "requester", "administrator", "primary",
                                  "outsider"])
def test_nobody_but_an_administrator_agent_may_use_webhooks(world, created, role):
    caller = world.api(role)  # "administrator" here is a customer's Administrator contact
    assert caller.get("webhooks").status_code == 403
    assert caller.get(f"webhooks/{created['id']}").status_code == 403
    assert caller.post("webhooks", {"name": "x", "url": URL,
                                    "events": ["created"]}).status_code == 403
    assert caller.post(f"webhooks/{created['id']}/rotate").status_code == 403
    assert Subscription.objects.count() == 1


def test_without_a_token_it_is_401(world):
    assert world.api("anonymous").get("webhooks").status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "x", "url": "http://10.0.0.1/x", "events": ["created"]}, "url"),
    ({"name": "x", "url": "https://u:p@93.184.215.14/", "events": ["created"]}, "url"),
    ({"name": "x", "url": "ftp://93.184.215.14/", "events": ["created"]}, "url"),
    ({"name": "x", "url": URL, "events": ["exploded"]}, "events"),
    ({"name": "x", "url": URL, "events": ["internal_note"]}, "events"),
    ({"name": "x", "url": URL, "events": []}, "events"),
    ({"name": "x", "url": URL, "events": ["created"], "organisation": 999999},
     "organisation"),
    ({"name": "x", "url": URL, "events": ["created"], "secret": "whsec_mine"}, "secret"),
])
def test_bad_input_is_a_422_naming_the_field(admin, body, field):
    response = admin.post("webhooks", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["field"]
    assert not Subscription.objects.exists()


def test_event_types_list_every_kind_with_its_class(admin):
    types = {t["kind"]: t for t in admin.get("webhooks/event-types").json()}
    assert types["public_reply"] == {"type": "ticket.public_reply", "kind": "public_reply",
                                     "internal": False, "label": "Public reply"}
    assert types["internal_note"]["internal"] is True


def test_patch_changes_scopes_and_disables(admin, created, world):
    path = f"webhooks/{created['id']}"
    changed = admin.patch(path, {"organisation": world.org.pk, "include_internal": True,
                                 "events": ["internal_note"]})
    assert changed.status_code == 200, changed.content
    assert changed.json()["organisation"] == {"id": world.org.pk, "name": world.org.name}
    off = admin.patch(path, {"active": False}).json()
    assert off["active"] is False and off["disabled_reason"] == "disabled by Ada Admin"
    assert admin.patch(path, {"url": "http://127.0.0.1/"}).status_code == 422
    assert admin.patch(path, {"colour": "red"}).status_code == 422


def test_rotation_returns_the_new_secret_and_the_grace_period(admin, created):
    rotated = admin.post(f"webhooks/{created['id']}/rotate").json()
    assert rotated["secret"] != created["secret"]
    assert rotated["previous_secret_valid_until"].startswith("2026-01-06T16:00:00")


def test_a_missing_subscription_is_404(admin):
    assert admin.get("webhooks/4040").status_code == 404
    assert admin.post("webhooks/4040/rotate").status_code == 404


def test_the_delivery_log_pages_and_a_delivery_can_be_replayed(admin, created):
    sub = Subscription.objects.get()
    for n in range(3):
        Delivery.objects.create(subscription=sub, webhook_id=f"msg_{n}", body=f'{{"n":{n}}}',
                                event_type="ticket.created", created_at=NOW, last_status=500,
                                state="failed")
    path = f"webhooks/{created['id']}/deliveries"

    first = admin.get(path, {"limit": 2}).json()
    rest = admin.get(path, {"limit": 2, "before": first["next_before"]}).json()
    assert [d["webhook_id"] for d in first["deliveries"]] == ["msg_2", "msg_1"]
    assert [d["webhook_id"] for d in rest["deliveries"]] == ["msg_0"]
    assert rest["next_before"] is None

    target = first["deliveries"][0]["id"]
    detail = admin.get(f"{path}/{target}").json()
    assert detail["body"] == '{"n":2}' and detail["attempts"] == []
    replayed = admin.post(f"{path}/{target}/replay")
    assert replayed.status_code == 202 and replayed.json()["replays"] == 1
    assert OutboxRow.objects.get(topic="webhook").payload == {"delivery": target, "replay": 1}


def test_a_delivery_of_another_subscription_is_404(admin, created):
    other = admin.post("webhooks", {"name": "Other", "url": URL, "events": ["created"]}).json()
    sub = Subscription.objects.get(pk=created["id"])
    delivery = Delivery.objects.create(subscription=sub, webhook_id="msg_x", body="{}",
                                       event_type="ticket.created", created_at=NOW)
    base = f"webhooks/{other['id']}/deliveries/{delivery.pk}"
    assert admin.get(base).status_code == 404
    assert admin.post(f"{base}/replay").status_code == 404
