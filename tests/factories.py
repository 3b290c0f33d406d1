"""Building organisations, contacts and agents for desk tests, through the real models."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from django.contrib.auth import get_user_model

from pledgedesk.accounts.models import Agent, AgentGroup, Contact, ContactEmail, Organisation

T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # Monday 2026-01-05, 09:00 US Central
_seq = itertools.count(1)


def organisation(policy_key: str, *, plans=("standard",), timezone="", country="",
                 subdivision="", name=None) -> Organisation:
    return Organisation.objects.create(
        name=name or f"Org {next(_seq)}", policy_key=policy_key, plans=list(plans),
        timezone=timezone, country=country, subdivision=subdivision, created_at=T0,
    )


def contact(org: Organisation, *, role: str = "end_user", authorised=False, login=False,
            name=None) -> Contact:
    n = next(_seq)
    user = None
    if login:
        user = get_user_model().objects.create_user(f"contact{n}")  # no password: no hashing
    person = Contact.objects.create(
        organisation=org, name=name or f"Contact {n}", user=user, authorised=authorised,
        created_at=T0,
    )
    ContactEmail.objects.create(contact=person, address=f"contact{n}@example.com")
    if role == "primary":
        org.primary_contact = person
    elif role == "administrator":
        org.administrator = person
    if role in ("primary", "administrator"):
        org.save()
    return person


def agent(*, roles=("engineer",), groups=(), name=None) -> Agent:
    n = next(_seq)
    user = get_user_model().objects.create_user(f"agent{n}")
    person = Agent.objects.create(user=user, name=name or f"Agent {n}", roles=list(roles))
    for key in groups:
        group, _ = AgentGroup.objects.get_or_create(key=key, defaults={"name": key.title()})
        person.groups.add(group)
    return person
