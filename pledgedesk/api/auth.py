"""Who is calling: bearer-token authentication for agents and contacts.

``Authorization: Bearer pdk_...``. The token names a user; the user is an agent or a contact,
and ``accounts.authorization.principal_for`` decides what they may see. Missing, malformed,
unknown and revoked tokens, inactive users and users who are neither agent nor contact all get
the same 401, before any ticket is looked up, so an anonymous caller learns nothing.

A banned contact (RL-7) still authenticates, but their principal sees nothing: every ticket is
a 404 and opening one is refused (and the refusal recorded) by ``ticket_create``.

The request's instant is read here, once, and handlers pass ``caller.now`` down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest
from ninja.security import HttpBearer

from pledgedesk import clock
from pledgedesk.accounts.authorization import Principal, principal_for
from pledgedesk.accounts.models import Contact
from pledgedesk.accounts.tokens import token_verify
from pledgedesk.errors import PermissionDenied
from pledgedesk.tickets.services import Actor

CHANNEL = "api"


@dataclass(frozen=True)
class Caller:
    principal: Principal
    now: datetime
    contact: Contact | None = None  # also set for a banned contact, whose principal sees nothing

    @property
    def is_agent(self) -> bool:
        return self.principal.is_agent

    @property
    def actor(self) -> Actor:
        return Actor(channel=CHANNEL, agent=self.principal.agent if self.is_agent else None,
                     contact=self.principal.contact)

    def require_agent(self, what: str) -> None:
        if not self.is_agent:
            raise PermissionDenied(f"only an agent can {what}")


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        now = clock.current()
        found = token_verify(token.strip(), now=now)
        if found is None or not found.user.is_active:
            return None
        principal = principal_for(found.user)  # no query for an agent: the token loaded it
        if not principal.is_anonymous:
            return Caller(principal=principal, now=now, contact=principal.contact)
        banned = (Contact.objects.select_related("organisation")
                  .filter(user_id=found.user_id, banned_at__isnull=False).first())
        if banned is None:
            return None
        return Caller(principal=principal, now=now, contact=banned)


def caller_of(request: HttpRequest) -> Caller:
    return request.auth
