"""Reading one inbound message: headers, bodies, attachments, whether it is automatic.

The standard library's ``email`` package with ``policy.default`` does the MIME work: it
decodes RFC 2047 headers, RFC 2231 filenames and every codec Python has (koi8-r,
ISO-2022-JP, a charset declared only on the part). mail-parser adds nothing we need on top of
it, and flanker is unmaintained on Python 3.11. What is ours is only the help-desk reading of
the result: which body to show, what counts as automatic mail, the quoted history to fold.
Nothing here touches the database.
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr
from functools import lru_cache
from html import unescape

from pledgedesk.sanitise import clean_html

# Re:, Fwd:, and the German (AW, WG), French (TR), Nordic (SV, VS) forms (Zammad#5287, #4965),
# repeated and bracketed counts ("Re[2]:") included.
_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|tr|sv|vs)(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_TICKET_TAG = re.compile(r"\[#(\d{1,18})\]")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_ATTRIBUTION = re.compile(r"^(On .+ wrote:|Am .+ schrieb .+:|Le .+ a écrit\s*:)\s*$")
_OUTLOOK_SEPARATOR = re.compile(r"^(-{2,}\s*Original Message\s*-{2,}|_{10,})\s*$", re.I)
_AUTO_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
_HEADERS_ONLY = BytesHeaderParser(policy=policy.compat32)


@dataclass(frozen=True)
class Part:
    """An attachment: a named file, a forwarded message (message/rfc822) or an inline image
    (``content_id`` set: referred to as cid: from the HTML body)."""

    filename: str
    content_type: str
    data: bytes
    content_id: str = ""


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    subject: str
    sender: str  # the From address, lower-cased
    sender_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str  # the whole text body (from the HTML one when there is no text part)
    html: str  # sanitised (pledgedesk.sanitise), "" without an HTML part
    attachments: tuple[Part, ...] = ()
    automatic: str = ""  # why this is automatic mail ("" when a person wrote it)
    bounce: bool = False
    delivered_to: tuple[str, ...] = ()  # Delivered-To, X-Original-To: where the MTA put it

    @property
    def display_text(self) -> str:
        """The new text only: quoted history folded away (osTicket#5548); ``text`` keeps it."""
        return strip_quoted(self.text)


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def message_id_of(raw: bytes) -> str:
    """The Message-ID, or a stable one made from the content when the header is missing (never
    from an IMAP UID: the same bytes get the same id through any mailbox). Only the header
    block is read (the raw text of the field: ids are ASCII)."""
    ids = _ids(_HEADERS_ONLY.parsebytes(raw).get("Message-ID", ""))
    return ids[0][:250] if ids else f"{content_hash(raw)[:40]}@pledgedesk.invalid"


def _message_id(msg: EmailMessage, raw: bytes) -> str:
    ids = _ids(msg.get("Message-ID", ""))
    return ids[0][:250] if ids else f"{content_hash(raw)[:40]}@pledgedesk.invalid"


def parse_mail(raw: bytes) -> ParsedMail:
    """``raw`` read into what intake needs. Raises ValueError when it has no usable sender."""
    msg = _parse(raw)
    sender_name, sender = parseaddr(str(msg.get("From", "")))
    if "@" not in sender:
        raise ValueError("the message has no From address")
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    text, html = _bodies(text_part, html_part)
    return ParsedMail(
        message_id=_message_id(msg, raw), subject=_one_line(str(msg.get("Subject", ""))),
        sender=sender.strip().lower(), sender_name=sender_name.strip(),
        to=_addresses(msg, "To"), cc=_addresses(msg, "Cc"),
        in_reply_to=tuple(_ids(msg.get("In-Reply-To", ""))),
        references=tuple(_ids(msg.get("References", ""))),
        text=text, html=html, attachments=tuple(_attachments(msg, (text_part, html_part))),
        automatic=automatic_reason(msg), bounce=is_bounce(msg),
        delivered_to=(*_addresses(msg, "Delivered-To"), *_addresses(msg, "X-Original-To")),
    )


def automatic_reason(msg: EmailMessage) -> str:
    """Why ``msg`` was sent by a machine, or "" (RFC 3834 and the headers mailers really use).
    X-Auto-Response-Suppress alone is not one: Outlook sets it on ordinary mail (osTicket
    PR#5320)."""
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(msg.get("Precedence", "")).strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "List-Id"):
        if msg.get(name) is not None:
            return f"{name} present"
    return "bounce" if is_bounce(msg) else ""


def is_bounce(msg: EmailMessage) -> bool:
    return (msg.get_content_type() == "multipart/report"
            or msg.get("X-Failed-Recipients") is not None)


def subject_core(subject: str) -> str:
    """The subject without reply and forward prefixes."""
    return _PREFIX.sub("", subject).strip()


def ticket_tag(subject: str) -> int | None:
    """The ticket number in a ``[#123]`` tag, if any."""
    found = _TICKET_TAG.search(subject)
    return int(found.group(1)) if found else None


def strip_quoted(text: str) -> str:
    """``text`` up to the quoted history: "> " lines, an "On ... wrote:" attribution or an
    Outlook "Original Message" separator end the new part."""
    kept: list[str] = []
    for line in text.splitlines():
        if line.startswith(">") or _ATTRIBUTION.match(line) or _OUTLOOK_SEPARATOR.match(line):
            break
        kept.append(line)
    return "\n".join(kept).strip() or text.strip()


class _Policy(policy.EmailPolicy):
    """``policy.default``, but a header is parsed once: the standard library parses it again
    at every ``get`` (a multipart message asks its Content-Type dozens of times)."""

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name"):
            return value
        return _header(name, value)


@lru_cache(maxsize=4096)
def _header(name: str, value: str):
    return policy.default.header_fetch_parse(name, value)  # immutable: safe to share


_POLICY = _Policy()


def _parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=_POLICY)


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _ids(value) -> list[str]:
    return _MESSAGE_ID.findall(str(value or ""))


def _addresses(msg: EmailMessage, name: str) -> tuple[str, ...]:
    pairs = getaddresses([str(v) for v in msg.get_all(name, [])])
    return tuple(addr.strip().lower() for _name, addr in pairs if "@" in addr)


def _bodies(text_part: EmailMessage | None, html_part: EmailMessage | None,
            ) -> tuple[str, str]:
    html = clean_html(_decoded(html_part)) if html_part is not None else ""
    if text_part is not None:
        return _decoded(text_part), html
    # HTML-only mail: the text is the sanitised markup's text, never the raw markup.
    return (_html_to_text(html) if html else ""), html


def _decoded(part: EmailMessage) -> str:
    """The part's text in its declared charset; 8-bit text without one (the standard library
    would read it as ASCII and replace every other byte), with ASCII declared, or with a
    charset Python does not know, is read as UTF-8, else Windows-1252, else Latin-1: never
    refused. Line ends become "\n"."""
    declared = str(part.get_param("charset", "") or "").lower()
    try:
        text = None if declared in ("", "us-ascii", "ascii") else part.get_content()
    except (LookupError, UnicodeDecodeError):
        text = None
    if text is None:
        text = _lenient(part.get_payload(decode=True) or b"")
    return text.replace("\r\n", "\n")


def _lenient(data: bytes) -> str:
    for codec in ("utf-8", "cp1252"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _html_to_text(html: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</p>|</li>|</tr>|</h\d>", "\n", html)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\n{3,}", "\n\n", unescape(text)).strip()


def _attachments(msg: EmailMessage, bodies: tuple) -> list[Part]:
    """Every leaf part but the bodies shown: named files, forwarded messages (kept whole as
    message/rfc822, not unpacked) and inline images, found at any depth of multipart/related
    or /alternative, with or without Content-Disposition (Zammad#2227). An unnamed inline
    text part that is not a body (a delivery report's status, a signature split off) stays
    only in the raw message."""
    found = []
    for part in _leaves(msg):
        if any(part is body for body in bodies):
            continue
        if part.get_content_maintype() == "text" and not (
                part.get_filename() or part.is_attachment()):
            continue
        found.append(_part(part))
    return found


def _leaves(part: EmailMessage):
    if part.is_multipart() and part.get_content_type() != "message/rfc822":
        for sub in part.iter_parts():
            yield from _leaves(sub)
    else:
        yield part


def _part(part: EmailMessage) -> Part:
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        inner = part.get_content()
        subject = subject_core(_one_line(str(inner.get("Subject", ""))))
        return Part(filename=part.get_filename() or f"{subject or 'message'}.eml",
                    content_type=ctype, data=inner.as_bytes())
    content_id = (_ids(part.get("Content-ID", "")) or [""])[0]
    name = part.get_filename() or f"{content_id or 'attachment'}.{part.get_content_subtype()}"
    return Part(filename=name, content_type=ctype, data=part.get_payload(decode=True) or b"",
                content_id=content_id)
