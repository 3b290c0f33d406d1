"""The console shows each outbound mail's state on its ticket (sent, failed with the reason and
a retry button, suppressed, bounced) and lists the mail that did not arrive on its own page."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest

from pledgedesk.channels.models import OutboundMessage
from pledgedesk.channels.services import inbound_process, inbound_store
from pledgedesk.outbox.models import Delivery
from tests.channels.smtp_server import SmtpServer
from tests.channels.test_outbound_delivery import dsn
from tests.outbox.helpers import drain
from tests.pages import NOW, RK, email_of, fixed_clock, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db
MAIL_PAGE = "/console/mail/"


@pytest.fixture(autouse=True)
def _pages_see_now():
    with fixed_clock(NOW):
        yield


@pytest.fixture(scope="module")
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, settings):
    smtp_server.reset()
    smtp_server.use(settings)
    return smtp_server


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_a_refused_mail_shows_failed_with_its_reason_and_a_retry_sends_it(client, smtp):
    org = organisation(RK)
    ann = person(org)
    ticket = open_ticket(org, ann)
    smtp.handler.rcpt_answer = "550 5.1.1 mailbox unavailable"
    drain(now=NOW)
    client.force_login(staff().user)
    ticket_page = f"/console/tickets/{ticket.number}/"

    text = page_text(client, ticket_page)
    delivery = Delivery.objects.get(topic="mail")
    assert 'data-mail-state="failed"' in text
    assert f"Acknowledgement: [#{ticket.number}] Printer on fire: request received" in text
    assert "550" in text and "mailbox unavailable" in text
    assert f'action="/console/outbox/{delivery.pk}/retry/"' in text
    listed = page_text(client, MAIL_PAGE)
    assert f'href="/console/tickets/{ticket.number}/"' in listed
    assert "mailbox unavailable" in listed

    smtp.handler.rcpt_answer = ""
    response = client.post(f"/console/outbox/{delivery.pk}/retry/", {"next": ticket_page})
    assert (response.status_code, response["Location"]) == (302, ticket_page)
    drain(now=NOW)

    text = page_text(client, ticket_page)
    assert 'data-mail-state="sent"' in text and "Retry</button>" not in text
    assert len(smtp.received) == 1
    assert "Every mail went out." in page_text(client, MAIL_PAGE)


def test_a_bounced_mail_and_its_address_are_listed(client, smtp):
    org = organisation(RK)
    ann = person(org)
    ticket = open_ticket(org, ann)
    drain(now=NOW)
    ack = OutboundMessage.objects.get(ticket=ticket)
    row, _ = inbound_store(raw=dsn(to_desk="support@rethinkcrm.com", failed=email_of(ann),
                                   original_id=ack.message_id), mailbox="pipe",
                           now=NOW + timedelta(minutes=1))
    inbound_process(message_id=row.pk, now=NOW + timedelta(minutes=1))
    client.force_login(staff().user)

    text = page_text(client, f"/console/tickets/{ticket.number}/")
    assert 'data-mail-state="bounced"' in text and "mailbox unknown" in text
    listed = page_text(client, MAIL_PAGE)
    assert 'data-mail-state="bounced"' in listed
    assert f"<td>{email_of(ann)}</td><td>1</td>" in listed


def test_only_agents_see_the_mail_page(client, smtp):
    assert client.get(MAIL_PAGE).status_code == 302  # to sign-in
    client.force_login(person(organisation(RK)).user)
    response = client.get(MAIL_PAGE)
    assert response.status_code == 302 and "sign-in" in response["Location"]
