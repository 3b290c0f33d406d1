"""Outbound mail the policy shapes: FG-10's held request (the requester told, the primary
contact asked with a signed single-use link) and a policy's own mail templates."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from pledgedesk.channels.models import OutboundMessage
from pledgedesk.channels.services import inbound_process, inbound_store
from pledgedesk.outbox.models import Delivery
from pledgedesk.tickets.models import Ticket
from tests.channels.mails import mail
from tests.channels.smtp_server import SmtpServer
from tests.outbox.helpers import drain
from tests.pages import FG, NOW, RK, email_of, open_ticket, organisation, person

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, settings):
    smtp_server.reset()
    smtp_server.use(settings)
    settings.PLEDGEDESK_PUBLIC_URL = "https://help.example.com"
    return smtp_server


def by_recipient(smtp) -> dict:
    return {r.rcpt_tos[0]: r.message for r in smtp.received}


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_fg10_a_held_request_asks_the_primary_contact_by_mail_with_a_single_use_link(
        smtp, client):
    org = organisation(FG, timezone="America/New_York")
    primary = person(org, role="primary", name="Pat Primary")
    stranger = person(org, name="Sam Stranger")  # not authorised personnel
    row, _ = inbound_store(raw=mail(sender=email_of(stranger), subject="Fax down"),
                           mailbox="pipe", now=NOW)
    outcome = inbound_process(message_id=row.pk, now=NOW)
    assert outcome.outcome == "held"

    drain(now=NOW)

    sent = by_recipient(smtp)
    held, ask = sent[email_of(stranger)], sent[email_of(primary)]
    assert held["Subject"] == f"[#{outcome.ticket}] Fax down: waiting for your primary contact"
    assert "We have asked your primary contact to confirm your request" in text_of(held)
    assert ask["Subject"] == f"[#{outcome.ticket}] Please confirm a request from Sam Stranger"
    assert ask["Auto-Submitted"] == "auto-replied"
    [link] = re.findall(r"https://help\.example\.com(/portal/access/\d+/link/\S+/)",
                        text_of(ask))
    assert f"{email_of(stranger)}" in text_of(ask)

    # Only the primary contact may open it; a tampered link is refused.
    client.force_login(stranger.user)
    assert client.get(link).status_code == 404
    client.force_login(primary.user)
    assert client.get(link[:-3] + "xx/").status_code == 403
    page = client.get(link)
    text = unescape(page.content.decode())
    assert page.status_code == 200  # opening it decides nothing (mail scanners open links)
    assert Ticket.objects.get(number=outcome.ticket).hold == "awaiting_authorisation"
    assert f'action="/portal/access/{outcome.ticket}/"' in text
    assert 'value="confirm"' in text and 'value="reject"' in text

    smtp.reset()
    decided = NOW + timedelta(minutes=20)
    from pledgedesk import clock
    with clock.use(clock.FixedClock(decided)):
        response = client.post(f"/portal/access/{outcome.ticket}/", {"decision": "confirm"})
    assert response.status_code == 302
    drain(now=decided)

    [confirmed] = smtp.received
    assert confirmed.rcpt_tos == [email_of(stranger)]
    body = text_of(confirmed.message)
    assert "Your primary contact confirmed your request" in body
    assert "What we promise, in US Eastern time:" in body
    # Used once: the request is decided, so the link says so.
    again = client.get(link)
    assert again.status_code == 403
    assert "already been decided" in unescape(again.content.decode())


@pytest.fixture
def policy_dir(tmp_path, settings):
    for source in Path(django_settings.PLEDGEDESK_POLICY_DIR).glob("*.toml"):
        shutil.copy(source, tmp_path / source.name)
    settings.PLEDGEDESK_POLICY_DIR = tmp_path
    return tmp_path


def use_templates(policy_dir: Path, key: str, directory: str) -> None:
    path = policy_dir / f"{key}.toml"
    text = path.read_text()
    assert text.count("[channels.email]\n") == 1
    path.write_text(text.replace("[channels.email]\n",
                                 f'[channels.email]\ntemplates = "{directory}"\n'))


def test_a_policy_names_its_own_templates_and_keeps_the_defaults_it_does_not_replace(
        smtp, policy_dir):
    use_templates(policy_dir, RK, "mail/rethink")
    own = policy_dir / "mail" / "rethink"
    own.mkdir(parents=True)
    (own / "acknowledgement.subject.txt").write_text("Rethink case {{ number }} is open\n")
    (own / "acknowledgement.txt").write_text(
        "Dear {{ requester.name }}, case {{ number }} ({{ priority }}) is ours now.\n"
        "{% for p in promises %}{{ p.label }}: {{ p.due }}\n{% endfor %}")
    org = organisation(RK)
    ann = person(org, name="Ann <Ames>")
    ticket = open_ticket(org, ann, at=NOW)

    drain(now=NOW)

    [got] = smtp.received
    msg = got.message
    # The policy's subject, with the [#n] tag the desk adds when a template leaves it out.
    assert msg["Subject"] == f"[#{ticket.number}] Rethink case {ticket.number} is open"
    assert text_of(msg).startswith(f"Dear Ann <Ames>, case {ticket.number} (")
    assert "Response: Mon 5 Jan 2026, 17:00 US Central time (UTC-06:00)\n" in text_of(msg)
    # No HTML template of its own: the default one, escaped as HTML.
    assert "Hello Ann &lt;Ames&gt;," in msg.get_body(("html",)).get_content()


def test_a_missing_template_directory_fails_the_mail_visibly(smtp, policy_dir):
    use_templates(policy_dir, RK, "mail/nowhere")
    org = organisation(RK)
    open_ticket(org, person(org), at=NOW)

    drain(now=NOW)

    row = Delivery.objects.get(topic="mail")
    assert row.state == "failed" and row.attempts == 1  # retrying cannot help
    assert f"channels.email.templates: {policy_dir / 'mail' / 'nowhere'} is not a directory" \
        in row.last_error
    assert not OutboundMessage.objects.exists() and not smtp.received
