"""What the portal offers an organisation's people, read from its support policy: the door a
web request comes through, the priorities they may choose with what each means, the zone
times are shown in, and the promise a new ticket gets (FG-2, RL-4, FG-3).

The rules behind it are intake's (``tickets.intake``: the channel of the web door, the plan a
ticket runs on) and the versions registry's (the policy in force), never a copy of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pledgedesk.accounts.models import Organisation
from pledgedesk.policy.compile import Policy, Priority
from pledgedesk.tickets.intake import door_channel, ticket_plan
from pledgedesk.tickets.selectors import organisation_zone  # noqa: F401 (the portal's name)
from pledgedesk.versions.policies import policy_in_force


@dataclass(frozen=True)
class Offer:
    policy: Policy
    plan: str
    channel: str | None
    priorities: tuple[Priority, ...]
    default: str
    note: str


def organisation_policy(org: Organisation, *, now: datetime) -> Policy:
    return policy_in_force(org.policy_key, now=now)[1]


def portal_offer(org: Organisation, *, now: datetime) -> Offer:
    policy = organisation_policy(org, now=now)
    plan = ticket_plan(policy, org)
    offered = policy.spec.channels.offered()
    channel = door_channel(policy, "web")
    default = policy.default_priority
    if channel is None:
        return Offer(policy, plan, None, (), default,
                     "This support team does not take requests on the web; the support "
                     "policy says how to reach them.")
    spec = offered[channel]
    if spec.priority is not None:
        return Offer(policy, plan, channel, (policy.priority(spec.priority),), spec.priority,
                     f"Requests from here are always {policy.priority(spec.priority).label}.")
    if not spec.sets_priority:
        return Offer(policy, plan, channel, (policy.priority(default),), default,
                     f"The priority cannot be chosen here; {policy.priority(default).label} "
                     "applies.")
    allowed = tuple(p for p in policy.priorities if policy.priority_allowed(plan, p.key))
    return Offer(policy, plan, channel, allowed, default, "")
