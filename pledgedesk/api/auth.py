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
from functools import cache

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja.security import HttpBearer

from pledgedesk import clock
from pledgedesk.accounts.authorization import Principal, principal_for
from pledgedesk.accounts.models import Contact
from pledgedesk.accounts.tokens import token_verify
from pledgedesk.errors import PermissionDenied
from pledgedesk.rowget import RowGet
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
        user = found.user
        agent = getattr(user, "agent", None)  # the token loaded it (or its absence)
        if agent is None or not agent.active:
            # Anyone else: the user again with every role ``principal_for`` reads, in one
            # statement built once (RowGet), not the ORM's look-up compiled on every request.
            user = _user_with_roles().get(id=found.user_id)
        principal = principal_for(user)  # no query: the roles are loaded
        if not principal.is_anonymous:
            return Caller(principal=principal, now=now, contact=principal.contact)
        # A banned contact: their principal sees nothing, but they are known (RL-7).
        banned = getattr(user, "contact", None)
        if banned is None or banned.banned_at is None:
            return None
        return Caller(principal=principal, now=now, contact=banned)


@cache
def _user_with_roles() -> RowGet:
    """The user with what ``principal_for`` reads (``PRINCIPAL_RELATIONS``)."""
    return RowGet(get_user_model(), related=("agent", "contact", "contact__organisation"),
                  equal=("id",))


def caller_of(request: HttpRequest) -> Caller:
    return request.auth
