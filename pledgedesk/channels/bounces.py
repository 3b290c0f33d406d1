"""Delivery reports about the desk's own mail: which message bounced, for whom, and why.

A bounce (RFC 3464 ``multipart/report``, or a mailer's plain notice with
``X-Failed-Recipients``) names the message it is about in its returned copy
(``message/rfc822``) or returned headers (``text/rfc822-headers``); failing both, in its own
In-Reply-To/References or a Message-ID quoted in its text. That id finds the stored
``OutboundMessage``: the bounce is recorded on it and so on its ticket, and each failed
address is marked as bouncing (``BouncingAddress``), so automatic mail stops going to it for a
while. A report that only says "delayed" marks nothing. A bounce is never a ticket.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import HeaderParser

from django.db import transaction
from django.db.models import F

from pledgedesk.channels.models import (
    BouncingAddress,
    InboundMessage,
    OutboundMessage,
    OutboundRecipient,
)
from pledgedesk.tickets.models import Ticket

_ID = re.compile(r"<([^<>\s]+)>")
_OUR_ID = re.compile(r"\bpd\.[0-9a-f]{32}\.\d+@[A-Za-z0-9.-]+")


@dataclass(frozen=True)
class Report:
    """What a delivery report says: the ids it refers to and each recipient's outcome."""

    message_ids: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]  # (address, "5.1.1 user unknown")
    delayed_only: bool


def read_report(raw: bytes) -> Report:
    msg = email.message_from_bytes(raw, policy=policy.default)
    ids: list[str] = []
    failed: list[tuple[str, str]] = []
    actions: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, EmailMessage):
                ids += _ID.findall(str(inner.get("Message-ID", "")))
        elif ctype == "text/rfc822-headers":
            headers = HeaderParser().parsestr(_text(part), headersonly=True)
            ids += _ID.findall(str(headers.get("Message-ID", "")))
        elif ctype == "message/delivery-status":
            for block in _status_blocks(part):
                action = str(block.get("Action", "")).strip().lower()
                actions.append(action)
                if action == "failed":
                    failed.append(_recipient(block))
    failed += [(a.strip().lower(), "X-Failed-Recipients")
               for a in str(msg.get("X-Failed-Recipients", "")).split(",") if "@" in a
               and a.strip().lower() not in {f[0] for f in failed}]
    ids += _ID.findall(f"{msg.get('In-Reply-To', '')} {msg.get('References', '')}")
    if not ids:
        ids += _OUR_ID.findall(_all_text(msg))
    delayed_only = bool(actions) and not failed and all(a != "failed" for a in actions)
    return Report(tuple(dict.fromkeys(ids)), tuple(failed), delayed_only)


def bounce_record(*, raw: bytes, inbound: InboundMessage, now: datetime,
                  ) -> tuple[Ticket | None, str]:
    """Record the bounce ``raw`` on the outbound message it refers to; ``(its ticket, what
    was recorded)``, or ``(None, why not)`` when it refers to no mail of ours."""
    report = read_report(raw)
    found = (OutboundMessage.objects.select_related("ticket")
             .filter(message_id__in=report.message_ids).order_by("-created_at").first())
    if found is None:
        return None, "bounce: refers to no outbound message of this desk"
    if report.delayed_only:
        return found.ticket, f"delivery delayed for {found.message_id}; nothing marked"
    failed = report.failed or tuple(
        (a, "bounced") for a in found.recipients.values_list("address", flat=True))
    reason = "; ".join(f"{address}: {why}" for address, why in failed)[:2000]
    with transaction.atomic():
        OutboundMessage.objects.filter(pk=found.pk).update(
            state=OutboundMessage.State.BOUNCED, bounced_at=now, bounce_reason=reason,
            bounce=inbound)
        for address, why in failed:
            found.recipients.filter(address=address).update(
                state=OutboundRecipient.State.BOUNCED, reason=why)
            _mark_bouncing(address, why, found, now)
    return found.ticket, f"bounce of {found.message_id}: {reason}"


def _mark_bouncing(address: str, why: str, message: OutboundMessage, now: datetime) -> None:
    updated = BouncingAddress.objects.filter(address=address).update(
        last_at=now, bounces=F("bounces") + 1, reason=why, last_message=message)
    if not updated:
        BouncingAddress.objects.get_or_create(address=address, defaults={
            "first_at": now, "last_at": now, "reason": why, "last_message": message})


def _status_blocks(part: EmailMessage) -> list:
    """The per-recipient header blocks of a message/delivery-status part (the first block
    is the per-message one: it has no Final-Recipient and is skipped)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = payload
    else:
        text = payload if isinstance(payload, str) else ""
        blocks = [HeaderParser().parsestr(chunk) for chunk in re.split(r"\r?\n\r?\n", text)]
    return [b for b in blocks if b.get("Final-Recipient") or b.get("Original-Recipient")]


def _recipient(block) -> tuple[str, str]:
    raw = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
    address = raw.split(";", 1)[-1].strip().strip("<>").lower()
    status = str(block.get("Status", "")).strip()
    diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split(";", 1)[-1].split())
    return address, " ".join(x for x in (status, diagnostic) if x) or "failed"


def _text(part: EmailMessage) -> str:
    data = part.get_payload(decode=True) or b""
    return data.decode("utf-8", "replace")


def _all_text(msg: EmailMessage) -> str:
    return " ".join(_text(p) for p in msg.walk()
                    if p.get_content_maintype() == "text" and not p.is_multipart())
