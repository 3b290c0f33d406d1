"""The console's inbound mail review (issue 14): quarantined and held mail listed for agents,
with reprocess, release and refuse through channels.review; FG-10 holds shown as waiting for
the primary contact; the original bytes downloadable; agents only, refusing for the support
lead and administrators."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledgedesk.channels import services as inbound
from pledgedesk.channels.models import InboundMessage
from pledgedesk.channels.services import inbound_process, inbound_store
from pledgedesk.tickets.models import Ticket
from tests.channels.mails import mail
from tests.pages import FG, NOW, RK, fixed_clock, organisation, person, staff

pytestmark = pytest.mark.django_db


def take(raw: bytes):
    row, _ = inbound_store(raw=raw, mailbox="pipe", now=NOW)
    return inbound_process(message_id=row.pk, now=NOW)


@pytest.fixture
def waiting(monkeypatch):
    """One message of each kind: an unknown sender's, an FG-10 hold, a quarantined one."""
    rk = organisation(RK, name="Acme <Corp>")
    fg = organisation(FG, timezone="America/Chicago", country="US")
    person(fg, role="primary", name="Pia Primary")
    stranger = take(mail(sender="stranger@example.com", subject="Who <b>am</b> I",
                         message_id="<stranger@example.com>"))
    fg10 = take(mail(sender=person(fg).emails.first().address, message_id="<fg10@x>"))

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(inbound, "ticket_create", broken)
    broke = take(mail(sender=person(rk).emails.first().address, message_id="<q@x>"))
    monkeypatch.undo()
    return {"rk": rk, "stranger": stranger, "fg10": fg10, "quarantined": broke}


def test_the_page_lists_both_kinds_with_their_actions(client, waiting):
    client.force_login(staff().user)
    with fixed_clock():
        page = client.get("/console/mail/in/").content.decode()

    assert 'href="/console/mail/in/" aria-current="page">Mail in</a>' in page
    assert "stranger@example.com" in page and "Who &lt;b&gt;am&lt;/b&gt; I" in page
    assert f'action="/console/mail/in/{waiting["stranger"].row}/release/"' in page
    assert f'action="/console/mail/in/{waiting["quarantined"].row}/reprocess/"' in page
    assert "RuntimeError: database hiccup" in page
    assert "Acme &lt;Corp&gt;" in page  # the release form's organisation choice, escaped
    fg10 = waiting["fg10"]
    assert f"Waits for Pia Primary to confirm <a href=\"/console/tickets/{fg10.ticket}/\"" in page
    assert f'/console/mail/in/{fg10.row}/release/' not in page
    assert "/refuse/" not in page  # an engineer does not refuse


def test_reprocess_after_the_fix_opens_the_ticket(client, waiting):
    client.force_login(staff().user)
    with fixed_clock():
        response = client.post(f"/console/mail/in/{waiting['quarantined'].row}/reprocess/",
                               follow=True)
    assert response.redirect_chain[-1][0] == "/console/mail/in/"
    number = InboundMessage.objects.get(pk=waiting["quarantined"].row).ticket.number
    assert f"Message {waiting['quarantined'].row}: created as #{number}" in \
        response.content.decode()


def test_release_names_the_organisation_and_the_sender_becomes_its_contact(client, waiting):
    client.force_login(staff().user)
    row = waiting["stranger"].row
    with fixed_clock():
        missing = client.post(f"/console/mail/in/{row}/release/", {"organisation": ""})
        released = client.post(f"/console/mail/in/{row}/release/",
                               {"organisation": waiting["rk"].pk, "name": "Sam Stranger"})

    assert missing.status_code == 422
    assert "name the organisation they belong to" in missing.content.decode()
    assert released.status_code == 302
    ticket = InboundMessage.objects.get(pk=row).ticket
    assert (ticket.requester.name, ticket.organisation) == ("Sam Stranger", waiting["rk"])


def test_an_fg10_hold_cannot_be_released_by_an_agent(client, waiting):
    client.force_login(staff().user)
    with fixed_clock():
        response = client.post(f"/console/mail/in/{waiting['fg10'].row}/reprocess/")
    assert response.status_code == 409
    assert "the primary contact" in response.content.decode()
    assert Ticket.objects.get(number=waiting["fg10"].ticket).hold == "awaiting_authorisation"


def test_refusing_is_for_the_support_lead_and_keeps_the_original(client, waiting):
    row = waiting["stranger"].row
    client.force_login(staff().user)
    with fixed_clock():
        assert client.post(f"/console/mail/in/{row}/refuse/",
                           {"reason": "spam"}).status_code == 403
    client.force_login(staff(roles=("support_lead",)).user)
    with fixed_clock():
        assert "/refuse/" in client.get("/console/mail/in/").content.decode()
        assert client.post(f"/console/mail/in/{row}/refuse/", {"reason": ""}).status_code == 400
        assert client.post(f"/console/mail/in/{row}/refuse/",
                           {"reason": "spam"}).status_code == 302
        original = client.get(f"/console/mail/in/{row}/raw/")

    assert InboundMessage.objects.get(pk=row).state == "refused"
    assert original["Content-Type"] == "application/octet-stream"
    assert original["Content-Disposition"] == f'attachment; filename="inbound-{row}.eml"'
    assert b"From: stranger@example.com" in original.content


def test_contacts_and_strangers_never_reach_the_page(client, waiting):
    someone = person(waiting["rk"])
    paths = ["/console/mail/in/", f"/console/mail/in/{waiting['stranger'].row}/raw/"]
    for path in paths:
        assert client.get(path).status_code == 302  # to the sign-in page
    client.force_login(someone.user)
    with fixed_clock():
        for path in paths:
            assert client.get(path)["Location"].startswith("/console/sign-in/")
        posted = client.post(f"/console/mail/in/{waiting['stranger'].row}/reprocess/")
    assert posted.status_code == 302
    assert InboundMessage.objects.get(pk=waiting["stranger"].row).state == "held"


def test_the_page_costs_the_same_queries_for_more_rows(client, waiting):
    """No query per row (STYLE: guard list query counts)."""
    client.force_login(staff().user)

    def queries() -> int:
        with fixed_clock(), CaptureQueriesContext(connection) as seen:
            assert client.get("/console/mail/in/").status_code == 200
        return len(seen)

    before = queries()
    for i in range(5):
        take(mail(sender=f"more{i}@example.com", message_id=f"<more{i}@x>"))
    fg = organisation(FG, timezone="America/Chicago", country="US", name="FG Two")
    person(fg, role="primary")
    take(mail(sender=person(fg).emails.first().address, message_id="<fg10-two@x>"))

    assert queries() == before
