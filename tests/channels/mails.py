"""Messages for the channel tests, built in the test with the standard library's email package
(or byte by byte where the point is what a mailer really sends)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP


def mail(*, sender="someone@example.com", to="support@desk.test", subject="Printer on fire",
         body="It is on fire.\n", message_id="<m1@example.com>", html=None, headers=None,
         attachments=()) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Mon, 05 Jan 2026 15:00:00 +0000"
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=SMTP)


def reply_to(original_id: str, **kwargs) -> bytes:
    headers = {"In-Reply-To": original_id, "References": original_id,
               **kwargs.pop("headers", {})}
    return mail(headers=headers, **kwargs)


# --- the tricky ones, byte by byte (what real mailers send) -----------------------------------


def _head(sender: str, message_id: str, subject: str, extra: str = "") -> bytes:
    return (f"From: {sender}\r\nTo: support@desk.test\r\nSubject: {subject}\r\n"
            f"Date: Mon, 05 Jan 2026 15:00:00 +0000\r\nMessage-ID: {message_id}\r\n"
            f"MIME-Version: 1.0\r\n{extra}").encode("ascii")


def koi8r(sender: str, message_id: str) -> bytes:
    subject = "=?koi8-r?B?" + base64.b64encode("Принтер".encode("koi8-r")).decode() + "?="
    return (_head(sender, message_id, subject,
                  "Content-Type: text/plain; charset=koi8-r\r\n"
                  "Content-Transfer-Encoding: 8bit\r\n\r\n")
            + "Принтер не печатает.\r\n".encode("koi8-r"))


def iso2022jp(sender: str, message_id: str) -> bytes:
    return (_head(sender, message_id, "=?ISO-2022-JP?B?"
                  + base64.b64encode("プリンター".encode("iso-2022-jp")).decode() + "?=",
                  "Content-Type: text/plain; charset=ISO-2022-JP\r\n"
                  "Content-Transfer-Encoding: 7bit\r\n\r\n")
            + "プリンターが動きません。\r\n".encode("iso-2022-jp"))


def undeclared_8bit(sender: str, message_id: str) -> bytes:
    """8-bit Latin-1 text with no charset at all (old mailers)."""
    return (_head(sender, message_id, "Cafe order", "Content-Type: text/plain\r\n"
                  "Content-Transfer-Encoding: 8bit\r\n\r\n")
            + "Le caf\xe9 est froid, na\xefve question.\r\n".encode("latin-1"))


def html_only(sender: str, message_id: str) -> bytes:
    return _head(sender, message_id, "HTML only",
                 "Content-Type: text/html; charset=utf-8\r\n\r\n") + (
        b'<p>Hello <b>desk</b></p><script>alert(1)</script>'
        b'<p onclick="x()">Second &amp; last</p><img src="https://track.example/p.gif">\r\n')


def rfc2231_attachment(sender: str, message_id: str) -> bytes:
    return _head(sender, message_id, "Invoice attached",
                 "Content-Type: multipart/mixed; boundary=BB\r\n\r\n") + (
        b"--BB\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n"
        b"--BB\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;\r\n"
        b" filename*=utf-8''R%C3%A9sum%C3%A9%20%E2%82%AC.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--BB--\r\n")


def forwarded_rfc822(sender: str, message_id: str) -> bytes:
    return _head(sender, message_id, "Fwd: the original report",
                 "Content-Type: multipart/mixed; boundary=FF\r\n\r\n") + (
        b"--FF\r\nContent-Type: text/plain\r\n\r\nsee the forwarded message\r\n"
        b"--FF\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: c@example.com\r\nSubject: Original problem\r\nMessage-ID: <inner@x>\r\n\r\n"
        b"the first report\r\n--FF--\r\n")


def cid_image(sender: str, message_id: str, *, disposition: bool) -> bytes:
    return _head(sender, message_id, "Screenshot",
                 "Content-Type: multipart/related; boundary=RR\r\n\r\n") + (
        b"--RR\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p>screen:</p><img src=\"cid:shot1@x\">\r\n"
        b"--RR\r\nContent-Type: image/png\r\nContent-ID: <shot1@x>\r\n"
        + (b"Content-Disposition: inline\r\n" if disposition else b"")
        + b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--RR--\r\n")


def delivery_report(message_id: str, *, about: str = "<out-1@desk.test>") -> bytes:
    return ("From: MAILER-DAEMON@example.com\r\nTo: support@desk.test\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-replied\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=BB\r\n\r\n"
            "--BB\r\nContent-Type: text/plain\r\n\r\nundeliverable\r\n"
            "--BB\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.com\r\n\r\n"
            "Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
            "--BB\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"Message-ID: {about}\r\nSubject: [#1] Your request\r\n\r\n--BB--\r\n"
            ).encode("ascii")


@dataclass(frozen=True)
class People:
    """Who writes in a mix: contacts allowed to open tickets, an FG contact who is not
    authorised personnel (held, FG-10), a banned one (refused, RL-7)."""

    contacts: tuple[str, ...]
    unauthorised: str
    banned: str


# kind -> the outcome each message of that kind gets
MIX_OUTCOMES = {
    "new": "created", "reply": "appended", "attachment": "created", "html": "created",
    "charset": "created", "automatic": "ignored", "bounce": "bounce", "unknown": "held",
    "unauthorised": "held", "banned": "refused", "no-id": "created", "forward": "created",
}
_MIX = ("new", "reply", "new", "attachment", "reply", "automatic", "new", "html", "reply",
        "charset", "new", "bounce", "reply", "forward", "unknown", "new", "reply", "no-id",
        "unauthorised", "banned")


def mix(count: int, people: People, *, tag: str = "mix") -> list[tuple[str, bytes]]:
    """``count`` messages as a support address receives them: mostly new requests and replies
    (each reply to an earlier request in the list), with attachments, HTML-only and other
    charsets, automatic mail, bounces, forwards and the senders the policy holds or refuses.
    Every Message-ID is unique; the bytes are deterministic."""
    out: list[tuple[str, bytes]] = []
    opened: list[tuple[str, str]] = []  # (message id, sender) of requests that open tickets
    for i in range(count):
        kind = _MIX[i % len(_MIX)]
        if kind == "reply" and not opened:
            kind = "new"
        sender = people.contacts[i % len(people.contacts)]
        mid = f"<{tag}-{i}@example.com>"
        out.append((kind, _mixed(kind, i, sender, mid, people, opened)))
        if kind in ("new", "attachment", "html", "charset", "forward"):
            opened.append((mid, sender))
    return out


def _mixed(kind: str, i: int, sender: str, mid: str, people: People,
           opened: list[tuple[str, str]]) -> bytes:
    if kind == "reply":
        parent, author = opened[(i * 7) % len(opened)]
        return reply_to(parent, sender=author, message_id=mid, subject=f"Re: request {i}",
                        body=f"Still broken ({i}).\n\nOn Mon, 5 Jan 2026, Desk wrote:\n> Restart\n")
    if kind == "attachment":
        return mail(sender=sender, message_id=mid, subject=f"Log for request {i}",
                    attachments=[(f"log-{i}.txt", f"line {i}\n".encode() * 40, "text", "plain"),
                                 ("shot.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
                                  "image", "png")])
    builders = {
        "html": lambda: html_only(sender, mid),
        "charset": lambda: (koi8r, iso2022jp, undeclared_8bit)[i % 3](sender, mid),
        "automatic": lambda: mail(sender=sender, message_id=mid, subject="Out of office",
                                  headers={"Auto-Submitted": "auto-replied"}),
        "bounce": lambda: delivery_report(mid),
        "forward": lambda: forwarded_rfc822(sender, mid),
        "unknown": lambda: mail(sender=f"stranger{i}@unknown.example", message_id=mid,
                                subject=f"Hello {i}"),
        "unauthorised": lambda: mail(sender=people.unauthorised, message_id=mid,
                                     subject=f"Fax line down {i}"),
        "banned": lambda: mail(sender=people.banned, message_id=mid, subject=f"Again {i}"),
        "no-id": lambda: mail(sender=sender, message_id=None, subject=f"No id {i}",
                              body=f"request {i} without a Message-ID\n"),
    }
    if kind in builders:
        return builders[kind]()
    return mail(sender=sender, message_id=mid, subject=f"Request {i}: printer on fire",
                body=f"Request {i}.\nIt is on fire.\n")
