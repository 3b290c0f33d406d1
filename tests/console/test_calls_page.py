"""The console's voicemail doors (FG-4, FG-8): held and quarantined calls with the account
look-up and a retry, and a voicemail's audio, link and transcription on its ticket."""

from __future__ import annotations

import pytest

from pledgedesk.channels.calls import call_receive
from pledgedesk.channels.models import InboundCall
from pledgedesk.tickets.models import Ticket
from tests.channels.calls_helpers import (
    FG,
    IN_HOURS,
    OURS,
    audio,
    connect_lines,
    phone,
    report,
    signed,
)
from tests.factories import organisation
from tests.pages import fixed_clock, person, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def lines(settings, tmp_path):
    connect_lines(settings, tmp_path)


@pytest.fixture
def fg():
    org = organisation(FG, plans=["standard"], timezone="America/Chicago", country="US")
    known = person(org, authorised=True)
    phone(known, "+19525550100")
    return org, known


def receive(body):
    return call_receive(provider=OURS, request=signed(body, at=IN_HOURS), now=IN_HOURS)


def test_a_held_call_is_listed_with_its_audio_and_looked_up_by_email(client, fg):
    _, known = fg
    held = receive(report(caller="+19525550142", audio=audio(b"ID3 held voice"),
                          transcription="It's Ann <b>from</b> Acme"))
    client.force_login(staff().user)
    with fixed_clock(IN_HOURS):
        page = client.get("/console/calls/").content.decode()
        played = client.get(f"/console/calls/{held.call}/audio/")
        response = client.post(f"/console/calls/{held.call}/identify/",
                               {"email": known.emails.get().address})
    assert f'<audio controls preload="none" src="/console/calls/{held.call}/audio/"' in page
    assert "It&#x27;s Ann &lt;b&gt;from&lt;/b&gt; Acme" in page and "<b>from</b>" not in page
    assert f'action="/console/calls/{held.call}/identify/"' in page
    assert played.status_code == 200 and b"".join(played.streaming_content
                                                 if played.streaming else [played.content]) \
        == b"ID3 held voice"
    assert played["Content-Type"] == "application/octet-stream"
    ticket = Ticket.objects.get(requester=known)
    assert response.status_code == 302 and response.url == f"/console/tickets/{ticket.number}/"
    assert InboundCall.objects.get().state == "created"


def test_a_look_up_by_an_unknown_number_says_so_on_the_form(client, fg):
    held = receive(report(caller="+19525550142"))
    client.force_login(staff().user)
    with fixed_clock(IN_HOURS):
        response = client.post(f"/console/calls/{held.call}/identify/",
                               {"number": "(952) 555-0199"})
    assert response.status_code == 422
    assert "no contact has the number" in response.content.decode()
    assert InboundCall.objects.get().state == "held" and not Ticket.objects.exists()


def test_a_quarantined_call_is_listed_with_its_reason_and_retried(client, fg, settings):
    settings.PLEDGEDESK_MAX_ATTACHMENT_BYTES = 4
    stuck = receive(report(audio=audio(b"ID3 long voice")))
    client.force_login(staff().user)
    with fixed_clock(IN_HOURS):
        page = client.get("/console/calls/").content.decode()
        settings.PLEDGEDESK_MAX_ATTACHMENT_BYTES = 1000
        client.post(f"/console/calls/{stuck.call}/retry/")
        after = client.get("/console/calls/").content.decode()
    assert "the attachment limit is 4" in page
    assert f'action="/console/calls/{stuck.call}/retry/"' in page
    assert InboundCall.objects.get().state == "created" and "No calls are waiting." in after


def test_the_ticket_shows_the_voicemail_player_link_and_escaped_transcription(client, fg):
    done = receive(report(audio=audio(b"ID3 voice"), transcription="<script>x</script> fax"))
    ticket = Ticket.objects.get(number=done.ticket)
    attachment = ticket.attachments.get()
    client.force_login(staff().user)
    with fixed_clock(IN_HOURS):
        page = client.get(f"/console/tickets/{ticket.number}/").content.decode()
        played = client.get(f"/console/tickets/{ticket.number}/attachments/{attachment.pk}/")
    assert (f'<audio controls preload="none" '
            f'src="/console/tickets/{ticket.number}/attachments/{attachment.pk}/"') in page
    assert 'href="https://recordings.example.com/call-1.mp3"' in page
    assert "&lt;script&gt;x&lt;/script&gt; fax" in page and "<script>x</script>" not in page
    assert played.status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "contact"])
def test_calls_are_for_agents_only(client, fg, who):
    _, known = fg
    held = receive(report(caller="+19525550142", audio=audio()))
    if who == "contact":
        client.force_login(known.user)
    for path in ("/console/calls/", f"/console/calls/{held.call}/audio/"):
        response = client.get(path)
        assert response.status_code == 302 and "/console/sign-in/" in response.url
    response = client.post(f"/console/calls/{held.call}/identify/",
                           {"email": known.emails.get().address})
    assert response.status_code == 302 and "/console/sign-in/" in response.url
    assert InboundCall.objects.get().state == "held" and not Ticket.objects.exists()
