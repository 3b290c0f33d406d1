"""Console parts of issue 16's workspace: macros (managed, picked from the reply box and
filled by htmx out of band), merge, tags, the side panel, the collision notice, previews."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledgedesk.macros.models import Macro
from pledgedesk.macros.services import MacroSpec, macro_create
from pledgedesk.proservices.models import HourBank
from pledgedesk.tickets.models import Message, Ticket
from pledgedesk.tickets.services import ticket_attach
from pledgedesk.workspace.services import draft_save
from tests.pages import NOW, RK, as_agent, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def desk():
    org = organisation(RK, timezone="America/Chicago", country="US")
    admin = person(org, role="administrator", name="Dana Scully")
    return org, admin, staff(name="Maria", groups=("support",))


def test_macros_are_managed_in_the_console_and_a_bad_placeholder_is_named(client, desk,
                                                                          at_now):
    _, _, maria = desk
    client.force_login(maria.user)
    bad = client.post("/console/macros/", {"name": "Hi", "body": "{{secret.key}}"})
    assert bad.status_code == 400 and "unknown placeholder {{secret.key}}" in bad.content.decode()
    made = client.post("/console/macros/", {"name": "Hi", "body": "Hello {{requester.name}}",
                                            "status": "pending", "tags": "a, b"})
    assert made.status_code == 302
    macro = Macro.objects.get()
    assert (macro.owner_id, macro.status, macro.tags) == (maria.pk, "pending", ["a", "b"])
    page = client.get("/console/macros/").content.decode()
    assert f'href="/console/macros/{macro.pk}/"' in page
    assert client.post(f"/console/macros/{macro.pk}/delete/").status_code == 302
    assert not Macro.objects.exists()


def test_picking_a_macro_fills_the_reply_box_and_the_fields_out_of_band(client, desk, at_now):
    org, admin, maria = desk
    ticket = open_ticket(org, admin)
    macro = macro_create(agent=maria, now=NOW, spec=MacroSpec(
        name="Waiting", body="Hi {{requester.first_name}}, about #{{ticket.number}}: "
                             "<b>{{promise.next}}</b>", status="pending", priority="red",
        tags=["waiting"]))
    client.force_login(maria.user)

    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert f'hx-get="/console/tickets/{ticket.number}/macros/"' in page
    picker = client.get(f"/console/tickets/{ticket.number}/macros/").content.decode()
    assert f'<option value="{macro.pk}">Waiting (personal)</option>' in picker
    assert "<script" not in picker

    filled = client.post(f"/console/tickets/{ticket.number}/macros/fill/",
                         {"macro": macro.pk, "body": "Typed first."}).content.decode()
    textarea = re.search(r'<textarea[^>]*id="compose_body"[^>]*>(.*?)</textarea>', filled, re.S)
    assert 'hx-swap-oob="true"' in textarea.group(0)
    text = textarea.group(1).lstrip("\n")
    assert text.startswith("Typed first.\n\nHi Dana, about #") and "Central" in text
    assert "&lt;b&gt;" in text  # the macro's text is text: escaped into the textarea
    selects = {m.group(1): m.group(0) for m in re.finditer(r'<select[^>]*id="(ticket_\w+)"[^>]*>',
                                                           filled)}
    assert set(selects) == {"ticket_status", "ticket_priority", "ticket_group"}
    assert all('hx-swap-oob="true"' in tag and 'form="compose"' in tag
               for tag in selects.values())
    assert re.search(r'<option value="pending" selected>', filled)
    assert re.search(r'<option value="red" selected>', filled)
    assert 'id="ticket-tags"' in filled and 'value="waiting"' in filled


def test_someone_elses_personal_macro_cannot_be_filled_in(client, desk, at_now):
    org, admin, maria = desk
    ticket = open_ticket(org, admin)
    other = macro_create(agent=staff(name="Ola"), now=NOW, spec=MacroSpec(name="x", body="y"))
    client.force_login(maria.user)
    answer = client.post(f"/console/tickets/{ticket.number}/macros/fill/", {"macro": other.pk})
    assert answer.status_code == 404


def test_merge_from_the_side_panel_moves_the_messages_and_lands_on_the_target(client, desk,
                                                                              at_now):
    org, admin, maria = desk
    target, source = open_ticket(org, admin, subject="First"), open_ticket(org, admin,
                                                                           subject="Dup")
    client.force_login(maria.user)
    panel = client.get(f"/console/tickets/{source.number}/panel/").content.decode()
    assert 'id="merge-form"' in panel

    answer = client.post(f"/console/tickets/{source.number}/merge/",
                         {"target": target.number, "version": source.version})
    assert answer.status_code == 302 and answer["Location"].endswith(f"/{target.number}/")
    assert Ticket.objects.get(pk=source.pk).merged_into_id == target.pk
    assert Message.objects.filter(ticket=target).count() == 2
    panel = client.get(f"/console/tickets/{source.number}/panel/").content.decode()
    assert f'Merged into <a href="/console/tickets/{target.number}/">' in panel

    elsewhere = organisation(RK)
    foreign = open_ticket(elsewhere, person(elsewhere, role="administrator"))
    refused = client.post(f"/console/tickets/{target.number}/merge/",
                          {"target": foreign.number, "version": 99}, follow=True)
    assert "never merged" in refused.content.decode() or "changed since" in \
        refused.content.decode()
    assert Ticket.objects.get(pk=target.pk).merged_into_id is None


def test_tags_are_edited_in_the_side_panel_with_the_other_tickets(client, desk, at_now):
    org, admin, maria = desk
    ticket, other = open_ticket(org, admin, subject="This"), open_ticket(org, admin,
                                                                         subject="Earlier")
    client.force_login(maria.user)
    panel = client.get(f"/console/tickets/{ticket.number}/panel/").content.decode()
    assert f'href="/console/tickets/{other.number}/">#{other.number}</a> Earlier' in panel
    assert "Hour bank" not in panel
    HourBank.objects.create(organisation=org, team="ps", tier="standard", minutes_bought=600,
                            balance_minutes=150, starts_on=NOW.date() - timedelta(days=1),
                            ends_on=NOW.date() + timedelta(days=30), created_at=NOW)
    panel = client.get(f"/console/tickets/{ticket.number}/panel/").content.decode()
    assert "Hour bank: <strong>2 h 30" in panel
    saved = client.post(f"/console/tickets/{ticket.number}/tags/",
                        {"tags": "VIP, billing ,vip", "version": ticket.version})
    assert saved.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).tags == ["billing", "vip"]
    bad = client.post(f"/console/tickets/{ticket.number}/tags/",
                      {"tags": "no spaces allowed", "version": ticket.version + 1},
                      follow=True)
    assert "a tag is a-z" in bad.content.decode()


def test_the_collision_notice_names_who_views_and_who_types(client, desk, at_now):
    org, admin, maria = desk
    ticket = open_ticket(org, admin)
    ola = staff(name="Ola")
    url = f"/console/tickets/{ticket.number}/presence/"
    client.force_login(ola.user)
    assert client.get(url).content.decode().strip() == ""  # alone
    client.force_login(maria.user)
    assert "<strong>Ola</strong> is viewing" in client.get(url).content.decode()
    draft_save(agent=ola, ticket=ticket, kind="reply", body="Dear", now=NOW)
    assert "<strong>Ola</strong> is typing" in client.get(url).content.decode()
    at_now.advance(seconds=60)  # Ola stopped polling: gone
    assert client.get(url).content.decode().strip() == ""


def test_previews_are_inline_only_for_sniffed_images_and_pdfs_under_a_strict_csp(
        client, desk, at_now):
    org, admin, maria = desk
    ticket = open_ticket(org, admin)
    ticket_attach(ticket=ticket, actor=as_agent(maria), now=NOW, files=[
        SimpleUploadedFile("shot.png", PNG, content_type="image/png"),
        SimpleUploadedFile("evil.png", SVG, content_type="image/png"),
        SimpleUploadedFile("doc.pdf", b"%PDF-1.7\n%...", content_type="application/pdf")])
    png, evil, pdf = ticket.attachments.order_by("pk")
    client.force_login(maria.user)

    shown = client.get(f"/console/tickets/{ticket.number}/attachments/{png.pk}/preview/")
    assert shown["Content-Type"] == "image/png"
    assert shown["Content-Security-Policy"] == "default-src 'none'; img-src 'self'; sandbox"
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/console/tickets/{ticket.number}/attachments/{pdf.pk}/preview/"
                      )["Content-Type"] == "application/pdf"
    # An SVG named .png and declared image/png: its bytes say otherwise, so a download.
    fake = client.get(f"/console/tickets/{ticket.number}/attachments/{evil.pk}/preview/")
    assert fake["Content-Type"] == "application/octet-stream"
    assert fake["Content-Disposition"].startswith("attachment")
    panel = client.get(f"/console/tickets/{ticket.number}/panel/").content.decode()
    assert f"/attachments/{png.pk}/preview/" in panel and "doc.pdf (PDF)" in panel


def test_another_organisations_attachment_is_not_previewed_through_this_ticket(client, desk,
                                                                                at_now):
    org, admin, maria = desk
    mine = open_ticket(org, admin)
    elsewhere = organisation(RK)
    theirs = open_ticket(elsewhere, person(elsewhere, role="administrator"))
    ticket_attach(ticket=theirs, actor=as_agent(maria), now=NOW + timedelta(minutes=1),
                  files=[SimpleUploadedFile("a.png", PNG, content_type="image/png")])
    other = theirs.attachments.get()
    client.force_login(maria.user)
    assert client.get(f"/console/tickets/{mine.number}/attachments/{other.pk}/preview/"
                      ).status_code == 404


def test_the_polled_and_loaded_fragments_cost_the_same_whatever_the_history(client, desk,
                                                                            at_now):
    org, admin, maria = desk
    ticket = open_ticket(org, admin)
    client.force_login(maria.user)
    urls = [f"/console/tickets/{ticket.number}/{part}/"
            for part in ("presence", "panel", "macros")]

    def costs():
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            found.append(len(captured))
        return found

    few = costs()
    for n in range(6):
        open_ticket(org, admin, subject=f"Other {n}")
        macro_create(agent=maria, now=NOW, spec=MacroSpec(name=f"m{n}", body="x"))
        draft_save(agent=staff(name=f"Agent {n}"), ticket=ticket, kind="reply", body="typing",
                   now=NOW)
    many = costs()
    assert many == few
    # The presence poll (every 5 s per open ticket page): the agent's session and
    # preference, the ticket, the cache entry read and written, the typing drafts.
    assert many[0] <= 12
