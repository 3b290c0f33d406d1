"""Attachments: size-limited, stored before the change that records them, served only as
downloads.

The services (``tickets.services``) record files through ``files_staged``: each upload is
written to storage before the change's transaction opens and removed again if the change does
not commit. The file's name in storage is derived from the SHA-256 of its content and a random
suffix (``storage_name``), never from the uploaded name, which is user input and is kept
only as a label. Downloads go through the ticket permission check and are always sent as
``Content-Disposition: attachment`` with ``nosniff`` (FreeScout#1359: an SVG served inline runs
script), so an attachment never renders in the desk's origin.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import File

from pledgedesk.errors import DeskError, ErrorCode, InvalidInput, NotFound
from pledgedesk.tickets.models import Attachment, Message, Ticket, storage_name

DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_MIME_PART = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}"
_CONTENT_TYPE = re.compile(rf"^{_MIME_PART}/{_MIME_PART}$")
_SAFE_FALLBACK = "application/octet-stream"
MAX_FILES = 10  # in one reply, note or request


class TooLarge(DeskError):
    code = ErrorCode.TOO_LARGE
    status = 413


def max_attachment_bytes() -> int:
    return int(getattr(settings, "PLEDGEDESK_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES))


def check_attachment_size(size: int) -> None:
    limit = max_attachment_bytes()
    if size > limit:
        raise TooLarge(f"attachment is {size} bytes; the limit is {limit} bytes", field="file")


def check_file_count(count: int) -> None:
    if count > MAX_FILES:
        raise InvalidInput(f"attach at most {MAX_FILES} files at once", field="file")


@dataclass(frozen=True)
class StagedFile:
    """An upload already in storage under ``name``, not yet on any ticket."""

    name: str
    filename: str
    content_type: str
    size: int
    sha256: str


@contextmanager
def files_staged(uploads: Sequence[File]) -> Iterator[list[StagedFile]]:
    """Store ``uploads`` before the change that records them opens its transaction, so the
    ticket's row lock (and SQLite's one write lock) is held for a few inserts, never while
    megabytes are written. Whatever ends the ``with`` block with an exception, a failed
    commit included, removes the files again: a change that did not happen leaves no file."""
    check_file_count(len(uploads))
    staged: list[StagedFile] = []
    try:
        for upload in uploads:
            staged.append(_stage(upload))
        yield staged
    except BaseException:
        for done in staged:
            _storage().delete(done.name)
        raise


def attachment_rows(*, ticket: Ticket, message: Message | None, staged: Sequence[StagedFile],
                    now: datetime) -> list[Attachment]:
    """Unsaved rows for ``staged`` files on ``ticket``, each as visible as ``message``."""
    return [Attachment(ticket=ticket, message=message, file=f.name, filename=f.filename,
                       content_type=f.content_type, size=f.size, sha256=f.sha256,
                       created_at=now) for f in staged]


def _storage():
    return Attachment._meta.get_field("file").storage


def _stage(upload: File) -> StagedFile:
    limit, size, digest = max_attachment_bytes(), 0, hashlib.sha256()
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:  # a file larger than it said stops being read here
            check_attachment_size(size)
        digest.update(chunk)
    if size == 0:
        raise InvalidInput(f"{clean_filename(upload.name or '')} is empty", field="file")
    upload.seek(0)
    name = _storage().save(storage_name(digest.hexdigest()), upload)
    return StagedFile(name=name, filename=clean_filename(upload.name or ""),
                      content_type=safe_content_type(getattr(upload, "content_type", "")),
                      size=size, sha256=digest.hexdigest())


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
