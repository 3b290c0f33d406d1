"""The page webhook against a real HTTP receiver on 127.0.0.1: Standard Webhooks signature
verified by the receiver (its own HMAC, a replay window), a PagerDuty Events API v2 payload, the
same webhook-id on a retry, and acknowledge/resolve sent to the same receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pledgedesk.oncall import services
from pledgedesk.oncall.models import Page
from pledgedesk.oncall.schedules import contact_method_add
from pledgedesk.outbox.models import Delivery
from pledgedesk.tickets.models import TicketEvent
from tests.oncall.conftest import SATURDAY_2AM
from tests.outbox.helpers import drain

TOLERANCE = 300  # seconds: the receiver refuses older or newer timestamps (replay)


class Receiver:
    """Verifies each request as a Standard Webhooks consumer would; keeps what it accepted."""

    def __init__(self, secret: str, clock):
        self.key = base64.b64decode(secret.removeprefix("whsec_"))
        self.clock = clock
        self.accepted: list[tuple[str, dict]] = []
        self.refused: list[str] = []
        self.answer = 200

    def verify(self, headers, body: bytes) -> str | None:
        msg_id, stamp = headers["webhook-id"], headers["webhook-timestamp"]
        if abs(int(stamp) - int(self.clock().timestamp())) > TOLERANCE:
            return "timestamp outside the tolerance"
        expected = base64.b64encode(hmac.new(self.key, f"{msg_id}.{stamp}.".encode() + body,
                                             hashlib.sha256).digest()).decode()
        given = [s.split(",", 1)[1] for s in headers["webhook-signature"].split()
                 if s.startswith("v1,")]
        if not any(hmac.compare_digest(expected, g) for g in given):
            return "bad signature"
        return None


@pytest.fixture
def receiver_url():
    state = {}

    class Handle(BaseHTTPRequestHandler):
        def do_POST(self):
            receiver: Receiver = state["receiver"]
            body = self.rfile.read(int(self.headers["Content-Length"]))
            problem = receiver.verify(self.headers, body)
            if problem:
                receiver.refused.append(problem)
                self.send_response(401)
            else:
                receiver.accepted.append((self.headers["webhook-id"], json.loads(body)))
                self.send_response(receiver.answer)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/page"
    server.shutdown()
    server.server_close()


def _setup(desk, receiver_url, now_box):
    state, url = receiver_url
    _, secret = contact_method_add(agent=desk.eve, url=url, routing_key="R0UTINGKEY",
                                   now=SATURDAY_2AM)
    state["receiver"] = Receiver(secret, lambda: now_box[0])
    return state["receiver"]


def test_the_page_webhook_is_signed_and_carries_a_pagerduty_event(desk, receiver_url):
    now = [SATURDAY_2AM]
    receiver = _setup(desk, receiver_url, now)
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)

    assert receiver.refused == []
    (_msg_id, body), = receiver.accepted
    assert body["type"] == "page.triggered"
    assert body["data"]["ticket"]["number"] == ticket.number
    assert body["data"]["responder"]["name"] == "Eve Engineer"
    assert "/oncall/ack/" in body["data"]["page"]["acknowledge_url"]
    pd = body["data"]["pagerduty"]
    page = Page.objects.get(ticket=ticket)
    assert pd["routing_key"] == "R0UTINGKEY" and pd["event_action"] == "trigger"
    assert pd["dedup_key"] == f"pledgedesk-page-{page.pk}"
    assert pd["payload"]["severity"] == "critical"  # Urgent: the policy's first priority
    assert set(pd["payload"]) == {"summary", "source", "severity", "timestamp",
                                  "custom_details"}
    sent = TicketEvent.objects.filter(ticket=ticket, kind="page_sent")
    assert sorted(sent.values_list("new__method", flat=True)) == ["email", "webhook"]

    services.page_acknowledge(page_id=page.pk, agent=desk.eve, via="api",
                              now=SATURDAY_2AM + timedelta(minutes=2))
    now[0] = SATURDAY_2AM + timedelta(minutes=2)
    drain(now=now[0])
    services.page_resolve(page_id=page.pk, agent=desk.eve, via="api",
                          now=SATURDAY_2AM + timedelta(minutes=9))
    now[0] = SATURDAY_2AM + timedelta(minutes=9)
    drain(now=now[0])
    actions = [b["data"]["pagerduty"]["event_action"] for _, b in receiver.accepted]
    assert actions == ["trigger", "acknowledge", "resolve"]
    assert {b["data"]["pagerduty"]["dedup_key"] for _, b in receiver.accepted} == {
        f"pledgedesk-page-{page.pk}"}
    assert "payload" not in receiver.accepted[1][1]["data"]["pagerduty"]


def test_a_failed_webhook_is_retried_with_the_same_id_and_only_then_recorded(desk,
                                                                          receiver_url):
    now = [SATURDAY_2AM]
    receiver = _setup(desk, receiver_url, now)
    receiver.answer = 503
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    assert TicketEvent.objects.filter(ticket=ticket, kind="page_sent",
                                      new__method="webhook").count() == 0
    row = Delivery.objects.get(topic="page.webhook")
    assert row.state == Delivery.State.PENDING and "503" in row.last_error

    receiver.answer = 200
    now[0] = row.next_attempt_at
    drain(now=now[0])
    ids = [i for i, _ in receiver.accepted]
    assert len(ids) == 2 and ids[0] == ids[1]  # the receiver can drop the duplicate
    assert TicketEvent.objects.filter(ticket=ticket, kind="page_sent",
                                      new__method="webhook").count() == 1


def test_a_receiver_rejects_a_replayed_old_delivery(desk, receiver_url):
    now = [SATURDAY_2AM + timedelta(hours=1)]  # the receiver's clock is an hour ahead
    receiver = _setup(desk, receiver_url, now)
    desk.ticket()
    drain(now=SATURDAY_2AM)
    assert receiver.refused == ["timestamp outside the tolerance"]
    assert receiver.accepted == []
