"""Attachments: size-limited, content-addressed on disk, served only as downloads.

The file's name on disk is derived from the ticket and the SHA-256 of its content
(``models.attachment_path``), never from the uploaded name, which is user input and is kept
only as a label. Downloads go through the ticket permission check and are always sent as
``Content-Disposition: attachment`` with ``nosniff`` (FreeScout#1359: an SVG served inline runs
script), so an attachment never renders in the desk's origin.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime

from django.conf import settings
from django.core.files.base import File
from django.db import transaction

from pledgedesk.errors import Conflict, DeskError, ErrorCode, InvalidInput, NotFound
from pledgedesk.tickets.models import Attachment, Message, Ticket, TicketEvent
from pledgedesk.tickets.services import Actor

DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_MIME_PART = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}"
_CONTENT_TYPE = re.compile(rf"^{_MIME_PART}/{_MIME_PART}$")
_SAFE_FALLBACK = "application/octet-stream"


class TooLarge(DeskError):
    code = ErrorCode.TOO_LARGE
    status = 413


def max_attachment_bytes() -> int:
    return int(getattr(settings, "PLEDGEDESK_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES))


def check_attachment_size(size: int) -> None:
    limit = max_attachment_bytes()
    if size > limit:
        raise TooLarge(f"attachment is {size} bytes; the limit is {limit} bytes", field="file")


def attachment_add(
    *, ticket: Ticket, actor: Actor, upload: File, filename: str, content_type: str,
    now: datetime, message: Message | None = None,
) -> Attachment:
    """Store ``upload`` on ``ticket`` with its digest and record the event.

    With ``message`` (one of this ticket's) the file belongs to that reply or note and is as
    visible as it is: a file on an internal note is recorded as ``internal_attachment_added``,
    an internal event contacts never see, so not even its name reaches them.

    Size is checked against ``PLEDGEDESK_MAX_ATTACHMENT_BYTES`` before anything is written;
    the row, the event and the file are written together or not at all (a file stored before
    a failed commit is removed again).
    """
    if message is not None and message.ticket_id != ticket.pk:
        raise InvalidInput(f"message {message.pk} is not on ticket {ticket.number}",
                           field="message")
    label = clean_filename(filename)
    size = upload.size if upload.size is not None else 0
    check_attachment_size(size)
    if size == 0:
        raise InvalidInput("the attachment is empty", field="file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        fresh = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if fresh.status_category == "closed":
            raise Conflict(f"ticket {fresh.number} is closed, which is final",
                           code=ErrorCode.TICKET_CLOSED)
        attachment = Attachment(
            ticket=fresh, message=message, filename=label,
            content_type=safe_content_type(content_type), size=size,
            sha256=digest.hexdigest(), created_at=now,
        )
        internal = message is not None and message.visibility == Message.Visibility.INTERNAL
        attachment.file.save(label, upload, save=False)
        stored = attachment.file.name
        try:
            attachment.save()
            TicketEvent.objects.create(
                ticket=fresh, at=now,
                kind="internal_attachment_added" if internal else "attachment_added",
                actor_agent=actor.agent, actor_contact=actor.contact, channel=actor.channel,
                new={"attachment": attachment.pk, "filename": label, "size": size,
                     "message": message.pk if message is not None else None},
            )
        except BaseException:
            attachment.file.storage.delete(stored)
            raise
    return attachment


def attachment_visible(attachment: Attachment, *, sees_internal: bool) -> bool:
    """An attachment on an internal note is internal too."""
    message = attachment.message
    return sees_internal or message is None or message.visibility == Message.Visibility.PUBLIC


def attachment_for(*, ticket_ids, attachment_id: int, sees_internal: bool) -> Attachment:
    """Attachment ``attachment_id`` if it belongs to one of ``ticket_ids`` (a queryset of the
    tickets the caller may see) and the caller may see it; NotFound otherwise."""
    found = (Attachment.objects.select_related("ticket", "message")
             .filter(pk=attachment_id, ticket__in=ticket_ids).first())
    if found is None or not attachment_visible(found, sees_internal=sees_internal):
        raise NotFound(f"attachment {attachment_id} not found")
    return found


def clean_filename(name: str) -> str:
    """A display label: no directories, no control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        name = "attachment"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) < 20 else name[:255]
    return name


def safe_content_type(value: str) -> str:
    value = (value or "").split(";", 1)[0].strip().lower()
    return value if _CONTENT_TYPE.match(value) else _SAFE_FALLBACK
