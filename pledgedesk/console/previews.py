"""Previews of image and PDF attachments for agents (issue 16), from their own route: shown
inline only when the file's first bytes say it is PNG, JPEG, GIF, WebP or PDF (the uploaded
name and declared type are the sender's word, so they are not trusted), always under a strict
Content-Security-Policy with ``sandbox`` (no script, no origin, no plugins fetching more).
Anything else, SVG and HTML above all, is never inline: it goes out as the download does."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from pledgedesk.console.views import _ticket, agent_required
from pledgedesk.errors import NotFound
from pledgedesk.tickets.attachments import attachment_for
from pledgedesk.tickets.models import Attachment, Ticket
from pledgedesk.web.downloads import attachment_download

PREVIEW_CSP = "default-src 'none'; img-src 'self'; sandbox"
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


def sniffed_type(head: bytes) -> str | None:
    """The previewable type ``head`` (a file's first bytes) starts as, or None."""
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)


def previewable(attachment: Attachment) -> str | None:
    with attachment.file.open("rb") as handle:
        return sniffed_type(handle.read(16))


@require_safe
@agent_required
def preview(request, number: int, attachment_id: int):
    found = _ticket(request, number)
    try:
        attachment = attachment_for(ticket_ids=Ticket.objects.filter(pk=found.pk),
                                    attachment_id=attachment_id, sees_internal=True)
    except NotFound:
        raise Http404("attachment not found") from None
    kind = previewable(attachment)
    if kind is None:
        return attachment_download(attachment)
    response = FileResponse(attachment.file.open("rb"), as_attachment=False,
                            filename=attachment.filename, content_type=kind)
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
