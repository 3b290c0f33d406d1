"""Voicemail and the hotline (issue 14, FG-4, FG-8): signed provider callbacks, both payload
shapes, stored once, matched to a contact by E.164 number or held for the account look-up,
and the private hotline paging only for a 24x7 contract after hours."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from pledgedesk.accounts.authorization import Principal, visible_tickets
from pledgedesk.channels.calls import (
    call_identify,
    call_process,
    call_receive,
    call_retry,
    call_store,
)
from pledgedesk.channels.calls_hooks import (
    HookRequest,
    SignatureMissing,
    SignatureRejected,
    Unreadable,
    parse,
    twilio_signature,
    verify,
)
from pledgedesk.channels.models import InboundCall
from pledgedesk.errors import Conflict, InvalidInput
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Ticket
from tests.channels.calls_helpers import (
    AFTER_HOURS,
    FG,
    HELP_LINE,
    HOTLINE,
    IN_HOURS,
    OURS,
    RK,
    SECRET,
    TWILIO,
    audio,
    connect_lines,
    phone,
    report,
    signed,
    twilio_form,
    twilio_signed,
)
from tests.factories import agent, contact, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def lines(settings, tmp_path):
    connect_lines(settings, tmp_path)


def fg_customer(*, plans=("standard",), number="+19525550100", **kwargs):
    org = organisation(FG, plans=plans, timezone="America/Chicago", country="US")
    person = contact(org, authorised=True, **kwargs)
    phone(person, number)
    return org, person


def receive(body, *, at, provider=OURS):
    return call_receive(provider=provider, request=signed(body, at=at), now=at)


def kinds(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("pk").values_list("kind", flat=True))


# --- signatures ------------------------------------------------------------------------------


def test_a_callback_signed_with_the_shared_secret_within_the_window_is_accepted():
    request = signed(report(), at=IN_HOURS)
    verify(request, scheme="hmac-sha256", secret=SECRET, now=IN_HOURS + timedelta(minutes=4))
    verify(request, scheme="hmac-sha256", secret=SECRET, now=IN_HOURS - timedelta(minutes=4))


@pytest.mark.parametrize("case", ["wrong secret", "expired", "from the future", "tampered",
                                  "bad timestamp"])
def test_a_bad_signature_is_refused_and_nothing_is_stored(case):
    request = signed(report(), at=IN_HOURS, secret="another-secret-0123456789"
                     if case == "wrong secret" else SECRET)
    now = {"expired": IN_HOURS + timedelta(minutes=5, seconds=1),
           "from the future": IN_HOURS - timedelta(minutes=6)}.get(case, IN_HOURS)
    if case == "tampered":
        request = HookRequest(url=request.url, headers=request.headers,
                              body=request.body.replace(b"call-1", b"call-2"),
                              content_type=request.content_type)
    if case == "bad timestamp":
        request = HookRequest(url=request.url, body=request.body,
                              content_type=request.content_type,
                              headers={**request.headers, "X-Pledgedesk-Timestamp": "soon"})
    with pytest.raises(SignatureRejected) as refused:
        call_receive(provider=OURS, request=request, now=now)
    assert refused.value.status == 403
    assert not InboundCall.objects.exists() and not Ticket.objects.exists()


def test_an_unsigned_callback_is_refused_as_unauthenticated():
    request = signed(report(), at=IN_HOURS)
    bare = HookRequest(url=request.url, headers={}, body=request.body,
                       content_type=request.content_type)
    with pytest.raises(SignatureMissing) as refused:
        call_receive(provider=OURS, request=bare, now=IN_HOURS)
    assert refused.value.status == 401 and "X-Pledgedesk-Signature" in refused.value.message
    assert not InboundCall.objects.exists()


def test_a_rotated_secret_may_sign_beside_the_old_one():
    request = signed(report(), at=IN_HOURS)
    old = signed(report(), at=IN_HOURS, secret="the-old-secret-0123456789")
    both = f"{old.headers['X-Pledgedesk-Signature']}, {request.headers['X-Pledgedesk-Signature']}"
    verify(HookRequest(url=request.url, body=request.body, content_type=request.content_type,
                       headers={**request.headers, "X-Pledgedesk-Signature": both}),
           scheme="hmac-sha256", secret=SECRET, now=IN_HOURS)


def test_a_replay_inside_the_window_is_a_duplicate_not_a_second_ticket():
    fg_customer()
    request = signed(report(), at=IN_HOURS)
    first = call_receive(provider=OURS, request=request, now=IN_HOURS)
    again = call_receive(provider=OURS, request=request, now=IN_HOURS + timedelta(minutes=2))
    later = IN_HOURS + timedelta(minutes=6)
    with pytest.raises(SignatureRejected):  # and outside it, refused before any look-up
        call_receive(provider=OURS, request=request, now=later)
    assert first.outcome == "created" and again.outcome == "duplicate"
    assert again.ticket == first.ticket and again.call == first.call
    assert Ticket.objects.count() == 1 and InboundCall.objects.count() == 1


def test_twilio_signature_matches_twilios_published_examples():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
              ("From", "+14158675309"), ("To", "+18005551212")]
    assert twilio_signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"),
                ("Digits", "1234"), ("Digits", "1234")]
    assert twilio_signature("12345", url, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.mark.parametrize("case", ["valid", "wrong token", "tampered", "other url", "unsigned"])
def test_twilio_callbacks_are_checked_with_the_auth_token(case):
    request = twilio_signed(twilio_form(), token="not-the-token" if case == "wrong token"
                            else TWILIO.secret)
    if case == "tampered":
        request = HookRequest(url=request.url, headers=request.headers,
                              body=request.body.replace(b"17", b"18"),
                              content_type=request.content_type)
    if case == "other url":
        request = HookRequest(url=request.url + "?x=1", headers=request.headers,
                              body=request.body, content_type=request.content_type)
    if case == "unsigned":
        request = HookRequest(url=request.url, headers={}, body=request.body,
                              content_type=request.content_type)
    if case == "valid":
        verify(request, scheme="twilio", secret=TWILIO.secret, now=IN_HOURS)
        return
    expected = SignatureMissing if case == "unsigned" else SignatureRejected
    with pytest.raises(expected):
        verify(request, scheme="twilio", secret=TWILIO.secret, now=IN_HOURS)


# --- payload shapes ----------------------------------------------------------------------------


def test_our_json_shape_and_twilios_form_say_the_same_things():
    ours = parse(json.dumps(report("c-7", transcription="Hello")).encode(), "application/json")
    theirs = parse(twilio_signed(twilio_form("CA7")).body,
                   "application/x-www-form-urlencoded; charset=utf-8")
    assert (ours.call_id, ours.caller, ours.called, ours.duration, ours.transcription) == (
        "c-7", "+19525550100", HELP_LINE, 42, "Hello")
    assert ours.recording_url == "https://recordings.example.com/c-7.mp3"
    assert (theirs.call_id, theirs.caller, theirs.called, theirs.duration) == (
        "CA7", "+19525550100", HELP_LINE, 17)
    assert theirs.transcription == "Please call me back."
    assert theirs.recording_url.endswith("/Recordings/RECA7")
    assert theirs.fields["AccountSid"] == "AC0001"


@pytest.mark.parametrize(("body", "problem"), [
    (b"{not json", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (json.dumps({"from": "+19525550100", "to": HELP_LINE}).encode(), "call_id is missing"),
    (json.dumps(report(recording_url="javascript:alert(1)")).encode(), "http or https"),
    (json.dumps(report(duration=-3)).encode(), "whole seconds"),
    (json.dumps(report(audio={"filename": "x", "data": "***"})).encode(), "not base64"),
])
def test_an_unreadable_body_says_why(body, problem):
    with pytest.raises(Unreadable, match=problem):
        parse(body, "application/json")


def test_a_signed_body_that_is_no_call_is_kept_and_quarantined_under_its_hash():
    outcome = receive(b"<xml>surprise</xml>", at=IN_HOURS)
    again = receive(b"<xml>surprise</xml>", at=IN_HOURS)
    row = InboundCall.objects.get()
    assert outcome.outcome == "quarantined" and "not JSON" in outcome.reason
    assert again.outcome == "duplicate"
    assert bytes(row.body) == b"<xml>surprise</xml>" and row.call_id.startswith("sha256:")
    assert row.headers["X-Pledgedesk-Signature"].startswith("v1=")
    assert not Ticket.objects.exists()


# --- the help line: FG-4 ---------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["+19525550100", "(952) 555-0100", "952.555.0100",
                                    "1-952-555-0100", "+1 952 555 0100"])
def test_a_voicemail_finds_its_contact_by_e164_number_in_any_national_format(caller):
    org, person = fg_customer()
    outcome = receive(report(caller=caller), at=IN_HOURS)
    ticket = Ticket.objects.get(number=outcome.ticket)
    row = InboundCall.objects.get()
    assert outcome.outcome == "created" and row.state == "created" and row.ticket == ticket
    assert ticket.requester == person and ticket.organisation == org
    assert ticket.channel == "voicemail" and ticket.priority == "medium" and ticket.hold == ""
    assert ticket.caller_number == "+19525550100" == row.caller_number
    assert (row.policy_key, row.line) == (FG, "voicemail")
    assert "Our fax server stopped sending." in ticket.description
    assert "https://recordings.example.com/call-1.mp3" in ticket.description
    assert ticket.subject == "Voicemail on the Tech help line from +1 952-555-0100"


def test_a_twilio_recording_callback_opens_the_same_ticket():
    _, person = fg_customer()
    outcome = call_receive(provider=TWILIO, request=twilio_signed(twilio_form()), now=IN_HOURS)
    ticket = Ticket.objects.get(number=outcome.ticket)
    assert ticket.requester == person and ticket.channel == "voicemail"
    assert "Please call me back." in ticket.description
    assert InboundCall.objects.get().provider == "twilio"


def test_a_repeated_callback_is_a_duplicate_and_a_later_transcription_is_kept():
    fg_customer()
    first = call_receive(provider=TWILIO, request=twilio_signed(
        [(k, v) for k, v in twilio_form() if k != "TranscriptionText"]), now=IN_HOURS)
    again = call_receive(provider=TWILIO, request=twilio_signed(twilio_form()), now=IN_HOURS)
    assert again.outcome == "duplicate" and again.ticket == first.ticket
    assert "transcription is added" in again.reason
    assert InboundCall.objects.get().transcription == "Please call me back."
    assert Ticket.objects.count() == 1


def test_uploaded_audio_is_an_attachment_of_the_ticket():
    fg_customer()
    outcome = receive(report(audio=audio(b"ID3 recorded voice")), at=IN_HOURS)
    ticket = Ticket.objects.get(number=outcome.ticket)
    row = InboundCall.objects.get()
    attachment = ticket.attachments.get()
    assert row.audio == attachment and attachment.filename == "voicemail.mp3"
    assert attachment.file.read() == b"ID3 recorded voice"
    assert row.fields["audio"] == {"filename": "voicemail.mp3", "content_type": "audio/mpeg",
                                   "size": 18}


def test_audio_over_the_attachment_limit_is_quarantined_then_retried(settings):
    fg_customer()
    settings.PLEDGEDESK_MAX_ATTACHMENT_BYTES = 10
    outcome = receive(report(audio=audio(b"x" * 11)), at=IN_HOURS)
    assert outcome.outcome == "quarantined" and "11 bytes" in outcome.reason
    settings.PLEDGEDESK_MAX_ATTACHMENT_BYTES = 100
    retried = call_retry(call_id=outcome.call, now=IN_HOURS + timedelta(hours=1))
    assert retried.outcome == "created"
    assert Ticket.objects.get(number=retried.ticket).received_at == IN_HOURS  # the call's time


def test_a_call_to_no_policys_line_is_quarantined():
    fg_customer()
    outcome = receive(report(called="+14155550123"), at=IN_HOURS)
    assert outcome.outcome == "quarantined" and "+14155550123" in outcome.reason


def test_an_unknown_caller_is_held_then_the_look_up_opens_the_ticket_from_the_call():
    org, person = fg_customer(number="+19525550177")
    engineer = agent()
    outcome = receive(report(caller="(952) 555-0100"), at=IN_HOURS)
    assert outcome.outcome == "held" and outcome.ticket is None
    assert "needs an account look-up" in outcome.reason
    assert not Ticket.objects.exists()
    looked_up = IN_HOURS + timedelta(minutes=45)

    done = call_identify(call_id=outcome.call, contact=person, agent=engineer, now=looked_up)

    ticket = Ticket.objects.get(number=done.ticket)
    assert done.outcome == "created" and InboundCall.objects.get().ticket == ticket
    assert ticket.requester == person and ticket.organisation == org and ticket.hold == ""
    assert ticket.received_at == IN_HOURS  # FG-4: the look-up delays the response
    assert ticket.caller_number == "+19525550100"
    event = ticket.events.get(kind=EventKind.REQUESTER_IDENTIFIED)
    assert event.actor_agent == engineer and event.at == looked_up
    assert event.new == {"requester": person.pk, "hold": ""}
    with pytest.raises(Conflict):  # looked up once
        call_identify(call_id=outcome.call, contact=person, agent=engineer, now=looked_up)


def test_a_banned_caller_is_refused_and_kept():
    _, person = fg_customer()
    person.banned_at, person.ban_reason = IN_HOURS, "abusive"
    person.save()
    outcome = receive(report(), at=IN_HOURS)
    assert outcome.outcome == "refused" and "banned" in outcome.reason
    assert InboundCall.objects.get().state == "refused" and not Ticket.objects.exists()


def test_a_caller_who_is_not_authorised_personnel_waits_for_the_primary_contact():
    org = organisation(FG, timezone="America/Chicago", country="US")
    contact(org, role="primary")
    stranger = contact(org)
    phone(stranger, "+19525550100")
    ticket = Ticket.objects.get(number=receive(report(), at=IN_HOURS).ticket)
    assert ticket.requester == stranger and ticket.hold == "awaiting_authorisation"  # FG-10


# --- the private hotline: FG-8 -----------------------------------------------------------------


def test_fg8_a_24x7_customer_on_the_hotline_after_hours_opens_an_urgent_ticket_that_pages():
    _, person = fg_customer(plans=("24x7",))
    outcome = receive(report(called=HOTLINE), at=AFTER_HOURS)
    ticket = Ticket.objects.get(number=outcome.ticket)
    assert ticket.requester == person and ticket.channel == "hotline"
    assert ticket.priority == "urgent" and ticket.page_on_call is True
    assert EventKind.PAGE_ON_CALL in kinds(ticket)
    assert ticket.events.get(kind=EventKind.PAGE_ON_CALL).new == {"priority": "urgent"}
    assert InboundCall.objects.get().line == "hotline"


def test_fg8_the_same_hotline_call_in_business_hours_is_an_ordinary_voicemail():
    fg_customer(plans=("24x7",))
    ticket = Ticket.objects.get(number=receive(report(called=HOTLINE), at=IN_HOURS).ticket)
    assert (ticket.channel, ticket.priority, ticket.page_on_call) == ("voicemail", "medium",
                                                                      False)
    assert EventKind.PAGE_ON_CALL not in kinds(ticket)


def test_fg8_a_customer_without_24x7_on_the_hotline_after_hours_leaves_an_ordinary_voicemail():
    fg_customer(plans=("standard",))
    ticket = Ticket.objects.get(number=receive(report(called=HOTLINE), at=AFTER_HOURS).ticket)
    assert (ticket.channel, ticket.priority, ticket.page_on_call) == ("voicemail", "medium",
                                                                      False)
    assert EventKind.PAGE_ON_CALL not in kinds(ticket)


def test_fg8_an_unknown_number_on_the_hotline_is_held_and_never_pages():
    _, person = fg_customer(plans=("24x7",), number="+19525550177")
    outcome = receive(report(called=HOTLINE), at=AFTER_HOURS)
    assert outcome.outcome == "held"
    done = call_identify(call_id=outcome.call, contact=person, agent=agent(),
                         now=AFTER_HOURS + timedelta(hours=1))
    ticket = Ticket.objects.get(number=done.ticket)
    # Opened as the call came (after hours, 24x7): the hotline's Urgent, held for the look-up
    # at that instant, so it asked for no page; the look-up releases it.
    assert (ticket.channel, ticket.priority, ticket.hold) == ("hotline", "urgent", "")
    assert EventKind.PAGE_ON_CALL not in kinds(ticket)


# --- tenant isolation ----------------------------------------------------------------------------


def test_a_number_of_an_organisation_under_another_policy_is_not_matched_to_the_line():
    fg_customer(number="+19525550177")
    rk_org = organisation(RK, timezone="America/Chicago", country="US")
    rk_person = contact(rk_org)
    phone(rk_person, "+19525550100")
    outcome = receive(report(), at=IN_HOURS)
    assert outcome.outcome == "held" and not Ticket.objects.exists()
    with pytest.raises(InvalidInput) as refused:
        call_identify(call_id=outcome.call, contact=rk_person, agent=agent(), now=IN_HOURS)
    assert refused.value.field == "contact"
    assert InboundCall.objects.get().state == "held"


def test_a_voicemail_ticket_is_seen_by_its_organisation_only():
    _, person = fg_customer(login=True)
    other_org, other = fg_customer(number="+19525550111", login=True, role="primary")
    ticket = Ticket.objects.get(number=receive(report(), at=IN_HOURS).ticket)
    tickets = Ticket.objects.all()
    assert list(visible_tickets(Principal(contact=person), tickets)) == [ticket]
    assert not visible_tickets(Principal(contact=other), tickets).exists()
    assert other.organisation == other_org


def test_a_stored_call_is_processed_once():
    fg_customer()
    row, created = call_store(provider="pledgedesk", request=signed(report(), at=IN_HOURS),
                              now=IN_HOURS)
    first = call_process(call_id=row.pk, now=IN_HOURS)
    second = call_process(call_id=row.pk, now=IN_HOURS)
    assert created and first == second and Ticket.objects.count() == 1
    assert InboundCall.objects.get().attempts == 1
