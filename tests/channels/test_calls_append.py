"""Issue 14, FG-4: a second voicemail from the same caller on the same line, while the ticket
their last voicemail there opened is open and that voicemail is within the window
(PLEDGEDESK_CALL_APPEND_HOURS, 24 h), is appended to it ("appended") instead of opening
another ticket. docs/calls.md "A caller who calls again"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.channels.calls import call_receive
from pledgedesk.channels.models import InboundCall
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import Actor, Change, ticket_update
from tests.channels.calls_helpers import (
    AFTER_HOURS,
    FG,
    HOTLINE,
    IN_HOURS,
    OURS,
    audio,
    connect_lines,
    phone,
    report,
    signed,
)
from tests.factories import agent, contact, organisation
from tests.pages import fixed_clock, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def lines(settings, tmp_path):
    connect_lines(settings, tmp_path)


@pytest.fixture
def caller():
    org = organisation(FG, plans=["24x7"], timezone="America/Chicago", country="US")
    person = contact(org, authorised=True)
    phone(person, "+19525550100")
    return person


def receive(call_id, *, at, **extra):
    body = report(call_id, **extra)
    return call_receive(provider=OURS, request=signed(body, at=at), now=at)


def test_a_second_voicemail_within_the_window_is_appended_with_its_audio(caller):
    first = receive("c1", at=IN_HOURS)
    later = IN_HOURS + timedelta(hours=2)

    second = receive("c2", at=later, transcription="Still broken, please hurry.",
                     audio=audio(b"ID3 second voice"))

    assert (second.outcome, second.ticket) == ("appended", first.ticket)
    assert second.reason == f"added to #{first.ticket}, the caller's open ticket from this line"
    ticket = Ticket.objects.get(number=first.ticket)
    assert Ticket.objects.count() == 1
    reply = ticket.messages.order_by("pk").last()
    assert "Still broken, please hurry." in reply.body and reply.author_contact == caller
    assert reply.channel == "voicemail"
    assert EventKind.CUSTOMER_REPLY in ticket.events.values_list("kind", flat=True)
    row = InboundCall.objects.get(call_id="c2")
    assert (row.state, row.ticket) == ("appended", ticket)
    assert row.audio.message == reply and row.audio.file.read() == b"ID3 second voice"


def test_the_window_counts_from_the_latest_voicemail_on_the_ticket(caller):
    first = receive("c1", at=IN_HOURS)
    assert receive("c2", at=IN_HOURS + timedelta(hours=20)).outcome == "appended"

    third = receive("c3", at=IN_HOURS + timedelta(hours=43))  # 23 h after the second

    assert (third.outcome, third.ticket) == ("appended", first.ticket)


def test_after_the_window_a_new_ticket_opens(caller, settings):
    settings.PLEDGEDESK_CALL_APPEND_HOURS = 1
    first = receive("c1", at=IN_HOURS)

    second = receive("c2", at=IN_HOURS + timedelta(hours=1, seconds=1))

    assert second.outcome == "created" and second.ticket != first.ticket


def test_a_window_of_zero_never_appends(caller, settings):
    settings.PLEDGEDESK_CALL_APPEND_HOURS = 0
    receive("c1", at=IN_HOURS)

    assert receive("c2", at=IN_HOURS).outcome == "created"


def test_a_solved_ticket_is_not_appended_to(caller):
    first = receive("c1", at=IN_HOURS)
    ticket = Ticket.objects.get(number=first.ticket)
    ticket_update(ticket=ticket, actor=Actor(channel="web", agent=agent()),
                  change=Change(status="solved"), expected_version=None,
                  now=IN_HOURS + timedelta(minutes=30))

    second = receive("c2", at=IN_HOURS + timedelta(hours=1))

    assert second.outcome == "created" and second.ticket != first.ticket


def test_another_line_or_another_caller_opens_its_own_ticket(caller):
    first = receive("c1", at=IN_HOURS)
    colleague = contact(caller.organisation, authorised=True)
    phone(colleague, "+19525550111")

    other_caller = receive("c2", at=IN_HOURS + timedelta(minutes=5), caller="+19525550111")
    # FG-8: the 24x7 customer's hotline call after hours pages: never folded into the
    # voicemail ticket from the help line.
    hotline = receive("c3", at=AFTER_HOURS, called=HOTLINE)

    assert other_caller.outcome == hotline.outcome == "created"
    assert len({first.ticket, other_caller.ticket, hotline.ticket}) == 3
    assert Ticket.objects.get(number=hotline.ticket).channel == "hotline"


def test_a_hotline_call_in_hours_does_not_join_a_help_line_ticket(caller):
    first = receive("c1", at=IN_HOURS)

    # Both open on the voicemail channel, but from different lines.
    second = receive("c2", at=IN_HOURS + timedelta(minutes=5), called=HOTLINE)

    assert second.outcome == "created" and second.ticket != first.ticket


def test_a_repeated_callback_of_an_appended_call_is_a_duplicate(caller):
    first = receive("c1", at=IN_HOURS)
    receive("c2", at=IN_HOURS + timedelta(minutes=5))

    again = receive("c2", at=IN_HOURS + timedelta(minutes=6))

    assert (again.outcome, again.ticket) == ("duplicate", first.ticket)
    assert Ticket.objects.get(number=first.ticket).messages.count() == 2


def test_the_ticket_page_plays_both_voicemails(client, caller):
    first = receive("c1", at=IN_HOURS, audio=audio(b"ID3 first"))
    receive("c2", at=IN_HOURS + timedelta(minutes=5), audio=audio(b"ID3 second"),
            transcription="Calling again about the fax.")
    client.force_login(staff().user)

    with fixed_clock(IN_HOURS + timedelta(minutes=10)):
        page = client.get(f"/console/tickets/{first.ticket}/").content.decode()

    assert page.count("<audio controls") == 2
    assert "Calling again about the fax." in page
