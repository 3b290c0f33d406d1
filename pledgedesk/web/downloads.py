"""How every door (API, portal, console) hands out an attachment: always as a download, never
rendered in the desk's origin (uvdesk mailbox#112, FreeScout#1359 SVG)."""

from django.http import FileResponse

from pledgedesk.tickets.models import Attachment


def attachment_download(attachment: Attachment) -> FileResponse:
    # The stored type is in the attachment's metadata for clients that need it; the body goes
    # out as opaque bytes so no browser ever renders an uploaded SVG or HTML as a page.
    response = FileResponse(attachment.file.open("rb"), as_attachment=True,
                            filename=attachment.filename,
                            content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway, it runs in a sandbox with no script and no origin.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
