"""What the portal offers an organisation's people, read from its support policy: the door a
web request comes through, the priorities they may choose with what each means, the zone
times are shown in, and the promise a new ticket gets (FG-2, RL-4, FG-3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pledgedesk.accounts.models import Organisation
from pledgedesk.policy.compile import Policy, Priority
from pledgedesk.policy.schema import ORGANISATION
from pledgedesk.versions.policies import policy_for, policy_version_current

# The portal is the policy's "portal" channel; a policy that takes web requests only through
# its in-product widget (PR-1) gets them through that.
WEB_CHANNELS = ("portal", "widget")


@dataclass(frozen=True)
class Offer:
    policy: Policy
    plan: str
    channel: str | None
    priorities: tuple[Priority, ...]
    default: str
    note: str


def organisation_policy(org: Organisation, *, now: datetime) -> Policy:
    return policy_for(policy_version_current(org.policy_key, now=now))


def ticket_plan(policy: Policy, org: Organisation) -> str:
    """The plan a new ticket runs on: the first of the organisation's plans the policy knows,
    else its default (the rule ``ticket_create`` applies)."""
    return next((p for p in org.plans if p in policy.plan_chains), policy.default_plan)


def portal_offer(org: Organisation, *, now: datetime) -> Offer:
    policy = organisation_policy(org, now=now)
    plan = ticket_plan(policy, org)
    offered = policy.spec.channels.offered()
    channel = next((c for c in WEB_CHANNELS if c in offered), None)
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


def organisation_zone(org: Organisation, policy: Policy | None = None) -> str:
    """The zone the portal shows times in: the organisation's own, else the zone of the
    policy's support hours, else UTC."""
    if org.timezone:
        return org.timezone
    if policy is not None:
        tz = policy.spec.calendars[policy.spec.policy.hours_calendar].timezone
        if tz != ORGANISATION:
            return tz
    return "UTC"
