"""Inbound mail waiting for a person, through the API (agents; issue 14): the same list and
actions as the console's mail review page, through the same services (``channels.review``),
for integrations that watch quarantine or fix and reprocess in bulk."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Query, Router, Schema
from pydantic import BaseModel, ConfigDict

from pledgedesk.accounts.models import Organisation
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.bounds import Id
from pledgedesk.channels.review import (
    MAX_REASON,
    mail_refuse,
    mail_release,
    mail_reprocess,
)
from pledgedesk.channels.review_selectors import SHOWN, mail_actions, mail_waiting
from pledgedesk.channels.services import Outcome
from pledgedesk.errors import InvalidInput

router = Router(tags=["inbound mail"])


class WaitingQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["quarantined", "held"] = "quarantined"
    limit: int = Field(default=50, ge=1, le=SHOWN)


class InboundOut(BaseModel):
    id: int
    state: str = Field(description="quarantined or held")
    reason: str
    sender: str
    subject: str
    mailbox: str
    received_at: s.Instant
    ticket: int | None = Field(description="The ticket an FG-10 hold opened; null otherwise")
    actions: list[str] = Field(description="What an agent may do now: reprocess, release, "
                                           "refuse (the last for the support lead and "
                                           "administrators). None: it waits for the "
                                           "primary contact (FG-10).")


class OutcomeOut(BaseModel):
    id: int
    outcome: str
    ticket: int | None
    reason: str


class ReleaseIn(s.In):
    organisation: Id | None = Field(default=None, description=(
        "The organisation the unknown sender becomes a contact of; not needed once they "
        "are one."))
    name: str = Field(default="", max_length=200, description="Their name; default: address")


class RefuseIn(s.In):
    reason: str = Field(min_length=1, max_length=MAX_REASON)


@router.get("/inbound-mail", response={200: list[InboundOut], **s.ERRORS},
            summary="Inbound mail quarantined or held for a person, newest first (agents)")
def waiting(request, query: Query[WaitingQuery]):
    caller_of(request).require_agent("list inbound mail")
    return [InboundOut(id=row.pk, state=row.state, reason=row.reason, sender=row.sender,
                       subject=row.subject, mailbox=row.mailbox, received_at=row.received_at,
                       ticket=row.ticket.number if row.ticket_id else None,
                       actions=list(mail_actions(row)))
            for row in mail_waiting(kind=query.kind, limit=query.limit)]


@router.post("/inbound-mail/{message_id}/reprocess", response={200: OutcomeOut, **s.ERRORS},
             summary="Run intake again on a quarantined or held message (agents)")
def reprocess(request, message_id: Id):
    caller = caller_of(request)
    caller.require_agent("reprocess inbound mail")
    return _out(mail_reprocess(message_id=message_id, now=caller.now))


@router.post("/inbound-mail/{message_id}/release", response={200: OutcomeOut, **s.ERRORS},
             summary="Make an unknown sender a contact and process their message (agents)")
def release(request, message_id: Id, payload: ReleaseIn):
    caller = caller_of(request)
    caller.require_agent("release inbound mail")
    organisation = None
    if payload.organisation is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation).first()
        if organisation is None:
            raise InvalidInput(f"no organisation {payload.organisation}", field="organisation")
    return _out(mail_release(message_id=message_id, organisation=organisation,
                             name=payload.name, now=caller.now))


@router.post("/inbound-mail/{message_id}/refuse", response={200: OutcomeOut, **s.ERRORS},
             summary="Refuse a held or quarantined message; it is kept (support lead, "
                     "administrators)")
def refuse(request, message_id: Id, payload: RefuseIn):
    caller = caller_of(request)
    caller.require_agent("refuse inbound mail")
    return _out(mail_refuse(message_id=message_id, agent=caller.principal.agent,
                            reason=payload.reason, now=caller.now))


def _out(outcome: Outcome) -> OutcomeOut:
    return OutcomeOut(id=outcome.row, outcome=outcome.outcome, ticket=outcome.ticket,
                      reason=outcome.reason)
