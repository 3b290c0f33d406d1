"""A small world for API tests: one RK organisation with every kind of contact, another
organisation, an agent, tokens for each, and one ticket, all built through the real services.
Requests go through Django's test client and the real URL configuration."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.test import Client

from pledgedesk import clock
from pledgedesk.accounts.models import Contact
from pledgedesk.accounts.tokens import token_issue, token_revoke
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation

RK = "crm-severity-colours"
FG = "fax-server-24x7"
RL = "ecommerce-platform"
PR = "crm-regional"  # the one seed that offers customer escalation (PR-6)
NOW = T0 + timedelta(hours=1)  # Monday 10:00 US Central: business hours


class Api:
    """A JSON client for one caller (``token=None`` is anonymous)."""

    def __init__(self, token: str | None):
        self.token = token
        self.client = Client()

    def _headers(self, extra=None):
        headers = dict(extra or {})
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def get(self, path, params=None, headers=None):
        return self.client.get(_url(path), params or {}, headers=self._headers(headers))

    def post(self, path, body=None, headers=None):
        data = "" if body is None else json.dumps(body)
        return self.client.post(_url(path), data, content_type="application/json",
                                headers=self._headers(headers))

    def put(self, path, body=None, headers=None):
        return self.client.put(_url(path), json.dumps(body or {}),
                               content_type="application/json",
                               headers=self._headers(headers))

    def patch(self, path, body=None, headers=None):
        return self.client.patch(_url(path), json.dumps(body or {}),
                                 content_type="application/json",
                                 headers=self._headers(headers))

    def delete(self, path, body=None, headers=None):
        return self.client.delete(_url(path), headers=self._headers(headers))

    def raw(self, method, path, data, content_type="application/json", headers=None):
        return getattr(self.client, method)(_url(path), data, content_type=content_type,
                                            headers=self._headers(headers))

    def upload(self, path, name="report.txt", content=b"hello", content_type="text/plain",
               extra=None):
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = {"file": SimpleUploadedFile(name, content, content_type=content_type)}
        data.update(extra or {})
        return self.client.post(_url(path), data, headers=self._headers())


def _url(path: str) -> str:
    return path if path.startswith("/") else f"/api/v1/{path}"


def token_for(user, name="test") -> str:
    return token_issue(user=user, name=name, now=T0).raw


@dataclass
class World:
    org: object
    other_org: object
    ticket: Ticket
    people: dict = field(default_factory=dict)
    apis: dict = field(default_factory=dict)

    def api(self, role: str) -> Api:
        return self.apis[role]

    def fresh(self) -> Ticket:
        return Ticket.objects.get(pk=self.ticket.pk)


ROLES = ("agent", "requester", "cc", "colleague", "administrator", "primary", "outsider",
         "anonymous", "revoked", "banned")
SEES_TICKET = {"agent", "requester", "cc", "administrator", "primary"}
CONTACTS_WHO_SEE = SEES_TICKET - {"agent"}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The factories give every person a password; Argon2 is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fixed_clock():
    with clock.use(clock.FixedClock(NOW)) as fixed:
        yield fixed


@pytest.fixture
def world(db, fixed_clock) -> World:
    org = organisation(RK, name="Acme <Corp>")
    administrator = contact(org, role="administrator", login=True, name="Ada Admin")
    primary = contact(org, role="primary", login=True, name="Pia Primary")
    requester = contact(org, login=True, name="Rémi Requester")
    cc = contact(org, login=True, name="Cleo Copied")
    colleague = contact(org, login=True, name="Colin Colleague")
    banned = contact(org, login=True, name="Bo Banned")
    Contact.objects.filter(pk=banned.pk).update(banned_at=T0, ban_reason="abusive to staff")
    other_org = organisation(RK, name="Other Inc")
    outsider = contact(other_org, role="administrator", login=True, name="Otto Outsider")
    engineer = agent(name="Erin Engineer")
    revoked_agent = agent(name="Rex Revoked")

    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=requester, cc=[cc], subject="Reports are empty",
        description="Since this morning", channel="portal", priority="yellow"), now=T0)

    people = {"agent": engineer, "requester": requester, "cc": cc, "colleague": colleague,
              "administrator": administrator, "primary": primary, "outsider": outsider,
              "banned": banned, "revoked": revoked_agent}
    apis = {role: Api(token_for(person.user)) for role, person in people.items()}
    revoked = token_issue(user=revoked_agent.user, name="old", now=T0)
    token_revoke(token=revoked.token, now=T0)
    apis["revoked"] = Api(revoked.raw)
    apis["anonymous"] = Api(None)
    return World(org=org, other_org=other_org, ticket=ticket, people=people, apis=apis)


@pytest.fixture
def pr_world(db, fixed_clock) -> World:
    """A PR organisation (customer escalation offered, PR-6) with a requester, an
    Administrator and an agent, and one ticket of the requester's."""
    org = organisation(PR, timezone="Europe/Berlin", country="DE")
    people = {"requester": contact(org, login=True, name="Ines Requester"),
              "administrator": contact(org, role="administrator", login=True),
              "agent": agent(name="Sam Senior")}
    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=people["requester"], subject="Import keeps failing",
        description="Since Monday", channel="widget"), now=T0)
    apis = {role: Api(token_for(person.user)) for role, person in people.items()}
    return World(org=org, other_org=None, ticket=ticket, people=people, apis=apis)
