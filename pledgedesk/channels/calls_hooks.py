"""A telephony provider's callback as it arrived: is it signed, and what does it say.

Two signature schemes (docs/calls.md):

- ``hmac-sha256`` (ours): ``X-Pledgedesk-Signature: v1=<hex HMAC-SHA256 of
  "<timestamp>.<raw body>">`` with ``X-Pledgedesk-Timestamp: <Unix seconds>``, accepted within
  five minutes either side of the clock (a replay window; the call id makes a replay inside
  it a duplicate). Several ``v1=`` values, comma-separated, let a secret be rotated.
- ``twilio``: ``X-Twilio-Signature``, base64 HMAC-SHA1 over the URL the provider posted to
  followed by every form field name and value, sorted (Twilio's published scheme).

Two payload shapes: our JSON document and the form Twilio posts to a recording callback
(``CallSid``, ``From``, ``To``, ``RecordingUrl``, ``RecordingDuration``, ``TranscriptionText``).
Nothing here touches the database: ``channels.calls`` stores and acts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

from pledgedesk.errors import DeskError, ErrorCode

SCHEMES = ("hmac-sha256", "twilio")
TIMESTAMP_HEADER = "X-Pledgedesk-Timestamp"
SIGNATURE_HEADER = "X-Pledgedesk-Signature"
TWILIO_HEADER = "X-Twilio-Signature"
REPLAY_WINDOW = timedelta(minutes=5)
# What is kept of a request's headers: what says how it was sent and signed. A signature is a
# MAC of this one request, not a secret.
KEPT_HEADERS = ("Content-Type", "Content-Length", "User-Agent", TIMESTAMP_HEADER,
                SIGNATURE_HEADER, TWILIO_HEADER, "I-Twilio-Idempotency-Token")
MAX_CALL_ID = 100
MAX_NUMBER = 32
MAX_URL = 500
MAX_DURATION = 24 * 60 * 60
MAX_TRANSCRIPTION = 20_000


class SignatureMissing(DeskError):
    """Unsigned: 401, nothing stored."""

    code = ErrorCode.UNAUTHENTICATED
    status = 401


class SignatureRejected(DeskError):
    """Signed, but not by the shared secret, or not now: 403, nothing stored."""

    code = ErrorCode.FORBIDDEN
    status = 403


class Unreadable(ValueError):
    """A signed body that is not a call report: kept and quarantined with this reason."""


@dataclass(frozen=True)
class HookRequest:
    """The parts of an HTTP request a signature covers. ``headers`` is any mapping; names are
    matched case-insensitively."""

    url: str
    headers: Mapping[str, str]
    body: bytes
    content_type: str = ""

    def header(self, name: str) -> str:
        lowered = name.lower()
        return next((str(v) for k, v in self.headers.items() if k.lower() == lowered), "")

    def kept_headers(self) -> dict[str, str]:
        return {name: value for name in KEPT_HEADERS if (value := self.header(name))}


@dataclass(frozen=True)
class Audio:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class CallReport:
    """What a callback says about one voicemail."""

    call_id: str
    caller: str
    called: str
    recording_url: str = ""
    duration: int | None = None
    transcription: str = ""
    audio: Audio | None = None
    fields: dict = field(default_factory=dict)  # as received, the audio's bytes left out


# --- signatures ------------------------------------------------------------------------------


def hmac_signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Pledgedesk-Signature`` value for ``body`` sent at ``timestamp``."""
    signed = f"{timestamp}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def twilio_signature(token: str, url: str, params: list[tuple[str, str]]) -> str:
    """Twilio's ``X-Twilio-Signature`` for a form post of ``params`` to ``url``: a name given
    more than once contributes each of its distinct values once, sorted (twilio-python)."""
    signed = url + "".join(k + v for k, v in sorted(set(params)))
    digest = hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify(request: HookRequest, *, scheme: str, secret: str, now: datetime) -> None:
    """Raise SignatureMissing or SignatureRejected unless ``request`` is signed by ``secret``
    under ``scheme`` (and, for ours, sent within the replay window of ``now``)."""
    if scheme == "twilio":
        _verify_twilio(request, secret)
    else:
        _verify_hmac(request, secret, now)


def _verify_hmac(request: HookRequest, secret: str, now: datetime) -> None:
    stamp, given = request.header(TIMESTAMP_HEADER), request.header(SIGNATURE_HEADER)
    if not stamp or not given:
        raise SignatureMissing(f"unsigned: send {TIMESTAMP_HEADER} and {SIGNATURE_HEADER}",
                               field=SIGNATURE_HEADER)
    try:
        sent = int(stamp.strip())
    except ValueError:
        raise SignatureRejected(f"{TIMESTAMP_HEADER} must be Unix seconds",
                                field=TIMESTAMP_HEADER) from None
    skew = abs(now.timestamp() - sent)
    if skew > REPLAY_WINDOW.total_seconds():
        raise SignatureRejected(
            f"{TIMESTAMP_HEADER} is {int(skew)} s from this server's clock; signed requests "
            f"are accepted within {int(REPLAY_WINDOW.total_seconds())} s",
            field=TIMESTAMP_HEADER)
    expected = hmac_signature(secret, sent, request.body)
    offered = [part.strip() for part in given.split(",") if part.strip()]
    # Every offered value is compared, in constant time, whatever the first one said.
    matches = [hmac.compare_digest(expected.encode(), part.encode()) for part in offered]
    if not any(matches):
        raise SignatureRejected("signature does not match the body and timestamp",
                                field=SIGNATURE_HEADER)


def _verify_twilio(request: HookRequest, token: str) -> None:
    given = request.header(TWILIO_HEADER)
    if not given:
        raise SignatureMissing(f"unsigned: send {TWILIO_HEADER}", field=TWILIO_HEADER)
    try:
        params = _form_pairs(request.body) if _is_form(request.content_type) else []
    except Unreadable:
        params = []  # what no form can be signed as: the comparison below fails
    expected = twilio_signature(token, request.url, params)
    if not hmac.compare_digest(expected.encode(), given.strip().encode()):
        raise SignatureRejected("signature does not match the URL and form fields",
                                field=TWILIO_HEADER)


# --- payloads --------------------------------------------------------------------------------


def parse(body: bytes, content_type: str) -> CallReport:
    """The call report in ``body``: our JSON shape or Twilio's form. Raises Unreadable."""
    if _is_form(content_type):
        return _from_form(_form_pairs(body))
    if _media_type(content_type) in ("application/json", ""):
        return _from_json(body)
    raise Unreadable(f"content type {content_type!r} is neither JSON nor a form")


def _from_json(body: bytes) -> CallReport:
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unreadable(f"body is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise Unreadable("body must be a JSON object")
    audio = _audio(doc.get("audio"))
    fields = {k: v for k, v in doc.items() if k != "audio"}
    if audio is not None:
        fields["audio"] = {"filename": audio.filename, "content_type": audio.content_type,
                           "size": len(audio.data)}
    return CallReport(
        call_id=_text(doc, "call_id", MAX_CALL_ID, required=True),
        caller=_text(doc, "from", MAX_NUMBER, required=True),
        called=_text(doc, "to", MAX_NUMBER, required=True),
        recording_url=_url(_text(doc, "recording_url", MAX_URL), "recording_url"),
        duration=_duration(doc.get("duration"), "duration"),
        transcription=_text(doc, "transcription", MAX_TRANSCRIPTION),
        audio=audio, fields=fields)


def _from_form(pairs: list[tuple[str, str]]) -> CallReport:
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)  # a repeated field: its first value
    caller = form.get("From") or form.get("Caller", "")
    called = form.get("To") or form.get("Called", "")
    duration = form.get("RecordingDuration") or None
    return CallReport(
        call_id=_text(form, "CallSid", MAX_CALL_ID, required=True),
        caller=_text({"From": caller}, "From", MAX_NUMBER, required=True),
        called=_text({"To": called}, "To", MAX_NUMBER, required=True),
        recording_url=_url(_text(form, "RecordingUrl", MAX_URL), "RecordingUrl"),
        duration=_duration(duration, "RecordingDuration"),
        transcription=_text(form, "TranscriptionText", MAX_TRANSCRIPTION),
        fields=form)


def _audio(value) -> Audio | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Unreadable("audio must be an object with filename, content_type and data")
    try:
        data = base64.b64decode(_text(value, "data", None, required=True, where="audio."),
                                validate=True)
    except (binascii.Error, ValueError):
        raise Unreadable("audio.data is not base64") from None
    if not data:
        raise Unreadable("audio.data is empty")
    return Audio(filename=_text(value, "filename", 255, where="audio.") or "voicemail",
                 content_type=_text(value, "content_type", 100, where="audio.")
                 or "application/octet-stream", data=data)


def _text(doc: Mapping, key: str, limit: int | None, *, required: bool = False,
          where: str = "") -> str:
    value = doc.get(key)
    if value is None or value == "":
        if required:
            raise Unreadable(f"{where}{key} is missing")
        return ""
    if not isinstance(value, str):
        raise Unreadable(f"{where}{key} must be a string")
    value = value.strip()
    if limit is not None and len(value) > limit:
        raise Unreadable(f"{where}{key} is longer than {limit} characters")
    return value


def _url(value: str, key: str) -> str:
    if value and (urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc):
        raise Unreadable(f"{key} must be an http or https URL")
    return value


def _duration(value, key: str) -> int | None:
    if value is None:
        return None
    try:
        seconds = int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        seconds = None
    if seconds is None or not 0 <= seconds <= MAX_DURATION:
        raise Unreadable(f"{key} must be whole seconds from 0 to {MAX_DURATION}")
    return seconds


def _form_pairs(body: bytes) -> list[tuple[str, str]]:
    try:
        text = body.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unreadable(f"body is not a form: {exc}") from None


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_form(content_type: str) -> bool:
    return _media_type(content_type) == "application/x-www-form-urlencoded"
