"""A small Professional Services world: an RK organisation with its primary contact, a Product
Services agent, a bank and a case opened by the title marker (RK-10), all through services."""

from __future__ import annotations

from datetime import date, timedelta

from pledgedesk.proservices.services import bank_buy
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation
from tests.outbox.helpers import drain

RK = "crm-severity-colours"
FG = "fax-server-24x7"
NOW = T0 + timedelta(hours=1)
TODAY = date(2026, 1, 5)


def rk_world(tier="Silver"):
    org = organisation(RK, name="Acme")
    primary = contact(org, role="primary", login=True, name="Pia Primary")
    engineer = agent(name="Pat Services", groups=("product_services",))
    bank = bank_buy(organisation=org, tier=tier, starts_on=TODAY, agent=engineer, now=T0)
    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=primary, subject="*Product Services* training for 5",
        description="Please", channel="portal", priority="yellow"), now=T0)
    drain(now=T0)  # the title marker opens the case
    return org, primary, engineer, bank, ticket
