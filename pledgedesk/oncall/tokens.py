"""Secrets of the on-call app: feed tokens and acknowledge-link tokens (only their SHA-256
digests are stored: both are 256-bit random or HMAC values, so a fast digest is enough), and
the Standard Webhooks signature of outgoing pages.

An acknowledge token is HMAC-SHA256(SECRET_KEY, "oncall-ack:<key>:<nonce>") of the notification's
outbox key and a random nonce: the handler derives the same link on every retry, so a mail sent
twice carries one link, and the token itself is never written anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_nonce() -> str:
    return secrets.token_hex(16)


def ack_token(key: str, nonce: str) -> str:
    mac = hmac.new(settings.SECRET_KEY.encode(), f"oncall-ack:{key}:{nonce}".encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` keyed with the secret's bytes."""
    key = base64.b64decode(secret.removeprefix(WEBHOOK_SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
