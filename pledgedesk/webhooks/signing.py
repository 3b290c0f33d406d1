"""Standard Webhooks signatures (https://www.standardwebhooks.com, spec 1.0): secrets, the
signed content ``<webhook-id>.<webhook-timestamp>.<body>`` and the ``v1,<base64 HMAC-SHA256>``
header, through the spec authors' own ``standardwebhooks`` library (no dependencies, kept with
the spec), so our signer and every receiver that uses it cannot disagree.

A secret is ``whsec_`` + base64 of 32 random bytes (the spec allows 24 to 64). During a
rotation's grace period a message carries two signatures, the new secret's first, so a
receiver can switch secrets without losing a delivery (the spec's zero-downtime rotation).
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def signature(secret: str, *, webhook_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64>``: HMAC-SHA256 under ``secret`` of ``id.timestamp.body``."""
    at = datetime.fromtimestamp(timestamp, tz=UTC)
    return Webhook(secret).sign(msg_id=webhook_id, timestamp=at, data=body)


def headers(signing_secrets: list[str], *, webhook_id: str, timestamp: int,
            body: str) -> dict[str, str]:
    """The three Standard Webhooks headers; one signature per secret, space-separated."""
    signed = " ".join(signature(s, webhook_id=webhook_id, timestamp=timestamp, body=body)
                      for s in signing_secrets)
    return {"webhook-id": webhook_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signed}
