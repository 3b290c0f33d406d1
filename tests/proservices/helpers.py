"""A small Professional Services world: an RK organisation with its primary contact, a Product
Services agent, a bank and a case opened by the title marker (RK-10), all through services."""

from __future__ import annotations

from datetime import date, timedelta

from pledgedesk.proservices.engagements import engagement_request
from pledgedesk.proservices.services import bank_buy
from pledgedesk.tickets.services import Actor, NewTicket, ticket_create
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


def fg_world(*, by_customer: bool, kind="upgrade", title="Upgrade to 21.2"):
    """FG-12: an FG organisation with its primary contact, a project manager and an engagement
    asked for by the customer (portal) or by the manager (console)."""
    org = organisation(FG, name="Fax Co", timezone="America/Chicago", country="US")
    primary = contact(org, role="primary", login=True, name="Pia Primary")
    pm = agent(roles=("project_manager",), name="Pam Manager")
    actor = Actor(channel="portal", contact=primary) if by_customer else \
        Actor(channel="web", agent=pm)
    made = engagement_request(organisation=org, kind=kind, title=title, ticket=None,
                              actor=actor, now=T0)
    return org, primary, pm, made
