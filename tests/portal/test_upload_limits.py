"""Upload limits on every door that takes files (issue 13): the portal's request form once read
a 300 MiB upload to the end before refusing it. Each route refuses a body declared over its
limit before reading a byte of it, and stops reading a file as soon as it passes the
attachment limit; the portal's request form writes its files outside the transaction."""

from __future__ import annotations

import pytest
from django.db import connection

from pledgedesk.tickets.models import Attachment, Ticket
from tests.pages import FG, RK, open_ticket, organisation, person, staff
from tests.streaming import MiB, StreamedBody

pytestmark = pytest.mark.django_db

LIMIT = 1 * MiB  # per attachment in these tests; ten of them is the forms' limit


@pytest.fixture(autouse=True)
def _small_attachments(settings):
    settings.PLEDGEDESK_MAX_ATTACHMENT_BYTES = LIMIT


def submit_fields():
    return {"subject": "Big", "description": "x", "priority": "low"}


@pytest.fixture
def portal(client, at_now):
    someone = person(organisation(FG, timezone="America/Chicago", country="US"),
                     authorised=True)
    client.force_login(someone.user)
    return client, someone


def test_the_request_form_refuses_a_body_declared_too_long_before_reading_it(portal):
    client, _ = portal
    body = StreamedBody(submit_fields(), file_field="attachments", file_bytes=300 * MiB)

    response = client.generic("POST", "/portal/requests/new/",
                              **body.environ(declared=body.length))

    assert response.status_code == 413
    assert f"attachment limit is {LIMIT} bytes" in response.content.decode()
    assert body.read_bytes == 0
    assert not Ticket.objects.exists()


def test_the_request_form_stops_reading_a_file_at_the_attachment_limit(portal):
    client, _ = portal
    # Declared honestly and under the form's limit (ten files), but one file is eight times
    # the attachment limit: reading stops when that file passes it, not at the end.
    body = StreamedBody(submit_fields(), file_field="attachments", file_bytes=8 * LIMIT)

    response = client.generic("POST", "/portal/requests/new/",
                              **body.environ(declared=body.length))

    assert response.status_code == 413
    assert f"attachment limit of {LIMIT} bytes" in response.content.decode()
    assert body.read_bytes < LIMIT + 256 * 1024
    assert not Ticket.objects.exists()


def test_a_body_without_a_length_is_not_read_at_all(portal):
    client, _ = portal
    body = StreamedBody(submit_fields(), file_field="attachments", file_bytes=300 * MiB)

    response = client.generic("POST", "/portal/requests/new/", **body.environ(declared=None))

    assert response.status_code == 400  # an empty form: nothing was read
    assert body.read_bytes == 0
    assert not Ticket.objects.exists()


def test_a_body_longer_than_declared_is_read_only_as_far_as_declared(portal):
    client, _ = portal
    body = StreamedBody(submit_fields(), file_field="attachments", file_bytes=300 * MiB)

    response = client.generic("POST", "/portal/requests/new/", **body.environ(declared=4096))

    # HTTP's body is what was declared; the rest is never read (nor anything past 4 KiB).
    assert response.status_code < 500
    assert body.read_bytes <= 4096
    assert all(a.size <= 4096 for a in Attachment.objects.all())


def test_a_reply_refuses_a_body_declared_too_long_before_reading_it(portal):
    client, someone = portal
    ticket = open_ticket(someone.organisation, someone, channel="portal")
    body = StreamedBody({"body": "see file"}, file_field="attachments", file_bytes=300 * MiB)

    response = client.generic("POST", f"/portal/tickets/{ticket.number}/reply/",
                              **body.environ(declared=body.length))

    assert response.status_code == 413
    assert body.read_bytes == 0
    assert not ticket.messages.filter(body="see file").exists()


def test_a_form_that_takes_no_files_refuses_one_at_once(portal):
    client, _ = portal
    body = StreamedBody({"name": "Someone", "email": "someone@example.com"},
                        file_field="attachments", file_bytes=2 * LIMIT)

    response = client.generic("POST", "/portal/people/", **body.environ(declared=body.length))

    assert response.status_code == 413
    assert body.read_bytes < 256 * 1024


def test_the_console_compose_form_refuses_a_body_declared_too_long_before_reading_it(
        client, at_now):
    org = organisation(RK)
    ticket = open_ticket(org, person(org, role="administrator"), priority="red")
    engineer = staff()
    client.force_login(engineer.user)
    body = StreamedBody({"kind": "note", "body": "log attached", "version": "1"},
                        file_field="attachments", file_bytes=300 * MiB)

    response = client.generic("POST", f"/console/tickets/{ticket.number}/compose/",
                              **body.environ(declared=body.length))

    assert response.status_code == 413
    assert body.read_bytes == 0
    assert not ticket.messages.filter(body="log attached").exists()


def test_the_console_compose_form_stops_reading_a_file_at_the_attachment_limit(client, at_now):
    org = organisation(RK)
    ticket = open_ticket(org, person(org, role="administrator"), priority="red")
    client.force_login(staff().user)
    body = StreamedBody({"kind": "note", "body": "log attached", "version": "1"},
                        file_field="attachments", file_bytes=8 * LIMIT)

    response = client.generic("POST", f"/console/tickets/{ticket.number}/compose/",
                              **body.environ(declared=body.length))

    assert response.status_code == 413
    assert body.read_bytes < LIMIT + 256 * 1024
    assert not Attachment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_request_form_writes_its_files_outside_the_transaction(client, at_now,
                                                                 monkeypatch):
    # The form used to wrap the service and the file writes in one transaction: SQLite's
    # one write lock was held while megabytes went to disk.
    from django.core.files.uploadedfile import SimpleUploadedFile

    someone = person(organisation(FG, timezone="America/Chicago", country="US"),
                     authorised=True)
    client.force_login(someone.user)
    storage = Attachment._meta.get_field("file").storage
    in_transaction = []
    original = storage._save

    def watched(name, content):
        in_transaction.append(connection.in_atomic_block)
        return original(name, content)

    monkeypatch.setattr(storage, "_save", watched)

    response = client.post("/portal/requests/new/", {
        **submit_fields(), "attachments": [SimpleUploadedFile("a.txt", b"hello")]})

    assert response.status_code == 302, response.content.decode()[:500]
    assert in_transaction == [False]
    assert Attachment.objects.get().message == Ticket.objects.get().messages.get()


def test_agents_attach_through_the_console_with_the_note(client, at_now):
    from django.core.files.uploadedfile import SimpleUploadedFile

    org = organisation(RK)
    ticket = open_ticket(org, person(org, role="administrator"), priority="red")
    client.force_login(staff().user)

    response = client.post(f"/console/tickets/{ticket.number}/compose/", {
        "kind": "note", "body": "trace", "version": ticket.version,
        "attachments": [SimpleUploadedFile("trace.log", b"boom")]})

    assert response.status_code == 302
    note = ticket.messages.get(body="trace")
    assert [a.filename for a in note.attachments.all()] == ["trace.log"]
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version + 1
