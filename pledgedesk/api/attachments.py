"""Attachment endpoints: upload to a ticket, list a ticket's, download one.

An upload takes one file (``accepts_files``): a body declared longer than that is refused with
a 413 before it is read, and one whose length is absent or lies stops being read at the limit
(``web.uploads``); the service checks the real size again. Downloads go through the ticket
permission check and are always attachments.
"""

from __future__ import annotations

from ninja import Router
from ninja.responses import Status

from pledgedesk.accounts.authorization import sees_internal_notes, visible_tickets
from pledgedesk.api import lookup, render
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.api.lookup import Number
from pledgedesk.api.tickets import ERRORS
from pledgedesk.errors import InvalidInput
from pledgedesk.tickets import services
from pledgedesk.tickets.attachments import (
    attachment_for,
    attachment_visible,
)
from pledgedesk.tickets.models import Message, Ticket
from pledgedesk.tickets.selectors import ticket_messages
from pledgedesk.web import downloads
from pledgedesk.web.uploads import accepts_files

router = Router(tags=["attachments"])

UPLOAD_FIELD_BYTES = 1024  # beside the file, only ``message``: one id

UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {
                "file": {"type": "string", "format": "binary"},
                "message": {"type": "integer", "description": (
                    "Optional: the id of your own reply or note on this ticket; the file "
                    "then belongs to it, and a file on an internal note is internal.")},
            },
        }}},
    },
}


@router.post("/tickets/{number}/attachments", response={201: s.AttachmentOut, **ERRORS},
             openapi_extra=UPLOAD_SCHEMA, summary="Attach a file (multipart, field 'file')")
@accepts_files(1, field_bytes=UPLOAD_FIELD_BYTES)
def attachment_upload(request, number: Number):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    if not request.content_type.startswith("multipart/form-data"):
        raise InvalidInput("send the file as multipart/form-data in a field named 'file'",
                           field="file")
    unexpected = sorted((set(request.FILES) | set(request.POST)) - {"file", "message"})
    if unexpected:
        raise InvalidInput(f"unknown field {unexpected[0]!r}", field=unexpected[0])
    files = request.FILES.getlist("file")
    if len(files) != 1:
        raise InvalidInput("send exactly one file, in a field named 'file'", field="file")
    upload = files[0]
    message = _own_message(caller, ticket, request.POST.getlist("message"))
    [attachment] = services.ticket_attach(ticket=ticket, actor=caller.actor, files=[upload],
                                          message=message, now=caller.now)
    return Status(201, render.attachment_out(attachment))


def _own_message(caller, ticket: Ticket, given: list[str]) -> Message | None:
    """The caller's own reply or note on ``ticket`` named by the ``message`` field, read
    through ``ticket_messages`` (a contact never reaches an internal note). Anything else is
    the same 422, so the field reveals nothing about other people's messages."""
    if not given:
        return None
    if len(given) != 1 or not given[0].isascii() or not given[0].isdigit() \
            or not 1 <= int(given[0]) <= s.MAX_ID:
        raise InvalidInput("message must be one message id", field="message")
    found = ticket_messages(principal=caller.principal, ticket=ticket).filter(
        pk=int(given[0])).first()
    actor = caller.actor
    mine = found is not None and (
        (actor.agent is not None and found.author_agent_id == actor.agent.pk)
        or (actor.agent is None and actor.contact is not None
            and found.author_contact_id == actor.contact.pk))
    if not mine:
        raise InvalidInput(f"no message {given[0]} of yours on ticket {ticket.number}",
                           field="message")
    return found


@router.get("/tickets/{number}/attachments", response={200: list[s.AttachmentOut], **ERRORS},
            summary="A ticket's attachments")
def attachment_list(request, number: Number):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
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
