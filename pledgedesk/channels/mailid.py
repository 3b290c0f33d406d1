"""Message-IDs for mail sent by an outbox delivery, and the domain the desk sends from.

A delivery may be attempted more than once (at least once, docs/outbox.md), so its mail must
carry the same Message-ID every time: receivers drop the repeat. Every sender of automatic mail
(pages, escalation steps, notifications, hour-bank notices, webhook notices) takes its id here.
"""

from __future__ import annotations

import hashlib
from email.utils import parseaddr

from django.conf import settings

FALLBACK_DOMAIN = "pledgedesk"


def sender_domain() -> str:
    """The domain of ``DEFAULT_FROM_EMAIL``, display name or not (``Desk <d@example.com>``)."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or FALLBACK_DOMAIN


def keyed_message_id(key: str, *, prefix: str, domain: str | None = None) -> str:
    """``<prefix.<32 hex of sha256(key)>@domain>``: the same for every attempt of one delivery."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{prefix}.{digest}@{domain or sender_domain()}>"
