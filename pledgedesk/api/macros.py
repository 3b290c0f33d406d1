"""Macros through the API (agents, issue 16): list, create, read, change, delete, fill in
for a ticket, and apply to a ticket (the reply and its field changes in one change)."""

from __future__ import annotations

from typing import Annotated

from ninja import Router
from ninja.responses import Status
from pydantic import Field, StringConstraints

from pledgedesk.api import lookup, render
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.api.lookup import Number
from pledgedesk.bounds import Id, Key, storable
from pledgedesk.macros import selectors, services
from pledgedesk.macros.models import MAX_BODY, MAX_NAME, MAX_TAGS, Macro

router = Router(tags=["macros"])


class MacroIn(s.In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=MAX_BODY)] = Field(
        description="Reply text; placeholders in double braces, e.g. {{requester.name}}.")
    shared: bool = False
    status: Key | None = None
    priority: Key | None = None
    group: Key | None = None
    tags: list[Key] = Field(default_factory=list, max_length=MAX_TAGS)


class MacroOut(s.Out):
    id: int
    name: str
    body: str
    shared: bool
    mine: bool
    status: str | None
    priority: str | None
    group: str | None
    tags: list[str]
    created_at: s.Instant
    updated_at: s.Instant


class FilledOut(s.Out):
    body: str
    status: str | None
    priority: str | None
    group: str | None
    tags: list[str]


class ApplyIn(s.In):
    version: Id | None = None


def _out(macro: Macro, agent_id: int) -> MacroOut:
    return MacroOut(id=macro.pk, name=macro.name, body=macro.body, shared=macro.shared,
                    mine=macro.owner_id == agent_id or macro.created_by_id == agent_id,
                    status=macro.status or None, priority=macro.priority or None,
                    group=macro.group.key if macro.group else None, tags=macro.tags,
                    created_at=macro.created_at, updated_at=macro.updated_at)


def _spec(payload: MacroIn) -> services.MacroSpec:
    return services.MacroSpec(name=storable(payload.name), body=storable(payload.body),
                              shared=payload.shared, status=payload.status or "",
                              priority=payload.priority or "", group=payload.group or "",
                              tags=list(payload.tags))


def _agent(request, what: str):
    caller = caller_of(request)
    caller.require_agent(what)
    return caller, caller.principal.agent


@router.get("/macros", response={200: list[MacroOut], **s.ERRORS},
            summary="Macros: shared ones and yours (agents)")
def macro_list(request):
    _, agent = _agent(request, "use macros")
    return [_out(m, agent.pk) for m in selectors.macros_visible(agent=agent)]


@router.post("/macros", response={201: MacroOut, **s.ERRORS}, summary="Create a macro")
def macro_create(request, payload: MacroIn):
    caller, agent = _agent(request, "create macros")
    macro = services.macro_create(agent=agent, spec=_spec(payload), now=caller.now)
    return Status(201, _out(macro, agent.pk))


@router.get("/macros/{macro_id}", response={200: MacroOut, **s.ERRORS}, summary="One macro")
def macro_detail(request, macro_id: int):
    _, agent = _agent(request, "use macros")
    return _out(selectors.macro_for(agent=agent, macro_id=macro_id), agent.pk)


@router.put("/macros/{macro_id}", response={200: MacroOut, **s.ERRORS},
            summary="Change a macro")
def macro_update(request, macro_id: int, payload: MacroIn):
    caller, agent = _agent(request, "change macros")
    macro = services.macro_update(agent=agent, macro_id=macro_id, spec=_spec(payload),
                                  now=caller.now)
    return _out(macro, agent.pk)


@router.delete("/macros/{macro_id}", response={204: None, **s.ERRORS},
               summary="Delete a macro")
def macro_delete(request, macro_id: int):
    _, agent = _agent(request, "delete macros")
    services.macro_delete(agent=agent, macro_id=macro_id)
    return Status(204, None)


@router.get("/tickets/{number}/macros/{macro_id}", response={200: FilledOut, **s.ERRORS},
            summary="A macro filled in for a ticket, without applying it")
def macro_fill(request, number: Number, macro_id: int):
    caller, agent = _agent(request, "use macros")
    ticket = lookup.ticket(caller, number)
    filled = selectors.macro_filled(macro=selectors.macro_for(agent=agent, macro_id=macro_id),
                                    ticket=ticket, agent=agent, now=caller.now)
    return FilledOut(body=filled.body, status=filled.status, priority=filled.priority,
                     group=filled.group, tags=filled.tags)


@router.post("/tickets/{number}/macros/{macro_id}", response={201: s.MessageCreatedOut,
                                                             **s.ERRORS},
             summary="Apply a macro: its reply and field changes in one change")
def macro_apply(request, number: Number, macro_id: int, payload: ApplyIn):
    caller, agent = _agent(request, "apply macros")
    ticket = lookup.ticket(caller, number)
    message = services.macro_apply(
        ticket=ticket, actor=caller.actor,
        macro=selectors.macro_for(agent=agent, macro_id=macro_id),
        expected_version=payload.version, now=caller.now)
    return Status(201, s.MessageCreatedOut(
        message=render.message_out(message, agent=True),
        ticket=render.ticket_out(message.ticket, agent=True, principal=caller.principal,
                                 now=caller.now)))
