"""Outbound mail when things go wrong, against a real SMTP server (aiosmtpd): the server down
or refusing, retries with the same Message-ID, permanent failures, loop protection, bounces."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.channels.models import BouncingAddress, OutboundMessage, OutboundRecipient
from pledgedesk.channels.outbound import deliver
from pledgedesk.channels.services import inbound_process, inbound_store
from pledgedesk.outbox.models import Delivery
from pledgedesk.outbox.services import retry
from pledgedesk.tickets.services import Actor, NewTicket, ticket_create, ticket_reply
from tests.channels.smtp_server import SmtpServer
from tests.factories import T0, agent, contact, organisation
from tests.outbox.helpers import drain

pytestmark = pytest.mark.django_db

RK = "crm-severity-colours"


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


def open_ticket(org, requester, *, now=T0, subject="Printer on fire"):
    return ticket_create(new=NewTicket(organisation=org, requester=requester, channel="portal",
                                       subject=subject, description="It is on fire."), now=now)


def mail_row() -> Delivery:
    return Delivery.objects.get(topic="mail")


def test_while_the_mail_server_is_down_delivery_retries_with_backoff_then_sends_once(settings):
    server = SmtpServer()  # not started yet: connections to its port are refused
    server.use(settings)
    org = organisation(RK)
    ann = contact(org)
    ticket = open_ticket(org, ann)

    drain(now=T0)
    row = mail_row()
    [message] = OutboundMessage.objects.filter(ticket=ticket)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == T0 + timedelta(seconds=60)  # the first backoff
    assert "ConnectionRefusedError" in row.last_error
    # Stored before the first attempt: the id every attempt will carry.
    assert (message.state, message.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in message.last_error
    first_id = message.message_id

    drain(now=T0 + timedelta(seconds=59))  # not due yet: nothing tried
    assert mail_row().attempts == 1
    drain(now=T0 + timedelta(seconds=60))  # still down: the backoff doubles
    assert mail_row().next_attempt_at == T0 + timedelta(seconds=60 + 120)

    server.start()
    try:
        drain(now=T0 + timedelta(seconds=180))
    finally:
        server.stop()

    assert (mail_row().state, mail_row().attempts) == ("delivered", 3)
    [got] = server.received
    assert got.message["Message-ID"] == f"<{first_id}>"
    message.refresh_from_db()
    assert (message.state, message.sent_at, message.last_error) == (
        "sent", T0 + timedelta(seconds=180), "")


def test_a_temporary_refusal_is_retried(smtp):
    org = organisation(RK)
    ticket = open_ticket(org, contact(org))
    smtp.handler.rcpt_answer = "451 4.3.0 try again later"

    drain(now=T0)
    assert (mail_row().state, mail_row().attempts) == ("pending", 1)
    assert "451" in mail_row().last_error

    smtp.handler.rcpt_answer = ""
    drain(now=T0 + timedelta(minutes=1))
    assert mail_row().state == "delivered"
    assert OutboundMessage.objects.get(ticket=ticket).state == "sent"
    assert len(smtp.received) == 1


def test_a_repeated_delivery_sends_the_same_message_id_so_the_receiver_can_drop_it(smtp):
    """At least once: a worker that sent and died before recording it sends again. The copy
    carries the stored Message-ID, built from the outbox key, never a new one."""
    org = organisation(RK)
    open_ticket(org, contact(org))
    drain(now=T0)
    row = mail_row()
    OutboundMessage.objects.update(state="pending", sent_at=None)  # as if never recorded
    OutboundRecipient.objects.update(state="pending", sent_at=None)

    deliver(row, now=T0 + timedelta(minutes=6))

    first, again = smtp.received
    assert first.message["Message-ID"] == again.message["Message-ID"]
    assert first.message["Subject"] == again.message["Subject"]
    assert OutboundMessage.objects.count() == 1


def test_a_permanent_refusal_fails_at_once_visibly_and_can_be_retried(smtp):
    org = organisation(RK)
    ticket = open_ticket(org, contact(org))
    smtp.handler.rcpt_answer = "550 5.1.1 no such user here"

    drain(now=T0)

    row = mail_row()
    message = OutboundMessage.objects.get(ticket=ticket)
    assert (row.state, row.attempts) == ("failed", 1)  # no retry can help
    assert "550" in row.last_error and "no such user" in row.last_error
    assert (message.state, message.attempts) == ("failed", 1)
    assert "no such user" in message.last_error

    # The address is fixed on the mail server; a person retries the delivery.
    smtp.handler.rcpt_answer = ""
    later = T0 + timedelta(hours=1)
    retry(delivery_id=row.pk, now=later)
    drain(now=later)
    assert mail_row().state == "delivered"
    [got] = smtp.received
    assert got.message["Message-ID"] == f"<{message.message_id}>"
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == ("sent", 2, "")


def test_automatic_mail_to_one_address_is_rate_limited_and_the_rest_recorded(smtp, settings):
    settings.PLEDGEDESK_MAIL_AUTO_LIMIT = 2
    org = organisation(RK)
    ann = contact(org)
    engineer = agent()
    tickets = [open_ticket(org, ann, now=T0 + timedelta(minutes=i), subject=f"Loop {i}")
               for i in range(3)]

    drain(now=T0 + timedelta(minutes=5))

    assert [r.message["Subject"].split(":")[0] for r in smtp.received] == [
        f"[#{tickets[0].number}] Loop 0", f"[#{tickets[1].number}] Loop 1"]
    third = OutboundMessage.objects.get(ticket=tickets[2])
    assert third.state == "suppressed"
    assert "loop protection: 2 automatic mails to this address in the last hour" in \
        third.last_error
    assert OutboundRecipient.objects.get(message=third).state == "suppressed"
    assert mail_row_for(tickets[2]).state == "delivered"  # recorded, not retried forever

    # A person's reply is never held back by the limit.
    ticket_reply(ticket=tickets[2], actor=Actor(channel="console", agent=engineer),
                 body="We are on it.", expected_version=None, now=T0 + timedelta(minutes=6))
    drain(now=T0 + timedelta(minutes=6))
    assert smtp.received[-1].message["Subject"] == f"Re: [#{tickets[2].number}] Loop 2"

    # Sent at the drain (T0 + 5 min): an hour later the limit lets mail through again.
    fourth = open_ticket(org, ann, now=T0 + timedelta(minutes=64), subject="Loop 3")
    drain(now=T0 + timedelta(minutes=64))
    assert OutboundMessage.objects.get(ticket=fourth).state == "suppressed"
    fifth = open_ticket(org, ann, now=T0 + timedelta(minutes=65), subject="Loop 4")
    drain(now=T0 + timedelta(minutes=65))
    assert OutboundMessage.objects.get(ticket=fifth).state == "sent"


def mail_row_for(ticket) -> Delivery:
    return Delivery.objects.get(topic="mail", ticket_id=ticket.pk)


def dsn(*, to_desk: str, failed: str, original_id: str, returned: str = "headers") -> bytes:
    """A delivery status notification as Postfix writes one (RFC 3464), byte by byte."""
    if returned == "headers":
        original = (b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
                    b"From: Support <pledgedesk@localhost>\r\n"
                    b"To: " + failed.encode() + b"\r\n"
                    b"Subject: [#1] Printer on fire: request received\r\n"
                    b"Message-ID: <" + original_id.encode() + b">\r\n\r\n")
    else:
        original = (b"--B\r\nContent-Type: message/rfc822\r\n\r\n"
                    b"From: Support <pledgedesk@localhost>\r\n"
                    b"To: " + failed.encode() + b"\r\n"
                    b"Message-ID: <" + original_id.encode() + b">\r\n"
                    b"Subject: hello\r\n\r\nThe body.\r\n\r\n")
    return (
        b"From: MAILER-DAEMON@mx.customer.example (Mail Delivery System)\r\n"
        b"To: " + to_desk.encode() + b"\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <bounce-" + original_id.encode() + b">\r\n"
        b"Auto-Submitted: auto-replied\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.customer.example\r\n\r\n"
        b"Final-Recipient: rfc822; " + failed.encode() + b"\r\n"
        b"Action: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 <" + failed.encode() + b">: mailbox unknown\r\n\r\n"
        + original + b"--B--\r\n")


@pytest.mark.parametrize("returned", ["headers", "message"])
def test_a_bounce_is_matched_to_our_mail_recorded_on_its_ticket_and_marks_the_address(
        smtp, returned):
    org = organisation(RK)
    ann = contact(org)
    engineer = agent()
    ticket = open_ticket(org, ann)
    drain(now=T0)
    ack = OutboundMessage.objects.get(ticket=ticket)

    later = T0 + timedelta(minutes=3)
    row, _ = inbound_store(raw=dsn(to_desk="support@rethinkcrm.com", failed=address(ann),
                                   original_id=ack.message_id, returned=returned),
                           mailbox="pipe", now=later)
    outcome = inbound_process(message_id=row.pk, now=later)

    assert (outcome.outcome, outcome.ticket) == ("bounce", ticket.number)  # never a ticket
    assert ack.message_id in outcome.reason and "5.1.1" in outcome.reason
    ack.refresh_from_db()
    assert (ack.state, ack.bounced_at, ack.bounce_id) == ("bounced", later, row.pk)
    assert "mailbox unknown" in ack.bounce_reason
    assert OutboundRecipient.objects.get(message=ack).state == "bounced"
    mark = BouncingAddress.objects.get(address=address(ann))
    assert (mark.first_at, mark.bounces, mark.last_message) == (later, 1, ack)

    # Automatic mail to a bouncing address is held back and says why; a person's reply goes.
    smtp.reset()
    second = open_ticket(org, ann, now=later, subject="Another")
    reply_at = later + timedelta(minutes=1)
    ticket_reply(ticket=ticket, actor=Actor(channel="console", agent=engineer),
                 body="Did you get this?", expected_version=None, now=reply_at)
    drain(now=reply_at)
    held = OutboundMessage.objects.get(ticket=second)
    assert (held.state, held.last_error) == (
        "suppressed", f"{address(ann)}: the address bounced recently")
    assert [r.message["Subject"] for r in smtp.received] == [
        f"Re: [#{ticket.number}] Printer on fire"]


def test_a_bounce_about_mail_we_never_sent_is_recorded_without_a_ticket(smtp):
    row, _ = inbound_store(raw=dsn(to_desk="support@rethinkcrm.com", failed="x@example.com",
                                   original_id="someone-else@elsewhere.example"),
                           mailbox="pipe", now=T0)
    outcome = inbound_process(message_id=row.pk, now=T0)
    assert (outcome.outcome, outcome.ticket) == ("bounce", None)
    assert outcome.reason == "bounce: refers to no outbound message of this desk"
    assert not BouncingAddress.objects.exists()
