"""API tokens: issued once, stored as a SHA-256 digest, looked up by a public prefix.

A token reads ``pdk_<prefix>_<secret>``: the prefix (12 hex characters) is stored in clear so a
request finds its row with one indexed lookup; the secret is 256 random bits and only the
SHA-256 digest of the whole token is kept. Whoever reads the database cannot use what they
read, and the raw token exists only in the response to ``token_issue``.

A fast digest is enough here because the secret is random and long (a slow password hash
guards guessable secrets, which these are not); the digest is compared in constant time.

A token may carry an expiry, after which it verifies no more (the API answers 401 as for any
bad token). Administrators list and revoke tokens in the console (``token_list``,
``token_revoke_as``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from pledgedesk.accounts.authorization import AGENT_RELATION
from pledgedesk.accounts.models import Agent, ApiToken
from pledgedesk.errors import InvalidInput, NotFound, PermissionDenied
from pledgedesk.rowget import RowGet

_SHAPE = re.compile(r"^pdk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")

# last_used_at is refreshed at most this often, so a busy client does not write on every call:
# one UPDATE per token per minute, against the one indexed read every call makes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown to the user once; never stored


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_issue(*, user, name: str, now: datetime,
                expires_at: datetime | None = None) -> IssuedToken:
    """A new token for ``user``, working until ``expires_at`` (None: until revoked). The raw
    value is in the result and nowhere else."""
    name = name.strip()
    if not name:
        raise InvalidInput("name must not be empty", field="name")
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise InvalidInput("name is longer than 100 characters", field="name")
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("expires_at must be in the future", field="expires_at")
    with transaction.atomic():
        prefix = secrets.token_hex(6)
        while ApiToken.objects.filter(prefix=prefix).exists():
            prefix = secrets.token_hex(6)
        raw = f"pdk_{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=user, name=name, prefix=prefix, digest=token_digest(raw), created_at=now,
            expires_at=expires_at,
        )
    return IssuedToken(token=token, raw=raw)


# select_related("user", "user__agent").get(prefix=..., revoked_at__isnull=True), its SQL built
# once: this runs on every API request.
_LIVE_TOKEN = RowGet(ApiToken, related=("user", f"user__{AGENT_RELATION}"), equal=("prefix",),
                     null=("revoked_at",))


def token_verify(raw: str, *, now: datetime) -> ApiToken | None:
    """The live token ``raw`` names, or None: malformed, unknown, wrong secret, revoked or
    expired all look the same to the caller."""
    match = _SHAPE.match(raw or "")
    if match is None:
        return None
    try:
        token = _LIVE_TOKEN.get(prefix=match.group(1))
    except ApiToken.DoesNotExist:
        return None
    if not hmac.compare_digest(token.digest, token_digest(raw)):
        return None
    if token.expires_at is not None and now >= token.expires_at:
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


def token_list(*, agent: Agent | None) -> list[ApiToken]:
    """Every token with its user, live ones first, newest first: for an administrator."""
    _require_administrator(agent)
    return list(ApiToken.objects.select_related("user")
                .order_by(F("revoked_at").desc(nulls_first=True), "-created_at", "-pk"))


def token_revoke_as(*, agent: Agent | None, token_id: int, now: datetime) -> ApiToken:
    """An administrator revokes any token (a leaked one, a departed client's)."""
    _require_administrator(agent)
    token = ApiToken.objects.filter(pk=token_id).first()
    if token is None:
        raise NotFound("no such API token", field="token")
    return token_revoke(token=token, now=now)


def _require_administrator(agent: Agent | None) -> None:
    if agent is None or not agent.active or not agent.has_role(Agent.Role.ADMINISTRATOR):
        raise PermissionDenied("only an administrator can see and revoke API tokens")
