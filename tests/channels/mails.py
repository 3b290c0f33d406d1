"""Messages for the channel tests, built in the test with the standard library's email package
(or byte by byte where the point is what a mailer really sends)."""

from __future__ import annotations

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
