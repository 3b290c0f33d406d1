"""Attachment endpoints: upload to a ticket, list a ticket's, download one.

The upload's declared size is checked before Django reads the multipart body, so an oversized
upload is refused with a 413 without being spooled to disk; the service checks the real size
again. Downloads go through the ticket permission check and are always attachments.
"""

from __future__ import annotations

from ninja import Router
from ninja.responses import Status

from pledgedesk.accounts.authorization import sees_internal_notes, visible_tickets
from pledgedesk.api import render
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.api.tickets import ERRORS, Number, _ticket
from pledgedesk.errors import InvalidInput
from pledgedesk.tickets.attachments import (
    TooLarge,
    attachment_add,
    attachment_for,
    attachment_visible,
    max_attachment_bytes,
)
from pledgedesk.tickets.models import Ticket
from pledgedesk.web import downloads

router = Router(tags=["attachments"])

# Room for the multipart envelope (boundaries, part headers) around the file itself.
MULTIPART_OVERHEAD = 16 * 1024

UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}},
        }}},
    },
}


@router.post("/tickets/{number}/attachments", response={201: s.AttachmentOut, **ERRORS},
             openapi_extra=UPLOAD_SCHEMA, summary="Attach a file (multipart, field 'file')")
def attachment_upload(request, number: Number):
    caller = caller_of(request)
    ticket = _ticket(caller, number)
    limit = max_attachment_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + MULTIPART_OVERHEAD:
        raise TooLarge(f"upload is {declared} bytes; the attachment limit is {limit} bytes",
                       field="file")
    if not request.content_type.startswith("multipart/form-data"):
        raise InvalidInput("send the file as multipart/form-data in a field named 'file'",
                           field="file")
    unexpected = sorted((set(request.FILES) | set(request.POST)) - {"file"})
    if unexpected:
        raise InvalidInput(f"unknown field {unexpected[0]!r}", field=unexpected[0])
    files = request.FILES.getlist("file")
    if len(files) != 1:
        raise InvalidInput("send exactly one file, in a field named 'file'", field="file")
    upload = files[0]
    attachment = attachment_add(ticket=ticket, actor=caller.actor, upload=upload,
                                filename=upload.name or "", content_type=upload.content_type,
                                now=caller.now)
    return Status(201, render.attachment_out(attachment))


@router.get("/tickets/{number}/attachments", response={200: list[s.AttachmentOut], **ERRORS},
            summary="A ticket's attachments")
def attachment_list(request, number: Number):
    caller = caller_of(request)
    ticket = _ticket(caller, number)
    sees = sees_internal_notes(caller.principal)
    found = ticket.attachments.select_related("message").order_by("created_at", "id")
    return [render.attachment_out(a) for a in found if attachment_visible(a, sees_internal=sees)]


@router.get("/attachments/{attachment_id}", response={200: None, **ERRORS},
            url_name="attachment_download", summary="Download an attachment")
def attachment_download(request, attachment_id: Number):
    """Always ``Content-Disposition: attachment`` with ``nosniff`` and a sandbox CSP: a file
    never renders in the desk's origin. A 404 for anything the caller may not see."""
    caller = caller_of(request)
    visible = visible_tickets(caller.principal, Ticket.objects.all()).values("pk")
    attachment = attachment_for(ticket_ids=visible, attachment_id=attachment_id,
                                sees_internal=sees_internal_notes(caller.principal))
    return downloads.attachment_download(attachment)
