"""SLA timers across tickets: what is about to breach, or has (agents only)."""

from __future__ import annotations

from datetime import timedelta

from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.api.tickets import ERRORS
from pledgedesk.sla.state import timer_state_at
from pledgedesk.tickets.selectors import MAX_PAGE, timers_breaching

router = Router(tags=["timers"])


class BreachingQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    within: int = Field(default=60, ge=1, le=366 * 24 * 60,
                        description="Minutes from now: timers due by then (also those due "
                        "at a closing time that has passed, not late until business time "
                        "resumes).")
    include_breached: bool = Field(
        default=True, description="Also list timers already breached and not met (they come "
        "first, longest late first); false lists only timers not yet breached.")
    limit: int = Field(default=MAX_PAGE, ge=1, le=MAX_PAGE)


@router.get("/timers/breaching", response={200: list[s.BreachingOut], **ERRORS},
            summary="Timers of open tickets due within the next minutes or already breached "
                    "(agents)")
def breaching(request, filters: Query[BreachingQuery]):
    """Soonest to breach first (``late_at``). ``state`` is the timer's state now
    (``running``, ``warning`` or ``breached``), as the ticket's own timers and the queue's
    ``sla_state`` filter say."""
    caller = caller_of(request)
    caller.require_agent("list breaching timers")
    timers = timers_breaching(principal=caller.principal, now=caller.now,
                              within=timedelta(minutes=filters.within),
                              include_breached=filters.include_breached)[: filters.limit]
    return [s.BreachingOut(ticket=t.ticket.number, subject=t.ticket.subject,
                           priority=t.ticket.priority, metric=t.metric,
                           state=timer_state_at(stored_state=t.state, due_at=t.due_at,
                                                late_at=t.late_at, warn_at=t.warn_at,
                                                now=caller.now),
                           due_at=t.due_at, late_at=t.late_at, warn_at=t.warn_at)
            for t in timers]
