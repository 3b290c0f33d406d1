"""SLA clocks as a pure function of a ticket's event history (see ``engine``'s docstring)."""

from pledgedesk.sla.engine import Ticket, Timer, TimerState, evaluate, status_after_customer_reply
from pledgedesk.sla.events import (
    AgentReply,
    Assigned,
    CallLogged,
    Created,
    CustomerReply,
    Event,
    ExclusionCleared,
    ExclusionSet,
    InternalNote,
    PriorityChanged,
    Reopened,
    StatusChanged,
)
from pledgedesk.sla.state import timer_state_at

__all__ = [
    "AgentReply",
    "Assigned",
    "CallLogged",
    "Created",
    "CustomerReply",
    "Event",
    "ExclusionCleared",
    "ExclusionSet",
    "InternalNote",
    "PriorityChanged",
    "Reopened",
    "StatusChanged",
    "Ticket",
    "Timer",
    "TimerState",
    "evaluate",
    "status_after_customer_reply",
    "timer_state_at",
]
