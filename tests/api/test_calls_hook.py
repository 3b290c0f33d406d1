"""``POST /hooks/calls/<provider>/`` through the real URL configuration and middleware: the
signed door of voicemail intake (FG-4, FG-8). Its business rules are in
tests/channels/test_calls.py; this is the door: status codes, bodies, CSRF, limits."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client

from pledgedesk import clock
from pledgedesk.api.calls import body_limit
from pledgedesk.channels.calls_hooks import twilio_signature
from pledgedesk.channels.models import InboundCall
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Ticket
from pledgedesk.web.uploads import request_body_limit
from tests.channels.calls_helpers import (
    AFTER_HOURS,
    FG,
    HOOK_URL,
    HOTLINE,
    IN_HOURS,
    TWILIO_TOKEN,
    audio,
    connect_lines,
    phone,
    report,
    signed,
    twilio_form,
)
from tests.factories import contact, organisation

pytestmark = pytest.mark.django_db
PATH = "/hooks/calls/{}/"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def lines(settings, tmp_path):
    connect_lines(settings, tmp_path)
    org = organisation(FG, plans=["24x7"], timezone="America/Chicago", country="US")
    phone(contact(org, authorised=True), "+19525550100")


def post(body, *, at=IN_HOURS, now=None, headers=None, csrf=False, **sign):
    request = signed(body, at=at, **sign)
    client = Client(enforce_csrf_checks=csrf)
    with clock.use(clock.FixedClock(now or at)):
        return client.post(PATH.format("pledgedesk"), data=request.body,
                           content_type="application/json",
                           headers=request.headers if headers is None else headers)


def test_a_signed_voicemail_opens_a_ticket_even_with_csrf_checks_on():
    response = post(report(), csrf=True)
    body = response.json()
    assert response.status_code == 200, body
    assert body["outcome"] == "created" and body["reason"] == ""
    assert Ticket.objects.get(number=body["ticket"]).channel == "voicemail"
    assert body["call"] == InboundCall.objects.get().pk


def test_the_24x7_hotline_after_hours_pages_through_the_hook():
    response = post(report(called=HOTLINE), at=AFTER_HOURS)
    ticket = Ticket.objects.get(number=response.json()["ticket"])
    assert ticket.priority == "urgent"
    assert ticket.events.filter(kind=EventKind.PAGE_ON_CALL).count() == 1


def test_unsigned_is_401_and_stores_nothing():
    response = post(report(), headers={})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert "X-Pledgedesk-Signature" in response.json()["message"]
    assert not InboundCall.objects.exists()


@pytest.mark.parametrize("case", ["wrong secret", "expired"])
def test_a_bad_or_stale_signature_is_403_and_stores_nothing(case, caplog):
    if case == "wrong secret":
        response = post(report(), secret="someone-elses-secret-123")
    else:
        response = post(report(), now=IN_HOURS + timedelta(minutes=10))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not InboundCall.objects.exists()
    assert "refused a request" in caplog.text
    assert "test-calls-secret" not in caplog.text  # the log line carries no secret


def test_a_signed_body_that_is_no_call_is_202_and_kept():
    response = post(b"\x00\x01 not a call")
    assert response.status_code == 202
    assert response.json()["outcome"] == "quarantined"
    assert bytes(InboundCall.objects.get().body) == b"\x00\x01 not a call"


def test_a_repeated_callback_answers_duplicate_with_the_same_ticket():
    first = post(report()).json()
    again = post(report()).json()
    assert again["outcome"] == "duplicate" and again["ticket"] == first["ticket"]


def test_an_unknown_caller_is_held_with_200():
    body = post(report(caller="+19525550142")).json()
    assert body["outcome"] == "held" and body["ticket"] is None


def test_twilio_posts_its_form_and_gets_twiml_back():
    pairs = twilio_form()
    url = HOOK_URL.format("twilio")
    with clock.use(clock.FixedClock(IN_HOURS)):
        response = Client().post(PATH.format("twilio"), data=urlencode(pairs), content_type=FORM,
                                 headers={"X-Twilio-Signature":
                                          twilio_signature(TWILIO_TOKEN, url, pairs)})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Response/>" in response.content
    assert response["X-Pledgedesk-Outcome"] == "created"
    assert Ticket.objects.filter(number=int(response["X-Pledgedesk-Ticket"])).exists()


def test_twilio_with_a_wrong_signature_is_403():
    with clock.use(clock.FixedClock(IN_HOURS)):
        response = Client().post(PATH.format("twilio"), data=urlencode(twilio_form()),
                                 content_type=FORM, headers={"X-Twilio-Signature": "AAAA"})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_a_provider_without_a_secret_is_404(settings):
    settings.PLEDGEDESK_CALL_PROVIDERS = {}
    response = post(report())
    assert response.status_code == 404 and response.json()["code"] == "no_such_endpoint"


def test_only_post_is_allowed():
    assert Client().get(PATH.format("pledgedesk")).status_code == 405


def test_a_body_over_the_limit_is_413_before_anything_is_stored(settings):
    settings.PLEDGEDESK_MAX_ATTACHMENT_BYTES = 10
    response = post(report(audio=audio(b"x" * 2_000_000)))
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert not InboundCall.objects.exists()


def test_the_json_shape_carries_audio_to_the_ticket():
    body = post(report(audio=audio(b"ID3 voice"))).json()
    ticket = Ticket.objects.get(number=body["ticket"])
    assert ticket.attachments.get().content_type == "audio/mpeg"
    assert json.loads(json.dumps(InboundCall.objects.get().fields))["audio"]["size"] == 9


def test_the_servers_event_loop_lets_a_full_voicemail_through():
    assert request_body_limit(PATH.format("pledgedesk")) >= body_limit()
