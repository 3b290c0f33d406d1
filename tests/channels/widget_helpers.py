"""Host tokens as a customer's product signs them (docs/widget.md), for the widget's tests."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt


def host_token(widget, secret: str, *, at: datetime, lifetime=timedelta(minutes=10),
               **claims) -> str:
    """A compact JWS, HS256, issued at instant ``at``; ``claims`` (``email=...``) add to or
    override the defaults, and a claim given as None is left out."""
    body = {"aud": widget.public_id, "iat": int(at.timestamp()),
            "exp": int((at + lifetime).timestamp()), **claims}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, secret,
                      algorithm="HS256")
