"""A telephony provider for call tests: FG's help line and its private hotline connected
(the hotline's number written as the policy file says to, when it is answered), the shared
secrets, and callbacks built and signed as a provider would."""

from __future__ import annotations

import base64
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

from pledgedesk.accounts.models import ContactPhone
from pledgedesk.channels.calls import Provider
from pledgedesk.channels.calls_hooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TWILIO_HEADER,
    HookRequest,
    hmac_signature,
    twilio_signature,
)

FG = "fax-server-24x7"
RK = "crm-severity-colours"
HELP_LINE = "+19522523620"  # FG's "952-252-3620", as a provider reports it
HOTLINE = "+19525550999"
SECRET = "test-calls-secret-0123456789"
TWILIO_TOKEN = "twilio-auth-token-abcdef"
OURS = Provider(name="pledgedesk", scheme="hmac-sha256", secret=SECRET)
TWILIO = Provider(name="twilio", scheme="twilio", secret=TWILIO_TOKEN)
HOOK_URL = "http://testserver/hooks/calls/{}/"
# Monday 2026-01-05: 09:00 US Central (business hours) and 22:00 (after hours).
IN_HOURS = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
AFTER_HOURS = datetime(2026, 1, 6, 4, 0, tzinfo=UTC)


def connect_lines(settings_fixture, tmp_path: Path) -> None:
    """The seed policies in ``tmp_path``, FG's hotline answered at HOTLINE, and both
    providers' secrets configured."""
    shipped = Path(settings.PLEDGEDESK_POLICY_DIR)
    for path in shipped.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    fg = tmp_path / f"{FG}.toml"
    text = fg.read_text()
    assert "[channels.hotline]\n" in text
    fg.write_text(text.replace("[channels.hotline]\n",
                               f'[channels.hotline]\naddress = "{HOTLINE}"\n', 1))
    settings_fixture.PLEDGEDESK_POLICY_DIR = str(tmp_path)
    settings_fixture.PLEDGEDESK_CALL_PROVIDERS = {
        "pledgedesk": {"scheme": "hmac-sha256", "secret": SECRET},
        "twilio": {"scheme": "twilio", "secret": TWILIO_TOKEN},
    }


def phone(contact, number: str) -> None:
    ContactPhone.objects.create(contact=contact, number=number)


def report(call_id: str = "call-1", *, caller: str = "+19525550100", called: str = HELP_LINE,
           **extra) -> dict:
    return {"call_id": call_id, "from": caller, "to": called, "duration": 42,
            "recording_url": f"https://recordings.example.com/{call_id}.mp3",
            "transcription": "Our fax server stopped sending.", **extra}


def audio(data: bytes = b"ID3 fake mp3 bytes", name: str = "voicemail.mp3") -> dict:
    return {"filename": name, "content_type": "audio/mpeg",
            "data": base64.b64encode(data).decode()}


def signed(body: dict | bytes, *, at: datetime, secret: str = SECRET,
           provider: str = "pledgedesk") -> HookRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = int(at.timestamp())
    return HookRequest(url=HOOK_URL.format(provider), body=raw, content_type="application/json",
                       headers={TIMESTAMP_HEADER: str(stamp),
                                SIGNATURE_HEADER: hmac_signature(secret, stamp, raw)})


def twilio_form(call_sid: str = "CA0001", *, caller: str = "+19525550100",
                called: str = HELP_LINE, **extra) -> list[tuple[str, str]]:
    fields = {"AccountSid": "AC0001", "CallSid": call_sid, "From": caller, "To": called,
              "Caller": caller, "Called": called, "RecordingUrl":
              f"https://api.twilio.com/2010-04-01/Accounts/AC0001/Recordings/RE{call_sid}",
              "RecordingDuration": "17", "TranscriptionText": "Please call me back.", **extra}
    return list(fields.items())


def twilio_signed(pairs: list[tuple[str, str]], *, token: str = TWILIO_TOKEN) -> HookRequest:
    url = HOOK_URL.format("twilio")
    return HookRequest(url=url, body=urlencode(pairs).encode(),
                       content_type="application/x-www-form-urlencoded",
                       headers={TWILIO_HEADER: twilio_signature(token, url, pairs)})
