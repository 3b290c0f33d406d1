"""The ticket history the SLA engine reads: one frozen dataclass per kind of event.

Every instant is timezone-aware. ``Created`` comes first; the others may follow in any order of
``at`` (the engine sorts them, keeping the given order for events at the same instant, so a reply
and a status change "in one action" are two events with the same ``at``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Created:
    """A ticket was opened. ``priority`` is the one applied at intake (see
    :meth:`Policy.intake`); None means the policy's default. ``opened_by_agent``: an agent
    opened it for a customer (its description is not a reply). ``imported``: brought in from
    another helpdesk, so no clock ever runs on it (Zammad#2949)."""

    at: datetime
    channel: str
    priority: str | None = None
    plan: str | None = None
    requester: str | None = None
    opened_by_agent: bool = False
    imported: bool = False
    status: str | None = None


@dataclass(frozen=True)
class PriorityChanged:
    at: datetime
    priority: str


@dataclass(frozen=True)
class StatusChanged:
    at: datetime
    status: str


@dataclass(frozen=True)
class Assigned:
    at: datetime
    agent: str | None = None


@dataclass(frozen=True)
class AgentReply:
    """A reply by an agent; only ``public`` replies reach the customer and count."""

    at: datetime
    public: bool = True


@dataclass(frozen=True)
class InternalNote:
    at: datetime


@dataclass(frozen=True)
class CustomerReply:
    at: datetime


@dataclass(frozen=True)
class CallLogged:
    """A call with the customer, logged on the ticket: a first touch (RL-2, FG-7)."""

    at: datetime


@dataclass(frozen=True)
class ExclusionSet:
    at: datetime
    reason: str


@dataclass(frozen=True)
class ExclusionCleared:
    at: datetime
    reason: str


@dataclass(frozen=True)
class Reopened:
    at: datetime


Event = (Created | PriorityChanged | StatusChanged | Assigned | AgentReply | InternalNote
         | CustomerReply | CallLogged | ExclusionSet | ExclusionCleared | Reopened)
