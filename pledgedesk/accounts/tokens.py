"""API tokens: issued once, stored as a SHA-256 digest, looked up by a public prefix.

A token reads ``pdk_<prefix>_<secret>``: the prefix (12 hex characters) is stored in clear so a
request finds its row with one indexed lookup; the secret is 256 random bits and only the
SHA-256 digest of the whole token is kept. Whoever reads the database cannot use what they
read, and the raw token exists only in the response to ``token_issue``.

A fast digest is enough here because the secret is random and long (a slow password hash
guards guessable secrets, which these are not); the digest is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from pledgedesk.accounts.authorization import AGENT_RELATION
from pledgedesk.accounts.models import ApiToken
from pledgedesk.errors import InvalidInput
from pledgedesk.rowget import RowGet

_SHAPE = re.compile(r"^pdk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")

# last_used_at is refreshed at most this often, so a busy client does not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown to the user once; never stored


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_issue(*, user, name: str, now: datetime) -> IssuedToken:
    """A new token for ``user``. The raw value is in the result and nowhere else."""
    name = name.strip()
    if not name:
        raise InvalidInput("name must not be empty", field="name")
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise InvalidInput("name is longer than 100 characters", field="name")
    with transaction.atomic():
        prefix = secrets.token_hex(6)
        while ApiToken.objects.filter(prefix=prefix).exists():
            prefix = secrets.token_hex(6)
        raw = f"pdk_{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=user, name=name, prefix=prefix, digest=token_digest(raw), created_at=now
        )
    return IssuedToken(token=token, raw=raw)


# select_related("user", "user__agent").get(prefix=..., revoked_at__isnull=True), its SQL built
# once: this runs on every API request.
_LIVE_TOKEN = RowGet(ApiToken, related=("user", f"user__{AGENT_RELATION}"), equal=("prefix",),
                     null=("revoked_at",))


def token_verify(raw: str, *, now: datetime) -> ApiToken | None:
    """The live token ``raw`` names, or None: malformed, unknown, wrong secret or revoked all
    look the same to the caller."""
    match = _SHAPE.match(raw or "")
    if match is None:
        return None
    try:
        token = _LIVE_TOKEN.get(prefix=match.group(1))
    except ApiToken.DoesNotExist:
        return None
    if not hmac.compare_digest(token.digest, token_digest(raw)):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(*, token: ApiToken, now: datetime) -> ApiToken:
    """Revoke ``token``; it stops working at once. Revoking twice keeps the first instant."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db(fields=["revoked_at"])
    return token
