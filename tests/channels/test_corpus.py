"""The issue's "Email in" cases end to end: the corpus's byte-built messages through intake
(store raw, parse, ``ticket_create``/``ticket_customer_reply``) and the seed policies' rules
for mail (FG-3, FG-8, FG-10, RL-7, RK-2, RK-10, unknown senders)."""

from datetime import UTC, datetime

import pytest

from pledgedesk.accounts.models import AgentGroup
from pledgedesk.channels.models import InboundMessage
from pledgedesk.channels.parsing import parse_mail
from pledgedesk.channels.services import inbound_process, inbound_store
from pledgedesk.tickets.models import Attachment, Ticket, TicketEvent
from tests.channels import mails
from tests.factories import T0, contact, organisation

pytestmark = pytest.mark.django_db
RK, FG = "crm-severity-colours", "fax-server-24x7"


def take(raw: bytes, *, now=T0):
    row, created = inbound_store(raw=raw, mailbox="pipe", now=now)
    assert created
    return inbound_process(message_id=row.pk, now=now)


@pytest.fixture
def ann():
    person = contact(organisation(RK))
    return person.emails.first().address


def _ticket(outcome) -> Ticket:
    assert outcome.outcome == "created", outcome
    return Ticket.objects.get(number=outcome.ticket)


@pytest.mark.parametrize(("build", "subject", "text"), [
    (mails.koi8r, "Принтер", "Принтер не печатает."),
    (mails.iso2022jp, "プリンター", "プリンターが動きません。"),
    (mails.undeclared_8bit, "Cafe order", "Le café est froid, naïve question."),
])
def test_every_charset_becomes_a_readable_ticket(ann, build, subject, text):
    ticket = _ticket(take(build(ann, "<cs@x>")))
    assert (ticket.subject, ticket.description) == (subject, text)


def test_8bit_text_with_no_charset_at_all_is_read_leniently():
    raw = mails.undeclared_8bit("a@example.com", "<u8@x>")
    assert b"charset" not in raw.split(b"\r\n\r\n")[0]
    assert parse_mail(raw).text.strip() == "Le café est froid, naïve question."


def test_html_only_mail_is_sanitised_and_the_ticket_reads_text(ann):
    ticket = _ticket(take(mails.html_only(ann, "<h@x>")))
    assert ticket.description == "Hello desk\nSecond & last"
    parsed = parse_mail(mails.html_only(ann, "<h@x>"))
    assert "<script" not in parsed.html and "onclick" not in parsed.html


def test_rfc2231_filename_is_kept_on_the_ticket(ann):
    ticket = _ticket(take(mails.rfc2231_attachment(ann, "<r@x>")))
    [attachment] = Attachment.objects.filter(ticket=ticket)
    assert attachment.filename == "Résumé €.pdf"
    assert attachment.file.read() == b"%PDF-1.4\n"


def test_a_forwarded_message_is_kept_whole_as_an_attachment(ann):
    ticket = _ticket(take(mails.forwarded_rfc822(ann, "<fw@x>")))
    assert ticket.subject == "the original report"  # "Fwd:" taken off
    [attachment] = Attachment.objects.filter(ticket=ticket)
    assert attachment.filename == "Original problem.eml"
    assert b"the first report" in attachment.file.read()


@pytest.mark.parametrize("disposition", [True, False])
def test_an_inline_cid_image_is_kept_with_or_without_content_disposition(ann, disposition):
    ticket = _ticket(take(mails.cid_image(ann, f"<cid{disposition}@x>",
                                          disposition=disposition)))
    [image] = Attachment.objects.filter(ticket=ticket)
    assert image.filename == "shot1@x.png"
    assert ticket.description == "screen:"


def test_quoted_history_is_folded_on_the_reply_and_kept_in_the_original(ann):
    opened = _ticket(take(mails.mail(sender=ann, message_id="<q1@x>")))
    body = "Thanks, fixed.\n\n-----Original Message-----\nFrom: Desk\n> Please restart it.\n"
    outcome = take(mails.reply_to("<q1@x>", sender=ann, message_id="<q2@x>", body=body,
                                  subject="SV: Printer on fire"))
    assert (outcome.outcome, outcome.ticket) == ("appended", opened.number)
    row = InboundMessage.objects.get(pk=outcome.row)
    assert row.ticket_message.body == "Thanks, fixed."
    assert b"> Please restart it." in bytes(row.raw)


@pytest.mark.parametrize("prefix", ["Re:", "Fwd:", "AW:", "WG:", "TR:", "SV:", "RE: Fw:"])
def test_reply_prefixes_thread_by_the_ticket_tag(ann, prefix):
    opened = _ticket(take(mails.mail(sender=ann, message_id="<p1@x>")))
    outcome = take(mails.mail(sender=ann, message_id="<p2@x>", body="more\n",
                              subject=f"{prefix} [#{opened.number}] Printer on fire"))
    assert (outcome.outcome, outcome.ticket) == ("appended", opened.number)


def test_a_delivery_report_is_a_bounce_not_a_ticket(ann):
    outcome = take(mails.delivery_report("<dsn@x>"))
    assert (outcome.outcome, outcome.ticket) == ("bounce", None)
    assert Ticket.objects.count() == 0


def test_rk10_title_marker_routes_mail_to_its_team(ann):
    AgentGroup.objects.create(key="product_services", name="Product Services")
    ticket = _ticket(take(mails.mail(sender=ann, message_id="<t@x>",
                                     subject="*Product Services* new workflow")))
    assert ticket.group.key == "product_services"


def test_rk2_administrator_in_to_is_detected():
    org = organisation(RK)
    admin = contact(org, role="administrator")
    raw = mails.mail(sender=contact(org).emails.first().address, message_id="<adm@x>",
                     to=f"support@rethinkcrm.com, {admin.emails.first().address}")
    ticket = _ticket(take(raw))
    assert list(ticket.cc.all()) == [admin] and ticket.administrator_not_included is False


def test_rk2_without_the_administrator_the_ticket_is_flagged():
    org = organisation(RK)
    contact(org, role="administrator")
    ticket = _ticket(take(mails.mail(sender=contact(org).emails.first().address,
                                     message_id="<noadm@x>")))
    assert ticket.administrator_not_included is True


def test_fg8_an_urgent_email_after_hours_on_24x7_never_pages():
    org = organisation(FG, plans=["24x7"], timezone="America/Chicago", country="US")
    listed = contact(org, authorised=True)
    night = datetime(2026, 1, 6, 4, 0, tzinfo=UTC)  # 22:00 Central
    outcome = take(mails.mail(sender=listed.emails.first().address, message_id="<night@x>",
                              subject="URGENT production down",
                              headers={"X-Priority": "1", "Importance": "high"}), now=night)
    ticket = _ticket(outcome)
    assert ticket.page_on_call is False and ticket.priority == "medium"
    assert not TicketEvent.objects.filter(ticket=ticket, kind="page_on_call").exists()
