"""What this running desk serves, so the policy page offers nothing the desk cannot do.

A policy file says what the support team promises; a :class:`Deployment` says what this
installation of Pledgedesk can actually carry out. The customer page shows a channel, a
resource or a feature only when both agree, and ``pledgedesk policy check`` warns (with the key
path, exit 0) about every promise the deployment cannot keep, so a file can be written before
its mailbox or phone line exists.

Pure data: the Django side fills it from settings (``settings.PLEDGEDESK_SERVES``), the command
line from its ``--mailbox``/``--phone``/``--serve`` options. Today the desk has the portal and
the JSON API; mail intake, the widget, call intake, chat, the knowledge base and its votes,
paging and hour banks are built by later issues, which switch their part on here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pledgedesk.policy.schema import FEATURE_KEYS, ChannelSpec, PolicyFile, Resource

# The features a deployment may lack, as ``--serve`` and a plan's ``needs`` name them.
FEATURES = FEATURE_KEYS
PHONE_CHANNELS = ("voicemail", "hotline")
# Resources the desk's own knowledge base holds (articles and training videos, RK-12); other
# kinds live elsewhere and are shown only with their own address.
DESK_RESOURCES = ("knowledge_base", "video_library")

Found = list[tuple[str, str]]


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def same_number(a: str, b: str) -> bool:
    """``952-252-3620`` is ``+1 952 252 3620``: equal digits, or one ends with the other's ten
    or more (the longer one only adds a country code)."""
    x, y = sorted((_digits(a), _digits(b)), key=len)
    return bool(x) and (x == y or (len(x) >= 10 and y.endswith(x)))


@dataclass(frozen=True)
class Deployment:
    """What this desk serves. ``mailboxes``: addresses whose mail it reads; ``phone_numbers``:
    numbers whose calls and voice messages reach it. The defaults are the desk as built today.
    """

    mailboxes: frozenset[str] = field(default_factory=frozenset)
    phone_numbers: frozenset[str] = field(default_factory=frozenset)
    portal: bool = True
    api: bool = True
    widget: bool = False
    chat: bool = False
    knowledge_base: bool = False
    votes: bool = False
    paging: bool = False
    hour_banks: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "mailboxes",
                           frozenset(m.strip().lower() for m in self.mailboxes))
        object.__setattr__(self, "phone_numbers", frozenset(self.phone_numbers))

    def has(self, feature: str) -> bool:
        return bool(getattr(self, feature))

    # -- one predicate per kind of promise; the page and ``check`` both read these ----------
    def channel_gap(self, key: str, spec: ChannelSpec) -> tuple[str, str] | None:
        """Why channel ``key`` cannot be offered, as (key path under the channel, message);
        None when this desk serves it."""
        if key == "email":
            return self._mailbox_gap(spec.address)
        if key in PHONE_CHANNELS:
            return self._phone_gap(spec.address)
        if key in ("portal", "api", "widget", "chat") and not self.has(key):
            names = {"portal": "customer portal", "api": "API",
                     "widget": "embeddable widget enabled", "chat": "live chat"}
            return "", f"this deployment has no {names[key]}"
        return None

    def _mailbox_gap(self, address: str | None) -> tuple[str, str] | None:
        if not address:
            return "address", "names no address, so no mailbox can serve it"
        if address.strip().lower() not in self.mailboxes:
            return "address", f"no mailbox is configured for {address} on this deployment"
        return None

    def _phone_gap(self, number: str | None) -> tuple[str, str] | None:
        if not number:
            return "address", "names no number, so no phone line can serve it"
        if not any(same_number(number, ours) for ours in self.phone_numbers):
            return "address", f"this deployment answers no phone line at {number}"
        return None

    def resource_gap(self, resource: Resource) -> tuple[str, str] | None:
        if resource.url:
            return None
        if resource.kind in DESK_RESOURCES:
            if self.knowledge_base:
                return None
            return "", "this deployment has no knowledge base"
        return "url", "lives outside the desk and names no url to send customers to"

    def serves_channel(self, key: str, spec: ChannelSpec) -> bool:
        return self.channel_gap(key, spec) is None

    def serves_resource(self, resource: Resource) -> bool:
        return self.resource_gap(resource) is None

    def shows_votes(self, resource: Resource) -> bool:
        return resource.votes and self.serves_resource(resource) and self.votes

    def serves_plan(self, spec: PolicyFile, plan: str) -> bool:
        return all(self.has(f) for f in spec.plans[plan].needs)


def lacks(spec: PolicyFile, serves: Deployment) -> Found:
    """Every promise of ``spec`` this deployment cannot keep, as (key path, message): what
    ``policy check`` prints as warnings, and exactly what the page leaves out."""
    found: Found = []
    for key, channel in spec.channels.offered().items():
        gap = serves.channel_gap(key, channel)
        if gap is not None:
            where, why = gap
            path = f"channels.{key}" + (f".{where}" if where else "")
            found.append((path, f"{why}: the page does not offer this channel"))
    for i, resource in enumerate(spec.policy.resources):
        gap = serves.resource_gap(resource)
        path = f"policy.resources.{i}"
        if gap is not None:
            found.append((path + (f".{gap[0]}" if gap[0] else ""),
                          f"{gap[1]}: the page does not list it"))
        elif resource.votes and not serves.votes:
            found.append((f"{path}.votes", "this deployment keeps no article votes: the page "
                                           "does not mention them"))
    _plans_lack(spec, serves, found)
    for key, team in spec.teams.items():
        if team.hour_banks and not serves.hour_banks:
            found.append((f"teams.{key}.hour_banks", "this deployment keeps no hour balances: "
                                                     "the page does not list the tiers"))
    return found


def _plans_lack(spec: PolicyFile, serves: Deployment, found: Found) -> None:
    for key, plan in spec.plans.items():
        for i, feature in enumerate(plan.needs):
            if not serves.has(feature):
                found.append((f"plans.{key}.needs.{i}",
                              f"this deployment lacks {feature.replace('_', ' ')}: the page "
                              "leaves this plan out"))
        if plan.paging is not None and not serves.paging:
            found.append((f"plans.{key}.paging", "this deployment cannot page an on-call "
                                                 "engineer: the page does not offer it"))
