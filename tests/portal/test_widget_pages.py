"""The widget's frame pages (PR-1): who may frame them, the host token and widget session
in, the portal's request form, and a ticket out; every other page stays unframeable."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pledgedesk.channels import widget as w
from pledgedesk.tickets.models import Ticket
from tests.channels.widget_helpers import host_token
from tests.pages import NOW, PR, RK, email_of, organisation, person, staff

pytestmark = pytest.mark.django_db

ORIGINS = ["https://app.example.com", "http://localhost:8123"]


@pytest.fixture
def client():
    """Browsers in a third-party frame may send no cookies at all: Django's CSRF cookie
    check stays on in this client, and the widget must work without it."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def pr(at_now):
    org = organisation(PR, timezone="Europe/Berlin", country="DE", name="Piperocks Client")
    ana = person(org, name="Ana Alvarez")
    issued = w.widget_create(agent=staff(roles=("administrator",)), organisation=org,
                             origins=ORIGINS, now=NOW)
    return org, ana, issued


def frame_url(widget, step=""):
    return f"/portal/widget/{widget.public_id}/{step + '/' if step else ''}"


def token_of(issued, who, **kwargs):
    return host_token(issued.widget, issued.secret, email=email_of(who), at=NOW, **kwargs)


def started(client, issued, who):
    response = client.post(frame_url(issued.widget, "start"),
                           {"host_token": token_of(issued, who),
                            "host_origin": "https://app.example.com"})
    assert response.status_code == 200, response.content.decode()
    return response, re.search(r'name="session" value="([^"]+)"',
                               response.content.decode()).group(1)


def ancestors(response) -> str:
    return re.search(r"frame-ancestors ([^;]+)", response["Content-Security-Policy"]).group(1)


# --- framing ----------------------------------------------------------------------------------


def test_the_frame_may_be_embedded_only_by_the_configured_origins(client, pr):
    _, _, issued = pr
    response = client.get(frame_url(issued.widget))
    assert response.status_code == 200
    assert ancestors(response) == "http://localhost:8123 https://app.example.com"
    assert "X-Frame-Options" not in response
    assert response["Cache-Control"] == "no-store"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert csp.count("frame-ancestors") == 1


def test_the_frame_has_no_inline_script_or_style(client, pr):
    _, _, issued = pr
    page = client.get(frame_url(issued.widget)).content.decode()
    assert re.findall(r"<script[^>]*>", page) == [
        '<script src="/static/widget/widget-frame.js" defer>']
    assert " style=" not in page and "<style" not in page
    assert re.search(r"<[^>]+\son[a-z]+=", page) is None  # no onclick= and the like


def test_a_widget_without_origins_can_be_framed_by_no_page(client, at_now):
    bare = organisation(RK)
    issued = w.widget_create(agent=staff(roles=("administrator",)), organisation=bare,
                             origins=[], now=NOW)
    response = client.get(frame_url(issued.widget))
    assert ancestors(response) == "'none'"


@pytest.mark.parametrize("path", ["/portal/sign-in/", "/console/sign-in/", "/",
                                  "/portal/widget/no-such-widget/"])
def test_every_other_page_keeps_frame_ancestors_none_and_x_frame_options_deny(client, pr,
                                                                              path):
    response = client.get(path)
    assert ancestors(response) == "'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_the_frame_pages_answer_with_the_widgets_origins_after_posts_too(client, pr):
    _, ana, issued = pr
    response, _ = started(client, issued, ana)
    assert ancestors(response) == "http://localhost:8123 https://app.example.com"
    refused = client.post(frame_url(issued.widget, "start"), {"host_token": "nope"})
    assert ancestors(refused) == "http://localhost:8123 https://app.example.com"


# --- starting -------------------------------------------------------------------------------


def test_a_valid_host_token_opens_the_portals_request_form_for_that_contact(client, pr):
    _, ana, issued = pr
    response, session = started(client, issued, ana)
    page = response.content.decode()
    assert "Filing as Ana Alvarez" in page and email_of(ana) in page
    assert "Brief description" in page and "Detailed description" in page
    assert 'type="file"' in page
    assert 'name="host_origin" value="https://app.example.com"' in page
    assert 'data-host-origin="https://app.example.com"' in page
    assert session and "csrfmiddlewaretoken" not in page


def test_a_host_origin_that_is_not_configured_is_not_kept(client, pr):
    _, ana, issued = pr
    response = client.post(frame_url(issued.widget, "start"),
                           {"host_token": token_of(issued, ana),
                            "host_origin": "https://evil.example.net"})
    assert "evil.example.net" not in response.content.decode()


@pytest.mark.parametrize(("token", "message"), [
    ("", "no token"),
    ("garbage", "not a compact JWS"),
])
def test_a_bad_host_token_is_refused_with_its_reason(client, pr, token, message):
    _, _, issued = pr
    response = client.post(frame_url(issued.widget, "start"), {"host_token": token})
    assert response.status_code == 401
    page = response.content.decode()
    assert message in page and "Traceback" not in page


def test_an_expired_host_token_is_refused(client, pr):
    _, ana, issued = pr
    old = host_token(issued.widget, issued.secret, email=email_of(ana),
                     at=NOW - timedelta(hours=1))
    response = client.post(frame_url(issued.widget, "start"), {"host_token": old})
    assert response.status_code == 401
    assert "the token expired at" in response.content.decode()


def test_a_post_from_another_sites_page_is_refused(client, pr):
    _, ana, issued = pr
    response = client.post(frame_url(issued.widget, "start"),
                           {"host_token": token_of(issued, ana)},
                           headers={"Origin": "https://evil.example.net"})
    assert response.status_code == 403
    assert "only be sent from the widget" in response.content.decode()


def test_a_post_from_the_frame_itself_is_accepted(client, pr):
    _, ana, issued = pr
    response = client.post(frame_url(issued.widget, "start"),
                           {"host_token": token_of(issued, ana)},
                           headers={"Origin": "http://testserver"})
    assert response.status_code == 200


def test_the_frame_takes_no_get_on_its_posts_and_no_post_on_its_page(client, pr):
    _, _, issued = pr
    assert client.get(frame_url(issued.widget, "start")).status_code == 405
    assert client.post(frame_url(issued.widget)).status_code == 405


# --- filing ------------------------------------------------------------------------------------


def test_pr1_a_request_through_the_frame_is_a_ticket_of_the_token_subject(client, pr):
    org, ana, issued = pr
    _, session = started(client, issued, ana)
    response = client.post(frame_url(issued.widget, "request"), {
        "session": session, "host_origin": "https://app.example.com",
        "subject": "Export button does nothing", "description": "Since the update.",
        "priority": "normal",
        "attachments": [SimpleUploadedFile("trace.txt", b"TypeError\n", "text/plain")],
        # The form has no requester; a field naming someone else changes nothing.
        "requester": "1", "email": "someone.else@example.com"})
    assert response.status_code == 200, response.content.decode()
    ticket = Ticket.objects.get(subject="Export button does nothing")
    assert (ticket.organisation, ticket.requester, ticket.channel) == (org, ana, "widget")
    assert [a.filename for a in ticket.attachments.all()] == ["trace.txt"]
    page = response.content.decode()
    assert f"Request #{ticket.number} submitted" in page
    assert f'data-ticket="{ticket.number}"' in page
    assert 'data-host-origin="https://app.example.com"' in page


def test_a_form_error_keeps_the_session_and_files_nothing(client, pr):
    _, ana, issued = pr
    _, session = started(client, issued, ana)
    response = client.post(frame_url(issued.widget, "request"), {
        "session": session, "subject": "", "description": "x", "priority": "normal"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    again = re.search(r'name="session" value="([^"]+)"', page).group(1)
    assert w.widget_session_verify(public_id=issued.widget.public_id, session=again,
                                   now=NOW).contact == ana
    assert not Ticket.objects.exists()


def test_a_priority_the_channel_does_not_offer_is_refused_on_its_field(client, pr):
    _, ana, issued = pr
    _, session = started(client, issued, ana)
    response = client.post(frame_url(issued.widget, "request"), {
        "session": session, "subject": "S", "description": "x", "priority": "urgent"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Ticket.objects.exists()


def test_no_session_or_a_forged_one_files_nothing(client, pr):
    _, ana, issued = pr
    _, session = started(client, issued, ana)
    fields = {"subject": "S", "description": "x", "priority": "normal"}
    for bad in ("", session[:-3] + "abc"):
        response = client.post(frame_url(issued.widget, "request"), {"session": bad, **fields})
        assert response.status_code == 401
        assert "session is not valid" in response.content.decode()
    assert not Ticket.objects.exists()


def test_an_expired_session_files_nothing(client, pr, at_now):
    _, ana, issued = pr
    _, session = started(client, issued, ana)
    at_now.advance(minutes=10)
    response = client.post(frame_url(issued.widget, "request"), {
        "session": session, "subject": "S", "description": "x", "priority": "normal"})
    assert response.status_code == 401
    assert "session has expired" in response.content.decode()
    assert not Ticket.objects.exists()


def test_submit_another_starts_a_fresh_form_from_the_session(client, pr):
    _, ana, issued = pr
    _, session = started(client, issued, ana)
    response = client.post(frame_url(issued.widget, "start"), {"session": session})
    assert response.status_code == 200
    assert "Filing as Ana Alvarez" in response.content.decode()


# --- tenant isolation -----------------------------------------------------------------------


def test_a_session_of_one_organisations_widget_files_nothing_at_anothers(client, pr):
    _, ana, issued = pr
    other = organisation(PR, name="Other Co")
    theirs = w.widget_create(agent=staff(roles=("administrator",)), organisation=other,
                             origins=ORIGINS, now=NOW)
    _, session = started(client, issued, ana)
    response = client.post(frame_url(theirs.widget, "request"), {
        "session": session, "subject": "S", "description": "x", "priority": "normal"})
    assert response.status_code == 401
    assert "another widget" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_host_token_cannot_name_a_contact_of_another_organisation(client, pr):
    _, _, issued = pr
    outsider = person(organisation(PR, name="Other Co"))
    response = client.post(frame_url(issued.widget, "start"),
                           {"host_token": token_of(issued, outsider)})
    assert response.status_code == 401
    assert "is not a contact of Piperocks Client" in response.content.decode()



def test_a_failure_report_hides_the_host_token_and_the_session(client, pr, monkeypatch,
                                                               caplog):
    """Django's error report (the 500 mail, the debug page) shows POST data: not these."""
    from django.views.debug import SafeExceptionReporterFilter

    _, ana, issued = pr

    def fail(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("pledgedesk.portal.widget.widget_token_verify", fail)
    client.raise_request_exception = False
    token = token_of(issued, ana)
    response = client.post(frame_url(issued.widget, "start"),
                           {"host_token": token, "host_origin": "https://app.example.com"})
    assert response.status_code == 500
    failed = next(r.request for r in caplog.records if r.name == "django.request")
    shown = SafeExceptionReporterFilter().get_post_parameters(failed)
    assert shown["host_token"] != token and "*" in shown["host_token"]
    assert shown["host_origin"] == "https://app.example.com"
    assert token not in caplog.text
