"""Merging tickets through the API (agents, issue 16)."""

from __future__ import annotations

from ninja import Router

from pledgedesk.api import lookup, render
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.api.lookup import Number
from pledgedesk.bounds import Id
from pledgedesk.tickets.merge import ticket_merge

router = Router(tags=["tickets"])


class MergeIn(s.In):
    into: Id
    version: Id | None = None


@router.post("/tickets/{number}/merge", response={200: s.TicketOut, **s.ERRORS},
             summary="Merge this ticket into another of its organisation; returns the target")
def merge(request, number: Number, payload: MergeIn):
    caller = caller_of(request)
    caller.require_agent("merge tickets")
    source = lookup.ticket(caller, number)
    target = lookup.ticket(caller, payload.into)
    merged = ticket_merge(source=source, target=target, actor=caller.actor,
                          expected_version=payload.version, now=caller.now)
    return render.ticket_out(merged, agent=True, principal=caller.principal, now=caller.now)
