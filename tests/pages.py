"""A small desk for page tests (portal, console, browser): organisations on seed policies,
people who can sign in, tickets made through the real services, and a fixed clock."""

from __future__ import annotations

from datetime import timedelta

from pledgedesk import clock
from pledgedesk.tickets.services import Actor, NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation

RK = "crm-severity-colours"
FG = "fax-server-24x7"
RL = "ecommerce-platform"
PR = "crm-regional"
NOW = T0 + timedelta(hours=1)  # Monday 2026-01-05 10:00 US Central: business hours
PASSWORD = "a long enough passphrase"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def person(org, **kwargs):
    """A contact with a portal login and the test password."""
    found = contact(org, login=True, **kwargs)
    with_password(found.user)
    return found


def staff(**kwargs):
    found = agent(**kwargs)
    with_password(found.user)
    return found


def email_of(someone) -> str:
    return someone.emails.first().address


def open_ticket(org, requester, *, at=NOW, priority=None, subject="Printer on fire",
                description="It is on fire.", channel="portal"):
    return ticket_create(new=NewTicket(organisation=org, requester=requester, channel=channel,
                                       subject=subject, description=description,
                                       priority=priority), now=at)


def as_agent(someone) -> Actor:
    return Actor(channel="web", agent=someone)


def fixed_clock(at=NOW):
    return clock.use(clock.FixedClock(at))


__all__ = ["FG", "NOW", "PR", "RK", "RL", "T0", "agent", "contact", "organisation"]
