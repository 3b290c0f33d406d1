"""Attachments: size limit, SHA-256, a safe stored path, downloads only, permission checked."""

from __future__ import annotations

import hashlib

import pytest

from pledgedesk.tickets.attachments import clean_filename, safe_content_type
from pledgedesk.tickets.models import Attachment, TicketEvent

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'


def test_upload_stores_digest_and_a_path_not_derived_from_the_name(world):
    content = "Grüße, 世界".encode()

    response = world.api("requester").upload(
        f"tickets/{world.ticket.number}/attachments", name="../../etc/passwd",
        content=content, content_type="text/plain")

    assert response.status_code == 201, response.content
    body = response.json()
    digest = hashlib.sha256(content).hexdigest()
    assert body["sha256"] == digest
    assert body["size"] == len(content)
    assert body["filename"] == "passwd"
    stored = Attachment.objects.get(pk=body["id"])
    assert stored.file.name.startswith(f"{digest[:2]}/{digest}-")
    assert ".." not in stored.file.name and "passwd" not in stored.file.name
    event = TicketEvent.objects.get(ticket=world.ticket, kind="attachment_added")
    assert event.actor_contact == world.people["requester"]
    assert event.new["attachment"] == stored.pk


def test_download_is_always_an_attachment_with_nosniff(world):
    uploaded = world.api("requester").upload(
        f"tickets/{world.ticket.number}/attachments", name="pic.svg", content=SVG,
        content_type="image/svg+xml").json()

    response = world.api("agent").get(uploaded["download_url"])

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SVG
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="pic.svg"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_unicode_filename_is_kept_as_a_label(world):
    uploaded = world.api("requester").upload(
        f"tickets/{world.ticket.number}/attachments", name="résumé 日本.pdf",
        content=b"%PDF", content_type="application/pdf").json()

    response = world.api("requester").get(uploaded["download_url"])

    assert uploaded["filename"] == "résumé 日本.pdf"
    assert "filename*=utf-8''" in response["Content-Disposition"]


def test_oversized_attachment_is_413_and_nothing_is_stored(world, settings):
    settings.PLEDGEDESK_MAX_ATTACHMENT_BYTES = 100

    response = world.api("requester").upload(
        f"tickets/{world.ticket.number}/attachments", content=b"x" * 101)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert response.json()["field"] == "file"
    assert "100 bytes" in response.json()["message"]
    assert not Attachment.objects.exists()


def test_upload_far_over_the_limit_is_refused_before_reading_it(world, settings):
    settings.PLEDGEDESK_MAX_ATTACHMENT_BYTES = 100

    response = world.api("requester").upload(
        f"tickets/{world.ticket.number}/attachments", content=b"x" * 100_000)

    assert response.status_code == 413
    assert "attachment limit is 100 bytes" in response.json()["message"]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"content": b""}, "file"),
    ({"extra": {"comment": "hi"}}, "comment"),
])
def test_bad_uploads_name_the_field(world, kwargs, field):
    response = world.api("requester").upload(f"tickets/{world.ticket.number}/attachments",
                                             **kwargs)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Attachment.objects.exists()


def test_upload_that_is_not_multipart_is_422(world):
    response = world.api("requester").post(f"tickets/{world.ticket.number}/attachments",
                                           {"file": "x"})

    assert response.status_code == 422
    assert response.json()["field"] == "file"


def test_closed_ticket_takes_no_attachments(world):
    world.api("agent").patch(f"tickets/{world.ticket.number}", {"status": "closed",
                                                                "version": 1})

    response = world.api("requester").upload(f"tickets/{world.ticket.number}/attachments")

    assert response.status_code == 409
    assert not Attachment.objects.exists()


def test_other_organisation_cannot_download(world):
    uploaded = world.api("requester").upload(
        f"tickets/{world.ticket.number}/attachments").json()

    for role in ("outsider", "colleague", "banned"):
        assert world.api(role).get(uploaded["download_url"]).status_code == 404
    assert world.api("anonymous").get(uploaded["download_url"]).status_code == 401


def test_listing_attachments(world):
    api = world.api("cc")
    api.upload(f"tickets/{world.ticket.number}/attachments", name="a.txt")
    api.upload(f"tickets/{world.ticket.number}/attachments", name="b.txt")

    listed = world.api("requester").get(f"tickets/{world.ticket.number}/attachments").json()

    assert [a["filename"] for a in listed] == ["a.txt", "b.txt"]


@pytest.mark.parametrize(("given", "label"), [
    ("..\\..\\windows\\system32", "system32"),
    ("a\x00b\x1f.txt", "ab.txt"),
    ("...", "attachment"),
    ("", "attachment"),
    ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
])
def test_clean_filename(given, label):
    assert clean_filename(given) == label


@pytest.mark.parametrize(("given", "kept"), [
    ("text/plain; charset=utf-8", "text/plain"),
    ("text/html\r\nX-Evil: 1", "application/octet-stream"),
    ("", "application/octet-stream"),
    ("image/svg+xml", "image/svg+xml"),
])
def test_safe_content_type(given, kept):
    assert safe_content_type(given) == kept


@pytest.mark.parametrize("content_type", ["multipart/form-data",
                                          "multipart/form-data; boundary="])
def test_unreadable_multipart_is_400_in_the_error_shape(world, content_type):
    response = world.api("requester").raw(
        "post", f"tickets/{world.ticket.number}/attachments", b"garbage",
        content_type=content_type)

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_multipart"


def test_too_many_fields_is_400_not_500(world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3

    response = world.api("requester").upload(
        f"tickets/{world.ticket.number}/attachments",
        extra={f"f{i}": "x" for i in range(10)})

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert not Attachment.objects.exists()


def test_every_door_serves_attachments_the_same_guarded_way():
    """API, portal and console share one download response: opaque bytes, a download, no
    sniffing, a sandbox should anything render it, and no caching."""
    from types import SimpleNamespace

    from django.core.files.base import ContentFile

    from pledgedesk.web.downloads import attachment_download

    stored = SimpleNamespace(file=ContentFile(b"<svg onload=alert(1)>", name="x.svg"),
                             filename="x.svg", content_type="image/svg+xml")

    response = attachment_download(stored)

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private, no-store"


def _note(world, body="Logs from the customer's server"):
    response = world.api("agent").post(f"tickets/{world.ticket.number}/notes", {"body": body})
    assert response.status_code == 201, response.content
    return response.json()["message"]["id"]


def _reply(world, role, body="Here is the export"):
    response = world.api(role).post(f"tickets/{world.ticket.number}/replies", {"body": body})
    assert response.status_code == 201, response.content
    return response.json()["message"]["id"]


def test_a_file_on_an_internal_note_stays_internal_everywhere(world):
    note = _note(world)
    uploaded = world.api("agent").upload(
        f"tickets/{world.ticket.number}/attachments", name="server-secrets.log",
        extra={"message": str(note)})
    assert uploaded.status_code == 201, uploaded.content
    body = uploaded.json()
    assert body["message"] == note
    assert Attachment.objects.get(pk=body["id"]).message_id == note

    agent_list = world.api("agent").get(f"tickets/{world.ticket.number}/attachments").json()
    assert [a["filename"] for a in agent_list] == ["server-secrets.log"]
    for role in ("requester", "cc", "administrator", "primary"):
        api = world.api(role)
        assert api.get(f"tickets/{world.ticket.number}/attachments").json() == []
        assert api.get(body["download_url"]).status_code == 404
        history = api.get(f"tickets/{world.ticket.number}/events")
        assert history.status_code == 200
        assert "server-secrets" not in history.content.decode()  # not even its name
    agent_history = world.api("agent").get(f"tickets/{world.ticket.number}/events").json()
    assert [e["new"]["filename"] for e in agent_history
            if e["kind"] == "internal_attachment_added"] == ["server-secrets.log"]


def test_a_contact_attaches_a_file_to_their_own_reply(world):
    reply = _reply(world, "requester")
    uploaded = world.api("requester").upload(
        f"tickets/{world.ticket.number}/attachments", name="export.csv",
        extra={"message": str(reply)})
    assert uploaded.status_code == 201, uploaded.content

    listed = world.api("cc").get(f"tickets/{world.ticket.number}/attachments").json()
    assert [(a["filename"], a["message"]) for a in listed] == [("export.csv", reply)]
    event = TicketEvent.objects.get(ticket=world.ticket, kind="attachment_added")
    assert event.new["message"] == reply


@pytest.mark.parametrize("target", ["internal note", "someone else's reply", "no such message",
                                    "another ticket's message", "not a number", "two ids"])
def test_a_file_only_goes_on_the_callers_own_message_of_this_ticket(world, target):
    from pledgedesk.tickets.models import Message
    from pledgedesk.tickets.services import NewTicket, ticket_create
    from tests.factories import T0

    other = ticket_create(new=NewTicket(
        organisation=world.org, requester=world.people["requester"], subject="Other",
        description="Another ticket", channel="portal"), now=T0)
    given = {
        "internal note": [str(_note(world))],
        "someone else's reply": [str(_reply(world, "cc"))],
        "no such message": ["999999"],
        "another ticket's message": [str(Message.objects.filter(ticket=other).get().pk)],
        "not a number": ["1; drop table"],
        "two ids": [str(_reply(world, "requester")), str(_reply(world, "requester"))],
    }[target]
    before = Attachment.objects.count()

    response = world.api("requester").upload(
        f"tickets/{world.ticket.number}/attachments", extra={"message": given})

    assert response.status_code == 422, response.content
    assert response.json()["field"] == "message"
    assert Attachment.objects.count() == before
