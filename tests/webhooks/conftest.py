"""A desk for webhook tests: two organisations, an administrator, an engineer, a ticket in
each organisation made through the real services, a fixed clock, and the loopback allowed as
a webhook destination (production refuses it; ``PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS``)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pytest

from pledgedesk import clock
from tests.factories import agent, contact, organisation
from tests.pages import NOW, RK, open_ticket
from tests.webhooks.receiver import Receiver

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


@dataclass
class Desk:
    org: object
    other_org: object
    admin: object
    engineer: object
    requester: object
    other_requester: object


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS = LOOPBACK


@pytest.fixture
def fixed():
    with clock.use(clock.FixedClock(NOW)) as fixed:
        yield fixed


@pytest.fixture
def desk(db, fixed) -> Desk:
    org = organisation(RK, name="Acme Corp")
    other = organisation(RK, name="Globex")
    admin = agent(roles=("administrator",), name="Ada Admin")
    admin.user.email = "ada@desk.example"
    admin.user.save(update_fields=["email"])
    return Desk(org=org, other_org=other, admin=admin, engineer=agent(name="Erin Engineer"),
                requester=contact(org, name="Rémi Requester"),
                other_requester=contact(other, name="Gina Globex"))


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def ticket_in(org, requester, **kwargs):
    return open_ticket(org, requester, at=clock.current(), **kwargs)
