"""Form uploads from the portal and the console: the same multi-file field for both, and the
call to the attachment service (``tickets.attachments``) for each file."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.db import transaction

from pledgedesk.tickets.attachments import attachment_add, check_attachment_size
from pledgedesk.tickets.models import Attachment, Message, Ticket
from pledgedesk.tickets.services import Actor

MAX_FILES = 10


class DeskForm(forms.Form):
    """A form whose labels carry no trailing colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files, each checked against the attachment size limit before any is
    stored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = [single(d, initial) for d in data] if isinstance(data, list | tuple) else (
            [single(data, initial)] if data else [])
        files = [f for f in files if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"Attach at most {MAX_FILES} files at once.")
        for upload in files:
            try:
                check_attachment_size(upload.size)
            except Exception as exc:
                raise forms.ValidationError(f"{upload.name}: {exc}") from None
            if not upload.size:
                raise forms.ValidationError(f"{upload.name} is empty.")
        return files


def attach(*, ticket: Ticket, actor: Actor, files, message: Message | None,
           now: datetime) -> list[Attachment]:
    """Store ``files`` on ``ticket`` through the attachment service and tie each to the
    message it came with, so an internal note's files stay as internal as the note. The
    caller runs this inside the transaction that wrote the message."""
    stored = []
    with transaction.atomic():
        for upload in files:
            stored.append(attachment_add(
                ticket=ticket, actor=actor, upload=upload, filename=upload.name or "",
                content_type=upload.content_type or "", now=now, message=message))
    return stored
