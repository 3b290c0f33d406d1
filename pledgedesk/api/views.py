"""Saved views of the queue through the API (agents): list, create, read, change, delete,
and the tickets a view shows with its capped count."""

from __future__ import annotations

from typing import Annotated

from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, Field, StringConstraints

from pledgedesk.api import render
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.bounds import Cursor, Id, Key, storable
from pledgedesk.queues import selectors, services
from pledgedesk.queues.models import SavedView
from pledgedesk.queues.spec import COLUMNS, MAX_NAME, SLA_STATES, SORTS
from pledgedesk.tickets.selectors import MAX_PAGE

router = Router(tags=["views"])


def _one_of(words) -> type[str]:
    """A string that is one of ``words``: a pattern, so the schema bounds its length."""
    return Annotated[str, StringConstraints(pattern=f"^({'|'.join(words)})$")]


Column = _one_of(COLUMNS)


class FiltersIn(s.In):
    status: Key | None = None
    priority: Key | None = None
    group: Key | None = None
    assignee: Annotated[str, StringConstraints(pattern=r"^(\d{1,18}|me|unassigned)$")] | None \
        = Field(default=None, description="An agent id, me or unassigned.")
    organisation: Id | None = None
    breaching: bool = False
    escalated: bool = False
    sla_state: _one_of(SLA_STATES) | None = None


class ViewIn(s.In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)]
    filters: FiltersIn | None = None
    sort: _one_of(SORTS) = "queue"
    columns: list[Column] = Field(default_factory=list, max_length=9)
    shared: bool = False


class ViewOut(s.Out):
    id: int
    name: str
    owner: s.Ref
    shared: bool
    mine: bool
    filters: dict
    sort: str
    columns: list[str]
    created_at: s.Instant
    updated_at: s.Instant


class ViewTicketsQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    cursor: Cursor | None = None
    limit: int = Field(default=25, ge=1, le=MAX_PAGE)


class ViewTicketsOut(s.QueuePageOut):
    count: str = Field(description='Tickets in the view, capped: "500+" past 500.')


def _out(view: SavedView, agent_id: int) -> ViewOut:
    return ViewOut(id=view.pk, name=view.name, owner=s.Ref(id=view.owner_id,
                   name=view.owner.name), shared=view.shared, mine=view.owner_id == agent_id,
                   filters=view.filters, sort=view.sort, columns=view.columns,
                   created_at=view.created_at, updated_at=view.updated_at)


def _fields(payload: ViewIn) -> dict:
    return {"name": storable(payload.name), "sort": payload.sort, "shared": payload.shared,
            "columns": list(payload.columns),
            "filters": (payload.filters or FiltersIn()).model_dump(exclude_defaults=True)}


@router.get("/views", response={200: list[ViewOut], **s.ERRORS},
            summary="Saved views: yours and shared ones (agents)")
def view_list(request):
    caller = caller_of(request)
    caller.require_agent("use saved views")
    agent = caller.principal.agent
    return [_out(v, agent.pk) for v in selectors.views_visible(agent=agent)]


@router.post("/views", response={201: ViewOut, **s.ERRORS}, summary="Save a view (agents)")
def view_create(request, payload: ViewIn):
    caller = caller_of(request)
    caller.require_agent("save views")
    agent = caller.principal.agent
    view = services.view_create(agent=agent, now=caller.now, **_fields(payload))
    return Status(201, _out(view, agent.pk))


@router.get("/views/{view_id}", response={200: ViewOut, **s.ERRORS}, summary="One view")
def view_detail(request, view_id: int):
    caller = caller_of(request)
    caller.require_agent("use saved views")
    agent = caller.principal.agent
    return _out(selectors.view_for(agent=agent, view_id=view_id), agent.pk)


@router.put("/views/{view_id}", response={200: ViewOut, **s.ERRORS},
            summary="Change your view")
def view_update(request, view_id: int, payload: ViewIn):
    caller = caller_of(request)
    caller.require_agent("change views")
    agent = caller.principal.agent
    view = services.view_update(agent=agent, view_id=view_id, now=caller.now,
                                **_fields(payload))
    return _out(view, agent.pk)


@router.delete("/views/{view_id}", response={204: None, **s.ERRORS},
               summary="Delete your view")
def view_delete(request, view_id: int):
    caller = caller_of(request)
    caller.require_agent("delete views")
    services.view_delete(agent=caller.principal.agent, view_id=view_id)
    return Status(204, None)


@router.get("/views/{view_id}/tickets", response={200: ViewTicketsOut, **s.ERRORS},
            summary="The tickets a view shows, in its order, with a capped count")
def view_tickets(request, view_id: int, params: Query[ViewTicketsQuery]):
    caller = caller_of(request)
    caller.require_agent("use saved views")
    view = selectors.view_for(agent=caller.principal.agent, view_id=view_id)
    page = selectors.view_page(principal=caller.principal, view=view,
                               cursor=params.cursor or None, limit=params.limit, now=caller.now)
    count = selectors.view_count(principal=caller.principal, view=view, now=caller.now)
    out = render.queue_page_out(page.tickets, page.next_cursor, agent=True, now=caller.now)
    return ViewTicketsOut(items=out.items, next_cursor=out.next_cursor, count=str(count))

