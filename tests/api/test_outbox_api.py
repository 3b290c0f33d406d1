"""The outbox through the API: agents list failed deliveries and retry one; nobody else."""

from __future__ import annotations

import pytest

from pledgedesk.outbox import registry
from pledgedesk.outbox.models import Delivery
from pledgedesk.outbox.services import enqueue
from tests.outbox.helpers import drain
from tests.pages import NOW


@pytest.fixture
def failed(world, monkeypatch):
    def refuse(row, *, now):
        raise registry.PermanentFailure("receiver answered 410 Gone")

    monkeypatch.setitem(registry._handlers, "probe", registry.Handler("probe", refuse, 1, 1, 1))
    enqueue(topic="probe", key="webhook:1:99", payload={}, now=NOW, ticket_id=world.ticket.pk)
    drain(now=NOW)
    return Delivery.objects.get(key="webhook:1:99")


def test_an_agent_lists_failures_and_retries_one(world, failed):
    api = world.api("agent")
    listed = api.get("outbox/failed")
    assert listed.status_code == 200
    [row] = listed.json()
    assert row["key"] == "webhook:1:99" and row["ticket_id"] == world.ticket.pk
    assert row["last_error"] == "PermanentFailure: receiver answered 410 Gone"
    retried = api.post(f"outbox/{failed.pk}/retry", {})
    assert retried.status_code == 200 and retried.json()["state"] == "pending"
    again = api.post(f"outbox/{failed.pk}/retry", {})
    assert again.status_code == 409 and again.json()["field"] == "delivery"
    assert api.post("outbox/999999/retry", {}).status_code == 404


@pytest.mark.parametrize("role", ["requester", "administrator", "outsider"])
def test_contacts_get_a_403_and_change_nothing(world, failed, role):
    api = world.api(role)
    assert api.get("outbox/failed").status_code == 403
    assert api.post(f"outbox/{failed.pk}/retry", {}).status_code == 403
    failed.refresh_from_db()
    assert failed.state == "failed"


def test_no_token_is_a_401(world, failed):
    assert world.api("anonymous").get("outbox/failed").status_code == 401
