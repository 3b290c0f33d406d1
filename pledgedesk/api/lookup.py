"""The API's one way to find a ticket from a path's number: through the permission check
(``ticket_for``: a ticket the caller may not see is a 404, exactly like a missing one), with
what rendering a ticket reads loaded in the same query. Every endpoint under
``/tickets/{number}`` uses it."""

from __future__ import annotations

from typing import Annotated

from ninja import Path

from pledgedesk.accounts.authorization import ticket_for
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import Caller
from pledgedesk.tickets.models import Ticket

Number = Annotated[int, Path(ge=1, le=s.MAX_ID)]

_RENDERED_WITH = ("policy_version", "organisation", "requester", "assignee", "group",
                  "created_by_agent")


def ticket(caller: Caller, number: int) -> Ticket:
    """Ticket ``number`` as ``caller`` may see it; NotFound otherwise."""
    return ticket_for(caller.principal, number,
                      Ticket.objects.select_related(*_RENDERED_WITH))
