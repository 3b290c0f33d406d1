"""``POST /hooks/calls/<provider>/``: a telephony provider's voicemail callback (FG-4, FG-8).

A thin door: read the body (up to its limit), hand it to ``channels.calls.call_receive`` and
say what became of it. Signed by the provider instead of a session or a token, so it alone is
CSRF-exempt. Answers (docs/calls.md):

- 200 ``{"call", "outcome", "ticket", "reason"}`` for created, held, duplicate and refused.
- 202 the same for quarantined: a signed body the desk could not act on is kept for a person;
  a 2xx stops the provider retrying what would fail the same way forever.
- 401 unsigned, 403 a wrong or expired signature: nothing stored, one log line without
  secrets. 404 a provider this deployment has no secret for. 413 a body over the limit.
- A ``twilio`` provider gets an empty TwiML ``<Response/>`` on success (Twilio reads the
  answer to a ``<Record action>`` as the rest of the call), the outcome in headers.
"""

from __future__ import annotations

import json
import logging

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from pledgedesk import clock
from pledgedesk.api.errors import JSON, error_response
from pledgedesk.channels.calls import CallOutcome, call_provider, call_receive
from pledgedesk.channels.calls_hooks import HookRequest
from pledgedesk.errors import DeskError, ErrorCode
from pledgedesk.tickets.attachments import max_attachment_bytes

log = logging.getLogger(__name__)
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def body_limit() -> int:
    """One voicemail's audio, base64-encoded in our JSON shape, with room for the rest."""
    return max_attachment_bytes() * 4 // 3 + 1024 * 1024


@csrf_exempt
@require_POST
def call_hook(request, provider: str):
    found = call_provider(provider)
    if found is None:
        return error_response(404, ErrorCode.NO_SUCH_ENDPOINT,
                              f"no call provider {provider!r} is configured here")
    limit = body_limit()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0  # read no more than the limit all the same
    body = request.read(limit + 1) if declared <= limit else b""
    if declared > limit or len(body) > limit:
        return error_response(413, ErrorCode.TOO_LARGE,
                              f"request body is over the limit of {limit} bytes", "body")
    hook = HookRequest(url=request.build_absolute_uri(), headers=request.headers, body=body,
                       content_type=request.META.get("CONTENT_TYPE", ""))
    try:
        outcome = call_receive(provider=found, request=hook, now=clock.current())
    except DeskError as exc:
        log.warning("call hook %s refused a request from %s: %s", provider,
                    request.META.get("REMOTE_ADDR", "?"), exc.code)
        return error_response(exc.status, exc.code, exc.message, exc.field)
    return _answer(outcome, twiml=found.scheme == "twilio")


# The event loop of ``pledgedesk serve`` lets a request this large reach the view (two
# attachments' worth, as ``web.uploads.accepts_files(2)`` would declare).
call_hook.upload_limit = (2, None)


def _answer(outcome: CallOutcome, *, twiml: bool) -> HttpResponse:
    status = 202 if outcome.outcome == "quarantined" else 200
    body = {"call": outcome.call, "outcome": outcome.outcome, "ticket": outcome.ticket,
            "reason": outcome.reason}
    if not twiml:
        return HttpResponse(json.dumps(body), status=status, content_type=JSON)
    response = HttpResponse(TWIML, status=status, content_type="text/xml; charset=utf-8")
    response["X-Pledgedesk-Outcome"] = outcome.outcome
    response["X-Pledgedesk-Ticket"] = str(outcome.ticket or "")
    return response
