"""Who delivers each topic, and who turns a ticket event into deliveries.

Apps above the outbox register here from their ``AppConfig.ready()``: a handler per topic
(``@handler("mail")``) and planners that fan a ticket event out into deliveries
(``@planner("mail-out")``). The outbox itself knows no topic but ``ticket.event``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

EVENT_TOPIC = "ticket.event"


class PermanentFailure(Exception):
    """Raised by a handler when retrying cannot help (an address that does not exist, a
    receiver that answered 410): the row is failed at once, with this reason."""


@dataclass(frozen=True)
class Handler:
    topic: str
    deliver: Callable
    max_attempts: int
    backoff_seconds: float
    max_backoff_seconds: float

    def delay_after(self, attempts: int) -> float:
        """Seconds before the next attempt after ``attempts`` failed ones: doubling from
        ``backoff_seconds``, capped."""
        return min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.max_backoff_seconds)


@dataclass(frozen=True)
class EventNotice:
    """What a planner is told about one ticket event (read the rest from the database)."""

    event_id: int
    ticket_id: int
    organisation_id: int | None
    kind: str


@dataclass(frozen=True)
class Planned:
    topic: str
    key: str
    payload: dict = field(default_factory=dict)
    not_before: datetime | None = None


_handlers: dict[str, Handler] = {}
_planners: dict[str, Callable] = {}


def handler(topic: str, *, max_attempts: int = 8, backoff_seconds: float = 30,
            max_backoff_seconds: float = 3600):
    """Register ``fn(delivery, *, now) -> None`` as the deliverer of ``topic``."""
    def register(fn):
        _handlers[topic] = Handler(topic, fn, max_attempts, backoff_seconds, max_backoff_seconds)
        return fn
    return register


def planner(name: str):
    """Register ``fn(notice: EventNotice, *, now) -> list[Planned]``, called for every ticket
    event; planning may run more than once for one event, so keys make it idempotent."""
    def register(fn):
        _planners[name] = fn
        return fn
    return register


def handler_for(topic: str) -> Handler | None:
    return _handlers.get(topic)


def planners() -> list[tuple[str, Callable]]:
    return sorted(_planners.items())
