"""channels.parsing: what intake reads out of a message, for each encoding and kind of mail
the peers got wrong (PITFALLS "Email")."""

from email.message import EmailMessage
from email.policy import SMTP

import pytest

from pledgedesk.channels.parsing import (
    message_id_of,
    parse_mail,
    strip_quoted,
    subject_core,
    ticket_tag,
)
from tests.channels.mails import mail


def test_plain_message_headers_and_body():
    parsed = parse_mail(mail(sender="Ann Example <Ann@Example.com>", subject="Printer down",
                             headers={"Cc": "Bob <bob@example.com>"}))
    assert parsed.sender == "ann@example.com"
    assert parsed.sender_name == "Ann Example"
    assert parsed.subject == "Printer down"
    assert parsed.cc == ("bob@example.com",)
    assert parsed.text == "It is on fire.\n"
    assert parsed.message_id == "m1@example.com"
    assert parsed.automatic == ""


def test_koi8r_body_and_encoded_subject():
    raw = ("From: ivan@example.ru\r\nTo: support@desk.test\r\n"
           "Subject: =?koi8-r?B?" + _b64("Принтер".encode("koi8-r")) + "?=\r\n"
           "Message-ID: <k@example.ru>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
           ).encode("ascii") + "Принтер не печатает.\r\n".encode("koi8-r")
    parsed = parse_mail(raw)
    assert parsed.subject == "Принтер"
    assert parsed.text.strip() == "Принтер не печатает."


def test_iso_2022_jp_body():
    body = "プリンターが動きません。"
    raw = (b"From: taro@example.jp\r\nTo: support@desk.test\r\nSubject: test\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n"
           b"Content-Transfer-Encoding: 7bit\r\n\r\n" + body.encode("iso-2022-jp") + b"\r\n")
    assert parse_mail(raw).text.strip() == body


def test_charset_only_on_the_part_of_a_multipart_message():
    raw = (b"From: a@example.com\r\nTo: support@desk.test\r\nSubject: x\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=BB\r\n\r\n"
           b"--BB\r\nContent-Type: text/plain; charset=windows-1252\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\nCaf\xe9 \x80 ok\r\n--BB--\r\n")
    assert parse_mail(raw).text.strip() == "Café € ok"


def test_eight_bit_text_without_a_charset_is_read_leniently():
    raw = (b"From: a@example.com\r\nTo: support@desk.test\r\nSubject: x\r\n"
           b"Content-Type: text/plain; charset=x-unknown\r\n\r\nna\xefve\r\n")
    assert parse_mail(raw).text.strip() == "na\u00efve"


def test_html_only_mail_is_sanitised_and_read_as_text():
    html = ('<p>Hello <b>desk</b></p><script>alert(1)</script>'
            '<p onclick="x()">Second &amp; last</p>')
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.com", "support@desk.test", "html"
    msg.set_content(html, subtype="html")
    parsed = parse_mail(msg.as_bytes(policy=SMTP))
    assert "<script>" not in parsed.html and "alert" not in parsed.html
    assert "onclick" not in parsed.html
    assert "<b>desk</b>" in parsed.html
    assert parsed.text == "Hello desk\nSecond & last"


def test_rfc2231_filename():
    raw = (b"From: a@example.com\r\nTo: support@desk.test\r\nSubject: x\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=BB\r\n\r\n"
           b"--BB\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
           b"--BB\r\nContent-Type: application/pdf\r\n"
           b"Content-Disposition: attachment;\r\n"
           b" filename*=utf-8''R%C3%A9sum%C3%A9%20%E2%82%AC.pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--BB--\r\n")
    parsed = parse_mail(raw)
    assert [(p.filename, p.content_type, p.data) for p in parsed.attachments] == [
        ("Résumé €.pdf", "application/pdf", b"%PDF-")]


def test_forwarded_message_is_kept_whole_as_an_attachment():
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "c@example.com", "Original problem"
    inner.set_content("the first report")
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = "a@example.com", "support@desk.test", "Fwd: x"
    outer.set_content("see below")
    outer.add_attachment(inner)
    parsed = parse_mail(outer.as_bytes(policy=SMTP))
    [part] = parsed.attachments
    assert part.content_type == "message/rfc822"
    assert part.filename == "Original problem.eml"
    assert b"the first report" in part.data
    assert parsed.text.strip() == "see below"


@pytest.mark.parametrize("disposition", [True, False])
def test_cid_inline_image_with_or_without_content_disposition(disposition):
    raw = (b"From: a@example.com\r\nTo: support@desk.test\r\nSubject: x\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=RR\r\n\r\n"
           b"--RR\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<p>screen:</p><img src=\"cid:shot1@x\">\r\n"
           b"--RR\r\nContent-Type: image/png\r\nContent-ID: <shot1@x>\r\n"
           + (b"Content-Disposition: inline\r\n" if disposition else b"")
           + b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0K\r\n--RR--\r\n")
    parsed = parse_mail(raw)
    [image] = parsed.attachments
    assert (image.content_type, image.content_id, image.data) == (
        "image/png", "shot1@x", b"\x89PNG\r\n")
    assert image.filename == "shot1@x.png"
    assert parsed.text == "screen:"


@pytest.mark.parametrize(("name", "value"), [
    ("Auto-Submitted", "auto-replied"), ("Auto-Submitted", "auto-generated"),
    ("Precedence", "bulk"), ("Precedence", "junk"), ("Precedence", "auto_reply"),
    ("Precedence", "list"), ("X-Autoreply", "yes"), ("X-Autorespond", "yes"),
    ("List-Id", "<news.example.com>"), ("X-Failed-Recipients", "gone@example.com"),
])
def test_automatic_mail(name, value):
    assert parse_mail(mail(headers={name: value})).automatic != ""


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "no"},
    {"X-Auto-Response-Suppress": "All"},  # Outlook on ordinary mail (osTicket PR#5320)
    {"Precedence": "first-class"},
])
def test_mail_a_person_wrote_is_not_automatic(headers):
    assert parse_mail(mail(headers=headers)).automatic == ""


def test_delivery_report_is_a_bounce():
    raw = (b"From: MAILER-DAEMON@example.com\r\nTo: support@desk.test\r\nSubject: failed\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=BB\r\n\r\n"
           b"--BB\r\nContent-Type: text/plain\r\n\r\nundeliverable\r\n"
           b"--BB\r\nContent-Type: message/delivery-status\r\n\r\n"
           b"Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\n\r\n--BB--\r\n")
    parsed = parse_mail(raw)
    assert parsed.bounce is True
    assert parsed.automatic == "bounce"


def test_reply_headers_are_read_in_order():
    parsed = parse_mail(mail(headers={"In-Reply-To": "<b@x>",
                                      "References": "<a@x> <b@x>"}))
    assert parsed.in_reply_to == ("b@x",)
    assert parsed.references == ("a@x", "b@x")


@pytest.mark.parametrize(("subject", "core"), [
    ("Re: Printer", "Printer"), ("RE: Fwd: Printer", "Printer"), ("AW: WG: Drucker", "Drucker"),
    ("TR: Imprimante", "Imprimante"), ("SV: Skrivare", "Skrivare"), ("Re[2]: x", "x"),
    ("Fw: x", "x"), ("Regarding: x", "Regarding: x"),
])
def test_reply_and_forward_prefixes(subject, core):
    assert subject_core(subject) == core


def test_ticket_tag():
    assert ticket_tag("Re: [#1234] Printer") == 1234
    assert ticket_tag("Printer #1234") is None


def test_quoted_history_is_folded_for_display_and_kept_in_the_text():
    body = ("Still broken.\n\nOn Mon, 5 Jan 2026 at 09:00, Desk <s@desk.test> wrote:\n"
            "> Please restart it.\n")
    parsed = parse_mail(mail(body=body))
    assert parsed.display_text == "Still broken."
    assert "> Please restart it." in parsed.text
    assert strip_quoted("Yes.\n-----Original Message-----\nFrom: x") == "Yes."


def test_message_without_message_id_gets_a_stable_one_from_its_content():
    raw = mail(message_id=None)
    assert message_id_of(raw) == message_id_of(raw)
    assert message_id_of(raw).endswith("@pledgedesk.invalid")
    assert message_id_of(raw) != message_id_of(mail(message_id=None, body="other\n"))


def test_no_sender_is_refused():
    with pytest.raises(ValueError, match="no From address"):
        parse_mail(b"Subject: x\r\n\r\nbody\r\n")


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")
