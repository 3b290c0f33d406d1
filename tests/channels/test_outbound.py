"""Outbound mail through a real SMTP server (aiosmtpd): what the desk sends, its headers and
threading, attachments and charsets, and a customer's reply coming back through intake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile

from pledgedesk.channels.models import InboundMessage, OutboundMessage
from pledgedesk.channels.services import inbound_process, inbound_store
from pledgedesk.outbox.models import Delivery
from pledgedesk.tickets.models import Message
from pledgedesk.tickets.services import (
    Actor,
    Change,
    NewTicket,
    ticket_create,
    ticket_reply,
    ticket_update,
)
from pledgedesk.versions.policies import policy_for
from tests.channels.mails import mail
from tests.channels.smtp_server import SmtpServer
from tests.factories import T0, agent, contact, organisation
from tests.outbox.helpers import drain

pytestmark = pytest.mark.django_db(transaction=False)

RK = "crm-severity-colours"  # support@rethinkcrm.com, hours in US Central time
RL = "ecommerce-platform"  # no support address in the policy: the desk's sender address
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + bytes(range(256))  # not text


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


def address(person) -> str:
    return person.emails.first().address


def take(raw: bytes, *, now=T0):
    row, created = inbound_store(raw=raw, mailbox="imap://desk@mail/INBOX", now=now)
    assert created
    return inbound_process(message_id=row.pk, now=now)


def portal_ticket(org, requester, *, cc=(), now=T0, subject="Printer on fire"):
    return ticket_create(new=NewTicket(organisation=org, requester=requester, channel="portal",
                                       subject=subject, description="It is on fire.", cc=cc),
                         now=now)


def stored(number_or_ticket, kind=None) -> list[OutboundMessage]:
    rows = OutboundMessage.objects.filter(ticket__number=getattr(number_or_ticket, "number",
                                                                 number_or_ticket))
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("pk"))


def test_an_email_request_is_acknowledged_with_its_promise_in_the_customers_zone(smtp):
    org = organisation(RK, timezone="America/Chicago")
    ann = contact(org, name="Ann Ames")
    outcome = take(mail(sender=address(ann), subject="Printer on fire",
                        message_id="<first@customer.example>"))

    drain(now=T0)

    [got] = smtp.received
    msg = got.message
    [ack] = stored(outcome.ticket)
    assert got.rcpt_tos == [address(ann)]
    assert msg["To"] == address(ann)
    assert msg["Subject"] == f"[#{outcome.ticket}] Printer on fire: request received"
    assert msg["Message-ID"] == f"<{ack.message_id}>"
    assert ack.message_id.endswith(f".{outcome.ticket}@rethinkcrm.com")
    assert msg["In-Reply-To"] == "<first@customer.example>"
    assert msg["References"] == "<first@customer.example>"
    assert msg["Reply-To"] == "support@rethinkcrm.com"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    text = msg.get_body(("plain",)).get_content()
    # T0 is Monday 09:00 in Chicago; RK-6: received before 15:00, answered the same day.
    assert "What we promise, in US Central time:" in text
    assert "by Mon 5 Jan 2026, 17:00 US Central time (UTC-06:00)" in text
    assert "The same business day when received before 15:00 US Central time" in text
    html = msg.get_body(("html",)).get_content()
    assert "Mon 5 Jan 2026, 17:00 US Central time (UTC-06:00)" in html
    assert (ack.kind, ack.state, ack.sent_at) == ("acknowledgement", "sent", T0)


def test_a_customers_reply_to_our_mail_threads_by_our_message_id(smtp):
    """A ticket opened on the portal has no inbound mail: only our stored outbound id can
    thread the reply (the subject has no [#n] tag either)."""
    org = organisation(RK)
    ann = contact(org)
    ticket = portal_ticket(org, ann)
    drain(now=T0)
    [ack] = stored(ticket)

    later = T0 + timedelta(minutes=5)
    outcome = take(mail(sender=address(ann), subject="Re: request received",
                        message_id="<answer@customer.example>",
                        headers={"In-Reply-To": f"<{ack.message_id}>"}), now=later)

    assert (outcome.outcome, outcome.ticket) == ("appended", ticket.number)
    assert ticket.messages.order_by("pk").last().body == "It is on fire."


def test_an_agents_reply_goes_to_requester_and_ccs_with_its_files_and_charset(smtp):
    org = organisation(RK)
    ann, bob = contact(org, name="Ann Ames"), contact(org, name="Bob Brüggemann")
    engineer = agent(name="Zoë Žukauskaitė")
    outcome = take(mail(sender=address(ann), message_id="<first@customer.example>"))
    ticket = Message.objects.filter(ticket__number=outcome.ticket).first().ticket
    ticket.cc.add(bob)
    drain(now=T0)
    smtp.reset()
    log = ContentFile("Журнал: принтер горит\n".encode(), name="отчёт печати.txt")
    log.content_type = "text/plain"
    shot = ContentFile(PNG, name="screen.png")
    shot.content_type = "image/png"

    later = T0 + timedelta(minutes=10)
    ticket_reply(ticket=ticket, actor=Actor(channel="console", agent=engineer),
                 body="Grüße — попробуйте перезапустить принтер.", files=[log, shot],
                 expected_version=None, now=later)
    drain(now=later)

    [got] = smtp.received
    msg = got.message
    [ack, reply] = stored(ticket)
    assert sorted(got.rcpt_tos) == sorted([address(ann), address(bob)])
    assert (msg["To"], msg["Cc"]) == (address(ann), address(bob))
    assert msg["Subject"] == f"Re: [#{ticket.number}] Printer on fire"
    assert msg["Auto-Submitted"] is None  # a person wrote it
    assert msg["In-Reply-To"] == f"<{ack.message_id}>"
    assert msg["References"] == f"<first@customer.example> <{ack.message_id}>"
    text = msg.get_body(("plain",)).get_content()
    assert "Grüße — попробуйте перезапустить принтер." in text
    assert "Zoë Žukauskaitė" in text
    text_file, image = msg.iter_attachments()
    assert text_file.get_filename() == "отчёт печати.txt"  # RFC 2231
    # Text travels in SMTP's canonical form (CRLF line ends); binary files byte for byte.
    assert text_file.get_content().replace("\r\n", "\n") == "Журнал: принтер горит\n"
    assert (image.get_filename(), image.get_content_type()) == ("screen.png", "image/png")
    assert image.get_content() == PNG
    assert (reply.kind, reply.automatic, reply.state) == ("reply", False, "sent")


def test_status_notices_solved_and_awaiting_your_reply(smtp):
    org = organisation(RK)
    ann = contact(org)
    engineer = agent()
    ticket = portal_ticket(org, ann)
    drain(now=T0)
    smtp.reset()
    actor = Actor(channel="console", agent=engineer)

    # A reply that sets Pending says so itself: one mail, not a reply and a notice.
    at = T0 + timedelta(minutes=1)
    ticket_reply(ticket=ticket, actor=actor, body="Which model is it?",
                 change=Change(status="pending"), expected_version=None, now=at)
    drain(now=at)
    [reply] = smtp.received
    policy = policy_for(ticket.policy_version)  # the policy's own words for its statuses
    pending = policy.status("pending")
    assert f"Ticket #{ticket.number} is now {pending.label}: {pending.description}" in \
        reply.message.get_body(("plain",)).get_content().replace("\r\n", "\n")

    at += timedelta(minutes=1)
    ticket_update(ticket=ticket, actor=actor, change=Change(status="solved"),
                  expected_version=None, now=at)
    drain(now=at)
    solved = smtp.received[-1].message
    assert solved["Subject"] == f"[#{ticket.number}] Printer on fire: Solved"
    assert solved["Auto-Submitted"] == "auto-replied"
    assert policy.status("solved").description in \
        solved.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert [m.kind for m in stored(ticket)] == ["acknowledgement", "reply", "status"]


def test_without_a_policy_address_replies_go_to_the_desks_sender(smtp, settings):
    settings.DEFAULT_FROM_EMAIL = "desk@support.example"
    org = organisation(RL)
    ann = contact(org)
    ticket = portal_ticket(org, ann)

    drain(now=T0)

    msg = smtp.received[0].message
    assert msg["Reply-To"] == "desk@support.example"
    assert msg["From"].addresses[0].addr_spec == "desk@support.example"
    assert stored(ticket)[0].message_id.endswith("@support.example")
    assert Delivery.objects.get(topic="mail").state == "delivered"
    assert not InboundMessage.objects.exists()


def test_the_desks_own_address_is_never_a_recipient(smtp):
    """A contact recorded with the support address, copied on a ticket, would mail the desk
    itself, and the desk would answer: a loop."""
    from pledgedesk.accounts.models import ContactEmail

    org = organisation(RK)
    ann = contact(org)
    desk = contact(org, name="Support inbox")
    ContactEmail.objects.filter(contact=desk).update(address="Support@RethinkCRM.com")
    ticket = portal_ticket(org, ann, cc=[desk])
    drain(now=T0)
    ticket_reply(ticket=ticket, actor=Actor(channel="console", agent=agent()), body="Hello.",
                 expected_version=None, now=T0 + timedelta(minutes=1))
    drain(now=T0 + timedelta(minutes=1))

    assert [r.rcpt_tos for r in smtp.received] == [[address(ann)], [address(ann)]]
    assert smtp.received[1].message["Cc"] is None


def test_without_an_smtp_url_mail_is_written_to_files_in_the_data_directory(settings, tmp_path):
    """PLEDGEDESK_SMTP_URL unset: Django's file backend (the setting config.py makes), one
    file per message, the same message an SMTP server would get."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    org = organisation(RK)
    ticket = portal_ticket(org, contact(org))

    drain(now=T0)

    [written] = list((tmp_path / "mail").iterdir())
    [ack] = stored(ticket)
    text = written.read_bytes()
    assert f"Message-ID: <{ack.message_id}>".encode() in text
    assert b"Auto-Submitted: auto-replied" in text
    assert ack.state == "sent"
