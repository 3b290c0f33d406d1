"""Reads the console needs besides tickets: the choices its forms and filters offer. Small,
bounded lists; tickets themselves are read through ``tickets.selectors``."""

from __future__ import annotations

from pledgedesk.accounts.models import Agent, AgentGroup, Contact, Organisation
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Ticket, TicketEvent
from pledgedesk.versions.policies import policy_for
from pledgedesk.versions.selectors import policy_versions_all

# The organisation filter lists this many by name; a larger desk filters from the ticket page's
# organisation link (``?organisation=<id>``), which works for any organisation.
ORGANISATION_CHOICES = 300


def filter_choices() -> dict:
    """Status and priority keys across the policy versions in use, and organisations."""
    statuses, priorities = {}, {}
    for version in policy_versions_all():
        policy = policy_for(version)
        for key, spec in policy.statuses.items():
            statuses.setdefault(key, spec.label)
        for prio in policy.priorities:
            priorities.setdefault(prio.key, prio.label)
    orgs = list(Organisation.objects.order_by("name", "id")
                .values_list("pk", "name")[:ORGANISATION_CHOICES])
    return {"statuses": sorted(statuses.items(), key=lambda kv: kv[1]),
            "priorities": list(priorities.items()), "organisations": orgs}


def assignable() -> tuple[list[Agent], list[AgentGroup]]:
    """Active agents and all groups, by name, for the assignee and group choices."""
    return (list(Agent.objects.filter(active=True).order_by("name")),
            list(AgentGroup.objects.order_by("name")))


# The contact choices on a ticket page (CC, account look-up) list this many of the
# organisation's people by name; anyone beyond is still found by phone number (FG-4).
CONTACT_CHOICES = 300


def organisation_contacts(organisation: Organisation | None) -> list[Contact]:
    """The organisation's contacts by name, for the ticket page's CC and look-up choices."""
    if organisation is None:
        return []
    return list(organisation.contacts.order_by("name", "id")[:CONTACT_CHOICES])


def with_contacts(contacts: list[Contact], more) -> list[Contact]:
    """``contacts`` and any of ``more`` not among them (the CCs already on a ticket, a
    look-up's match), so a choice list always offers what the ticket already has."""
    known = {c.pk for c in contacts}
    return contacts + [c for c in more if c is not None and c.pk not in known]


def identity_verification(ticket: Ticket) -> TicketEvent | None:
    """RL-6: the latest record of how the requester's identity was verified, with who did
    it; None until it has been."""
    if not ticket.identity_verified:
        return None
    return (ticket.events.filter(kind=EventKind.IDENTITY_VERIFIED).select_related("actor_agent")
            .order_by("-at", "-id").first())
