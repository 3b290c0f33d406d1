"""Bulk actions through the API (agents): one change to many tickets, each at the version the
client saw, each with its own result (``queues.bulk``)."""

from __future__ import annotations

from typing import Annotated

from ninja import Router
from pydantic import Field, StringConstraints

from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.bounds import Id, Key
from pledgedesk.queues.bulk import MAX_ROWS, MAX_TAGS, BulkChange, Row, bulk_apply

router = Router(tags=["tickets"])


class BulkRowIn(s.In):
    number: Id
    version: Id


class BulkIn(s.In):
    tickets: list[BulkRowIn] = Field(min_length=1, max_length=MAX_ROWS)
    assignee: Annotated[str, StringConstraints(pattern=r"^(\d{1,18}|unassigned)$")] | None \
        = Field(default=None, description="An agent id, or unassigned.")
    group: Key | None = None
    status: Key | None = None
    priority: Key | None = None
    add_tags: list[Key] = Field(default_factory=list, max_length=MAX_TAGS)
    remove_tags: list[Key] = Field(default_factory=list, max_length=MAX_TAGS)


class BulkRowOut(s.Out):
    number: int
    ok: bool
    version: int | None = Field(description="The ticket's version after the change.")
    code: str = Field(description="Why this row failed (an error code), empty when ok.")
    message: str
    field: str | None


class BulkOut(s.Out):
    changed: int
    failed: int
    results: list[BulkRowOut]


@router.post("/tickets/bulk", response={200: BulkOut, **s.ERRORS},
             summary="Change many tickets: each at its version, each with a result (agents)")
def tickets_bulk(request, payload: BulkIn):
    caller = caller_of(request)
    caller.require_agent("change tickets in bulk")
    results = bulk_apply(
        principal=caller.principal, actor=caller.actor, now=caller.now,
        rows=[Row(number=r.number, version=r.version) for r in payload.tickets],
        change=BulkChange(assignee=payload.assignee, group=payload.group,
                          status=payload.status, priority=payload.priority,
                          add_tags=payload.add_tags, remove_tags=payload.remove_tags))
    rows = [BulkRowOut(number=r.number, ok=r.ok, version=r.version, code=r.code,
                       message=r.message, field=r.field) for r in results]
    changed = sum(r.ok for r in rows)
    return BulkOut(changed=changed, failed=len(rows) - changed, results=rows)
