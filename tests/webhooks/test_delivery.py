"""Delivery to a real receiver on the loopback: signed per the spec, retried with backoff for
a day on an injected clock, 410 and continuous failure disable the subscription and tell its
owner, replays keep the webhook-id, and no address check can be slipped past."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from pledgedesk import clock
from pledgedesk.outbox.models import Delivery as OutboxRow
from pledgedesk.tickets.services import Actor, ticket_reply
from pledgedesk.webhooks import handlers, network, services
from pledgedesk.webhooks.delivery import RESPONSE_EXCERPT
from pledgedesk.webhooks.models import Delivery, Subscription
from tests.outbox.helpers import drain
from tests.webhooks.conftest import ticket_in
from tests.webhooks.receiver import (
    Receiver,
    at_timestamp,
    self_signed,
    verify,
    verify_with_library,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(desk, fixed, receiver):
    return services.subscription_create(agent=desk.admin, name="CRM", url=receiver.url,
                                        events=["created", "public_reply"], now=fixed.at)


def walk(fixed, **delta) -> int:
    """Move the clock on and let the worker deliver what is due then."""
    fixed.advance(**delta)
    return drain(now=fixed.at)


def walk_until_settled(fixed) -> None:
    """Deliver each retry at the instant it falls due, as a polling worker would, until no
    webhook row is left pending."""
    while True:
        due = (OutboxRow.objects.filter(topic="webhook", state="pending")
               .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())
        if due is None:
            return
        fixed.at = max(fixed.at, due)
        drain(now=fixed.at)


def owner_mail(desk):
    return [m for m in mail.outbox if m.to == [desk.admin.user.email]]


def test_a_ticket_event_reaches_the_receiver_signed(desk, fixed, receiver, issued):
    ticket = ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)

    (got,) = receiver.requests
    body = verify(issued.secret, got, now=fixed.at)
    assert got.path == "/hooks/desk?src=pledgedesk"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"].startswith("Pledgedesk-Webhooks/")
    assert got.webhook_id.startswith("msg_")
    assert at_timestamp(got) == fixed.at
    assert body["type"] == "ticket.created" and body["data"]["ticket"]["number"] == ticket.number
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.last_status, delivery.webhook_id) == (
        "delivered", 200, got.webhook_id)
    assert delivery.body.encode() == got.body
    (attempt,) = delivery.attempts.all()
    assert (attempt.status_code, attempt.response_body, attempt.error) == (200, '{"ok": true}',
                                                                           "")


def test_the_reference_library_verifies_what_was_sent(desk, receiver):
    now = datetime.now(UTC).replace(microsecond=0)
    with clock.use(clock.FixedClock(now)):
        issued = services.subscription_create(agent=desk.admin, name="Live", url=receiver.url,
                                              events=["created"], now=now)
        ticket = ticket_in(desk.org, desk.requester)
        drain(now=now)
    got = [r for r in receiver.requests if r.json["data"]["ticket"]["number"] == ticket.number]
    assert verify_with_library(issued.secret, got[0])["type"] == "ticket.created"


def test_failures_are_retried_with_backoff_keeping_the_webhook_id(desk, fixed, receiver,
                                                                   issued):
    receiver.answer(500, 503, 404)
    started = fixed.at
    ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)
    assert len(receiver.requests) == 1

    walk(fixed, seconds=29)
    assert len(receiver.requests) == 1  # not due yet: the first wait is 30 s
    walk(fixed, seconds=1)
    walk(fixed, seconds=60)
    walk(fixed, seconds=120)

    got = receiver.requests
    assert [at_timestamp(r) - started for r in got] == [
        timedelta(0), timedelta(seconds=30), timedelta(seconds=90), timedelta(seconds=210)]
    assert len({r.webhook_id for r in got}) == 1
    assert len({r.body for r in got}) == 1
    for r in got:  # each attempt signed afresh at its own instant
        verify(issued.secret, r, now=at_timestamp(r))
    delivery = Delivery.objects.get()
    assert delivery.state == "delivered"
    assert [a.status_code for a in delivery.attempts.order_by("id")] == [500, 503, 404, 200]
    assert Subscription.objects.get().consecutive_failures == 0


def test_a_dead_endpoint_is_retried_for_a_day_then_disabled_and_its_owner_told(
        desk, fixed, receiver, issued):
    receiver.default = 500
    started = fixed.at
    ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)
    walk_until_settled(fixed)

    assert len(receiver.requests) == handlers.MAX_ATTEMPTS == 15
    last = at_timestamp(receiver.requests[-1]) - started
    assert timedelta(hours=24) <= last < timedelta(hours=24, minutes=30)
    sub = Subscription.objects.get()
    assert not sub.active and "every attempt since" in sub.disabled_reason
    assert sub.consecutive_failures == 15
    delivery = Delivery.objects.get()
    assert delivery.state == "failed"
    assert len(delivery.attempts.first().response_body) == RESPONSE_EXCERPT
    assert OutboxRow.objects.get(topic="webhook").state == "failed"
    (told,) = owner_mail(desk)
    assert "CRM" in told.subject and "every attempt since" in told.body
    assert told.extra_headers["Auto-Submitted"] == "auto-generated"


def test_410_gone_disables_at_once_without_retrying(desk, fixed, receiver, issued):
    receiver.answer(410)
    ticket = ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)
    walk(fixed, hours=2)

    assert len(receiver.requests) == 1
    sub = Subscription.objects.get()
    assert not sub.active and "410" in sub.disabled_reason
    assert Delivery.objects.get().state == "failed"
    assert len(owner_mail(desk)) == 1

    ticket.refresh_from_db()
    ticket_reply(ticket=ticket, actor=Actor(channel="web", agent=desk.engineer), body="Hi",
                 expected_version=None, now=fixed.at)
    walk(fixed, minutes=1)
    assert len(receiver.requests) == 1  # a disabled subscription is sent nothing


def test_a_subscription_disabled_meanwhile_skips_what_was_pending(desk, fixed, receiver,
                                                                  issued):
    receiver.answer(500)
    ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)
    services.subscription_update(agent=desk.admin, subscription_id=issued.subscription.pk,
                                 changes={"active": False}, now=fixed.at)
    walk(fixed, minutes=5)

    assert len(receiver.requests) == 1
    assert Delivery.objects.get().state == "skipped"


def test_a_replay_sends_the_same_id_and_body_with_a_fresh_signature(desk, fixed, receiver,
                                                                    issued):
    ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)
    delivery = Delivery.objects.get()

    fixed.advance(days=3)
    services.delivery_replay(agent=desk.admin, subscription_id=issued.subscription.pk,
                             delivery_id=delivery.pk, now=fixed.at)
    drain(now=fixed.at)

    first, again = receiver.requests
    assert again.webhook_id == first.webhook_id and again.body == first.body
    assert at_timestamp(again) == fixed.at
    verify(issued.secret, again, now=fixed.at)  # a fresh timestamp passes the replay window
    assert [a.replay for a in delivery.attempts.order_by("id")] == [0, 1]


def test_after_a_rotation_both_secrets_verify_for_a_day(desk, fixed, receiver, issued):
    rotated = services.subscription_rotate_secret(
        agent=desk.admin, subscription_id=issued.subscription.pk, now=fixed.at)
    ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)

    (got,) = receiver.requests
    for secret in (rotated.secret, issued.secret):
        verify(secret, got, now=fixed.at)


def test_each_subscription_hears_only_of_its_organisation(desk, fixed, receiver):
    services.subscription_create(agent=desk.admin, name="Acme CRM", url=receiver.url,
                                 events=["created"], organisation=desk.org.pk, now=fixed.at)
    mine = ticket_in(desk.org, desk.requester)
    ticket_in(desk.other_org, desk.other_requester)
    drain(now=fixed.at)

    assert [r.json["data"]["ticket"]["number"] for r in receiver.requests] == [mine.number]


def test_a_name_that_moves_to_the_loopback_is_refused_at_delivery(desk, fixed, receiver,
                                                                  settings, monkeypatch):
    port = int(receiver.url.split(":")[2].split("/")[0])
    answers = {"hooks.example": "93.184.215.14"}
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(network.socket, "getaddrinfo", getaddrinfo)
    settings.PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS = ()
    services.subscription_create(agent=desk.admin, name="Rebind",
                                 url=f"http://hooks.example:{port}/x", events=["created"],
                                 now=fixed.at)
    answers["hooks.example"] = "127.0.0.1"  # DNS rebinding after the check at saving

    ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)

    assert receiver.requests == []
    (attempt,) = Delivery.objects.get().attempts.all()
    assert attempt.status_code is None and "refused" in attempt.error
    assert "127.0.0.1" in attempt.error


def test_a_closed_port_is_a_logged_failure_that_is_retried(desk, fixed):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    services.subscription_create(agent=desk.admin, name="Down",
                                 url=f"http://127.0.0.1:{port}/", events=["created"],
                                 now=fixed.at)
    ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)

    (attempt,) = Delivery.objects.get().attempts.all()
    assert attempt.status_code is None and "Connection" in attempt.error
    assert OutboxRow.objects.get(topic="webhook").state == "pending"


def test_the_outbox_retry_button_starts_the_schedule_over_with_the_same_id(desk, fixed,
                                                                           receiver, issued):
    from pledgedesk.outbox.services import retry

    receiver.default = 503
    ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)
    walk_until_settled(fixed)
    Subscription.objects.filter(pk=issued.subscription.pk).update(
        active=True, disabled_at=None, disabled_reason="", failing_since=None)
    receiver.default = 200

    retry(delivery_id=OutboxRow.objects.get(topic="webhook").pk, now=fixed.at)
    drain(now=fixed.at)

    assert len({r.webhook_id for r in receiver.requests}) == 1
    assert receiver.requests[-1].headers["webhook-id"] == receiver.requests[0].webhook_id
    assert Delivery.objects.get().state == "delivered"


def test_the_log_is_forgotten_after_thirty_days(desk, fixed, receiver, issued):
    ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)

    assert services.deliveries_prune(now=fixed.at + timedelta(days=29)) == 0
    assert services.deliveries_prune(now=fixed.at + timedelta(days=31)) == 1
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("narrowed", [{"organisation": "other"}, {"include_internal": False,
                                                                 "events": ["created"]}])
def test_what_a_changed_subscription_may_no_longer_read_is_not_sent(desk, fixed, receiver,
                                                                    narrowed):
    issued = services.subscription_create(agent=desk.admin, name="Wide", url=receiver.url,
                                          events=["created"], include_internal=True,
                                          now=fixed.at)
    receiver.answer(500)
    ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)
    if narrowed.get("organisation") == "other":
        narrowed = {"organisation": desk.other_org.pk}
    services.subscription_update(agent=desk.admin, subscription_id=issued.subscription.pk,
                                 changes=narrowed, now=fixed.at)
    walk(fixed, minutes=5)

    assert len(receiver.requests) == 1  # the first try, before the change
    assert Delivery.objects.get().state == "skipped"


@pytest.fixture
def tls(tmp_path):
    cert_key = self_signed(tmp_path)
    with Receiver(tls=cert_key) as running:
        yield running, cert_key[0]


def test_https_checks_the_certificate_against_the_url_host(desk, fixed, tls):
    receiver, _cert = tls
    services.subscription_create(agent=desk.admin, name="TLS", url=receiver.url,
                                 events=["created"], now=fixed.at)
    ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)

    assert receiver.requests == []  # a certificate nobody vouches for: nothing is sent
    (attempt,) = Delivery.objects.get().attempts.all()
    assert attempt.status_code is None and "CERTIFICATE_VERIFY_FAILED" in attempt.error


def test_https_to_a_trusted_certificate_connects_to_the_checked_address(desk, fixed, tls,
                                                                       monkeypatch):
    receiver, cert = tls
    monkeypatch.setenv("SSL_CERT_FILE", cert)  # trust it, as a real CA would be trusted
    issued = services.subscription_create(agent=desk.admin, name="TLS", url=receiver.url,
                                          events=["created"], now=fixed.at)
    ticket_in(desk.org, desk.requester)
    drain(now=fixed.at)

    (got,) = receiver.requests
    verify(issued.secret, got, now=fixed.at)
    assert got.headers["host"] == receiver.url.split("/")[2]  # localhost:<port>, not the IP
    assert Delivery.objects.get().state == "delivered"
