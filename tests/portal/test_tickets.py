"""My tickets and the ticket page: the one permission check decides (404, never 403), the
public conversation only, reply, reopen on Solved but not Closed (RK-7), escalation (PR-6),
attachments served as downloads, and ticket text that never runs as script."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pledgedesk.tickets.services import (
    Change,
    ticket_note,
    ticket_reply,
    ticket_update,
)
from tests.pages import NOW, PR, RK, agent, as_agent, open_ticket, organisation, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    org = organisation(RK, timezone="America/Chicago", country="US")
    return org, person(org, role="administrator"), person(org)


def test_my_tickets_lists_mine_with_status_and_next_promise(client, acme, at_now):
    org, _, bob = acme
    mine = open_ticket(org, bob, subject="Bob's printer")
    client.force_login(bob.user)

    page = client.get("/portal/").content.decode()

    assert f"#{mine.number}" in page and "Bob&#x27;s printer" in page
    assert "New" in page and "First response" in page  # words, not the metric name (issue 16)


def test_a_contact_does_not_see_a_colleagues_ticket_in_the_list(client, acme, at_now):
    org, _, bob = acme
    carol = person(org)
    open_ticket(org, carol, subject="Carol's secret")
    client.force_login(bob.user)

    assert "Carol" not in client.get("/portal/").content.decode()


def test_the_administrator_sees_the_whole_organisation(client, acme, at_now):
    org, admin, bob = acme
    open_ticket(org, bob, subject="Bob's printer")
    client.force_login(admin.user)

    page = client.get("/portal/").content.decode()

    assert "Bob&#x27;s printer" in page
    assert "all tickets" in page


def test_another_organisations_ticket_is_not_found(client, acme, at_now):
    _, _, bob = acme
    elsewhere = organisation(RK)
    theirs = open_ticket(elsewhere, person(elsewhere))
    client.force_login(bob.user)

    assert client.get(f"/portal/tickets/{theirs.number}/").status_code == 404
    assert client.post(f"/portal/tickets/{theirs.number}/reply/",
                       {"body": "hi"}).status_code == 404


def test_internal_notes_never_reach_the_portal(client, acme, at_now):
    org, _, bob = acme
    ticket = open_ticket(org, bob)
    ticket_note(ticket=ticket, actor=as_agent(agent()), body="INTERNAL: customer is grumpy",
                expected_version=None, now=NOW)
    client.force_login(bob.user)

    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()

    assert "grumpy" not in page


def test_script_in_ticket_text_is_sanitised_not_run(client, acme, at_now):
    org, _, bob = acme
    ticket = open_ticket(org, bob, subject="<script>alert(1)</script>",
                         description='<img src=x onerror="alert(2)"> <b>bold</b>')
    client.force_login(bob.user)

    response = client.get(f"/portal/tickets/{ticket.number}/")
    page = response.content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "onerror" not in page and "<img" not in page
    assert "<b>bold</b>" in page
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_customer_reply_is_added_to_the_conversation(client, acme, at_now):
    org, _, bob = acme
    ticket = open_ticket(org, bob)
    client.force_login(bob.user)

    response = client.post(f"/portal/tickets/{ticket.number}/reply/",
                           {"body": "Still broken."}, follow=True)

    assert "Still broken." in response.content.decode()
    assert ticket.messages.filter(author_contact=bob, body="Still broken.").exists()


def test_rk7_reopen_is_offered_on_solved_and_reopens(client, acme, at_now):
    org, _, bob = acme
    ticket = open_ticket(org, bob)
    ticket_reply(ticket=ticket, actor=as_agent(agent()), body="Fixed.",
                 change=Change(status="solved"), expected_version=None, now=NOW)
    client.force_login(bob.user)

    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    client.post(f"/portal/tickets/{ticket.number}/reopen/")

    assert "Reopen this ticket" in page
    ticket.refresh_from_db()
    assert ticket.status_category == "open"


def test_rk7_closed_offers_no_reopen_and_no_reply(client, acme, at_now):
    org, _, bob = acme
    ticket = open_ticket(org, bob)
    ticket_update(ticket=ticket, actor=as_agent(agent()), change=Change(status="closed"),
                  expected_version=None, now=NOW)
    client.force_login(bob.user)

    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()

    assert "Reopen this ticket" not in page
    assert "Send reply" not in page
    assert "closed, which is final" in page


def test_pr6_customer_requests_escalation_inside_the_ticket(client, at_now):
    org = organisation(PR, plans=("standard",), timezone="Europe/Berlin", country="DE")
    ines = person(org)
    ticket = open_ticket(org, ines, channel="widget", priority="normal")
    client.force_login(ines.user)

    page = client.post(f"/portal/tickets/{ticket.number}/escalate/",
                       {"reason": "Blocks month-end."}, follow=True).content.decode()

    ticket.refresh_from_db()
    assert ticket.escalation_requested_at == NOW
    assert "a senior technician is reviewing it" in page


def test_policies_without_customer_escalation_offer_no_button(client, acme, at_now):
    org, _, bob = acme
    ticket = open_ticket(org, bob)
    client.force_login(bob.user)

    assert "Request escalation" not in client.get(
        f"/portal/tickets/{ticket.number}/").content.decode()


def test_attachments_download_as_attachments(client, acme, at_now):
    org, _, bob = acme
    ticket = open_ticket(org, bob)
    client.force_login(bob.user)
    client.post(f"/portal/tickets/{ticket.number}/reply/", {
        "body": "See file", "attachments": [SimpleUploadedFile(
            "x.svg", b"<svg onload=alert(1)>", content_type="image/svg+xml")]})
    attachment = ticket.attachments.get()

    response = client.get(f"/portal/tickets/{ticket.number}/attachments/{attachment.pk}/")

    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_internal_notes_attachment_is_not_found_from_the_portal(client, acme, at_now):
    org, _, bob = acme
    ticket = open_ticket(org, bob)
    note = ticket_note(ticket=ticket, actor=as_agent(agent()), body="log",
                       files=[SimpleUploadedFile("internal.log", b"secret")],
                       expected_version=None, now=NOW)
    [attachment] = note.attachments.all()
    client.force_login(bob.user)

    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    response = client.get(f"/portal/tickets/{ticket.number}/attachments/{attachment.pk}/")

    assert "internal.log" not in page
    assert response.status_code == 404


def test_ticket_list_pages_by_keyset_cursor(client, acme, at_now):
    org, admin, _ = acme
    for n in range(27):
        open_ticket(org, admin, subject=f"T{n}", at=NOW + timedelta(seconds=n))
    client.force_login(admin.user)

    first = client.get("/portal/").content.decode()
    cursor = re.search(r'cursor=([\w-]+)" rel="next"', first).group(1)
    second = client.get(f"/portal/?show=open&cursor={cursor}").content.decode()

    assert first.count("<tr>") - 1 == 25
    assert second.count("<tr>") - 1 == 2


def test_every_portal_page_links_the_support_policy(client, acme, at_now):
    """PR-9: the policy is one click from every portal page."""
    org, _, bob = acme
    ticket = open_ticket(org, bob)
    client.force_login(bob.user)

    for url in ("/portal/", "/portal/requests/new/", f"/portal/tickets/{ticket.number}/",
                "/portal/policy/"):
        assert 'href="/portal/policy/"' in client.get(url).content.decode(), url
    client.logout()
    assert 'href="/portal/policy/"' in client.get("/portal/sign-in/").content.decode()


@pytest.mark.parametrize("cursor", ["garbage", "MHwwMDAxLTAxLTAxVDAwOjAwOjAwKzE0OjAwfDE"])
def test_a_forged_cursor_in_the_portal_address_is_a_client_error(client, cursor):
    from tests.pages import RK, organisation, person

    org = organisation(RK, timezone="America/Chicago", country="US")
    client.force_login(person(org, role="administrator").user)

    response = client.get("/portal/", {"cursor": cursor})

    assert 400 <= response.status_code < 500
