"""Delivering the outbox inside a test, as the worker would, at an injected instant."""

from __future__ import annotations

from datetime import datetime

from pledgedesk.outbox.services import deliver_due

ROUNDS = 50  # fan-out rows plan more rows; each round delivers what became due


def drain(*, now: datetime, worker: str = "test-worker", limit: int = 1000) -> int:
    """Deliver every row due at ``now`` (planners first, then what they planned); the number of
    rows delivered or attempted. Rows that failed and wait for a later retry are left."""
    total = 0
    for _ in range(ROUNDS):
        claimed = deliver_due(now=now, worker=worker, limit=limit)
        total += claimed
        if not claimed:
            return total
    raise AssertionError(f"the outbox still had due rows after {ROUNDS} rounds at {now}")
