"""tickets.services own their transaction and their files (issue 12): a change and its files
are one durable transaction that no caller can wrap; the files are stored before it opens and
removed again when it does not commit; adding a file is a change like any other."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from pledgedesk.errors import Conflict
from pledgedesk.tickets import services
from pledgedesk.tickets.models import Attachment, Message, Ticket, TicketEvent
from pledgedesk.tickets.services import (
    Actor,
    Change,
    NewTicket,
    ticket_attach,
    ticket_create,
    ticket_customer_reply,
    ticket_log_call,
    ticket_note,
    ticket_reply,
    ticket_update,
)
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db

RK = "crm-severity-colours"
LATER = T0 + timedelta(hours=1)


def upload(name="report.txt", content=b"hello"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(Path(folder, name).relative_to(root))
            for folder, _, names in os.walk(root) for name in names}


def new_ticket(org, requester, **extra) -> NewTicket:
    return NewTicket(organisation=org, requester=requester, subject="Reports are empty",
                     description="Since this morning", channel="portal", priority="yellow",
                     **extra)


@pytest.fixture
def case():
    org = organisation(RK)
    admin = contact(org, role="administrator")
    ticket = ticket_create(new=new_ticket(org, admin), now=T0)
    return org, admin, Actor(channel="web", agent=agent()), ticket


def kinds_after_creation(ticket) -> list[str]:
    return [e.kind for e in TicketEvent.objects.filter(ticket=ticket).order_by("id")
            if e.at > T0]


def test_a_service_refuses_to_run_inside_a_callers_transaction(case):
    _, _, actor, ticket = case

    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        ticket_note(ticket=ticket, actor=actor, body="x", expected_version=None, now=LATER)


def test_a_reply_and_its_files_are_one_change(case):
    _, _, actor, ticket = case

    message = ticket_reply(ticket=ticket, actor=actor, body="Fixed.",
                           change=Change(status="pending"),
                           files=[upload("a.txt"), upload("b.txt", b"bb")],
                           expected_version=ticket.version, now=LATER)

    assert [(a.filename, a.size) for a in message.attachments.all()] == [("a.txt", 5),
                                                                       ("b.txt", 2)]
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version + 1
    assert kinds_after_creation(ticket) == ["public_reply", "attachment_added",
                                            "attachment_added", "status_changed"]
    # What the caller shows comes back with it: the ticket as changed, its timers loaded.
    assert message.ticket.version == ticket.version + 1
    assert message.ticket.status == "pending"
    assert {t.metric for t in message.ticket.timers.all()} >= {"first_response"}


@pytest.mark.parametrize("service", ["note", "call", "customer"])
def test_notes_calls_and_customer_replies_take_their_files(case, service):
    _, admin, actor, ticket = case
    calls = {
        "note": lambda files: ticket_note(ticket=ticket, actor=actor, body="log", files=files,
                                          expected_version=None, now=LATER),
        "call": lambda files: ticket_log_call(ticket=ticket, actor=actor, summary="called",
                                              files=files, expected_version=None, now=LATER),
        "customer": lambda files: ticket_customer_reply(
            ticket=ticket, actor=Actor(channel="portal", contact=admin), body="more",
            files=files, now=LATER),
    }

    message = calls[service]([upload("trace.log")])

    internal = message.visibility == Message.Visibility.INTERNAL
    assert [a.filename for a in message.attachments.all()] == ["trace.log"]
    assert ("internal_attachment_added" if internal else "attachment_added") in \
        kinds_after_creation(ticket)


def test_a_new_ticket_keeps_its_files_on_its_description(case):
    org, admin, _, _ = case

    ticket = ticket_create(new=new_ticket(org, admin), files=[upload("screen.png", b"PNG")],
                           now=T0)

    description = ticket.messages.get()
    assert [a.filename for a in description.attachments.all()] == ["screen.png"]
    added = TicketEvent.objects.get(ticket=ticket, kind="attachment_added")
    assert added.new["message"] == description.pk
    assert added.actor_contact == admin


def test_a_change_that_is_refused_stores_no_file(case):
    _, _, actor, ticket = case
    before = stored_files()

    with pytest.raises(Conflict):
        ticket_reply(ticket=ticket, actor=actor, body="late", files=[upload()],
                     expected_version=ticket.version + 5, now=LATER)

    assert stored_files() == before
    assert not Attachment.objects.exists()


def test_a_change_that_fails_after_writing_removes_its_files(case, monkeypatch):
    _, _, actor, ticket = case
    before = stored_files()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "timers_recompute", broken)
    with pytest.raises(RuntimeError, match="went away"):
        ticket_note(ticket=ticket, actor=actor, body="x", files=[upload(), upload("b.txt")],
                    expected_version=None, now=LATER)

    assert stored_files() == before
    assert not Attachment.objects.exists()
    assert not Message.objects.filter(body="x").exists()


def test_a_creation_that_fails_removes_its_files(case, monkeypatch):
    org, admin, _, _ = case
    before = stored_files()

    def broken():
        raise RuntimeError("no number today")

    monkeypatch.setattr(services, "number_next", broken)
    with pytest.raises(RuntimeError, match="no number"):
        ticket_create(new=new_ticket(org, admin), files=[upload()], now=T0)

    assert stored_files() == before


def test_two_uploads_of_the_same_bytes_are_two_files(case):
    _, _, actor, ticket = case

    first, second = ticket_attach(ticket=ticket, actor=actor,
                                  files=[upload("a.txt"), upload("b.txt")], now=LATER)

    assert first.sha256 == second.sha256
    assert first.file.name != second.file.name  # removing one can never remove the other


def test_an_attachment_is_locked_recorded_and_versioned_like_any_change(case):
    _, _, actor, ticket = case

    [added] = ticket_attach(ticket=ticket, actor=actor, files=[upload()],
                            expected_version=ticket.version, now=LATER)

    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.version == ticket.version + 1
    assert fresh.updated_at == LATER
    event = TicketEvent.objects.get(ticket=ticket, kind="attachment_added")
    assert event.new["attachment"] == added.pk
    with pytest.raises(Conflict):  # the version it was added at is stale now
        ticket_attach(ticket=ticket, actor=actor, files=[upload()],
                      expected_version=ticket.version, now=LATER)


def test_a_closed_ticket_takes_no_file_and_keeps_none(case):
    _, _, actor, ticket = case
    ticket_update(ticket=ticket, actor=actor, change=Change(status="closed"),
                  expected_version=None, now=LATER)
    before = stored_files()

    with pytest.raises(Conflict):
        ticket_attach(ticket=ticket, actor=actor, files=[upload()], now=LATER)

    assert stored_files() == before


@pytest.mark.django_db(transaction=True)
def test_files_are_written_before_the_transaction_opens(monkeypatch):
    org = organisation(RK)
    admin = contact(org, role="administrator")
    storage = Attachment._meta.get_field("file").storage
    saved_in_transaction = []
    original = storage._save

    def watched(name, content):
        saved_in_transaction.append(connection.in_atomic_block)
        return original(name, content)

    monkeypatch.setattr(storage, "_save", watched)

    ticket = ticket_create(new=new_ticket(org, admin), files=[upload()], now=T0)
    ticket_reply(ticket=ticket, actor=Actor(channel="web", agent=agent()), body="ok",
                 files=[upload("b.txt")], expected_version=None, now=LATER)

    assert saved_in_transaction == [False, False]
