"""Reads the console needs besides tickets: the choices its forms and filters offer. Small,
bounded lists; tickets themselves are read through ``tickets.selectors``."""

from __future__ import annotations

from pledgedesk.accounts.models import Agent, AgentGroup, Organisation
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
