"""SLA timers across tickets: what is about to breach (agents only)."""

from __future__ import annotations

from datetime import timedelta

from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.api.tickets import ERRORS
from pledgedesk.tickets.selectors import MAX_PAGE, timers_breaching

router = Router(tags=["timers"])


class BreachingQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    within: int = Field(default=60, ge=1, le=366 * 24 * 60, description="Minutes from now.")
    limit: int = Field(default=MAX_PAGE, ge=1, le=MAX_PAGE)


@router.get("/timers/breaching", response={200: list[s.BreachingOut], **ERRORS},
            summary="Running timers due within the next minutes (agents)")
def breaching(request, filters: Query[BreachingQuery]):
    caller = caller_of(request)
    caller.require_agent("list breaching timers")
    timers = timers_breaching(principal=caller.principal, now=caller.now,
                              within=timedelta(minutes=filters.within))[: filters.limit]
    return [s.BreachingOut(ticket=t.ticket.number, subject=t.ticket.subject,
                           priority=t.ticket.priority, metric=t.metric, state=t.state,
                           due_at=t.due_at, warn_at=t.warn_at) for t in timers]
