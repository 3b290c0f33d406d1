"""The outbox through the API (agents): failed deliveries, and retrying one."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.outbox.selectors import failed_deliveries
from pledgedesk.outbox.services import retry

router = Router(tags=["outbox"])
MAX_PAGE = 200


class DeliveryOut(Schema):
    id: int
    topic: str
    key: str
    state: str
    attempts: int
    ticket_id: int | None
    last_error: str
    created_at: datetime
    next_attempt_at: datetime


class FailedQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=MAX_PAGE)


@router.get("/outbox/failed", response={200: list[DeliveryOut], **s.ERRORS},
            summary="Deliveries (mail, pages, webhooks) that stopped retrying, newest first "
                    "(agents)")
def failed(request, query: Query[FailedQuery]):
    caller_of(request).require_agent("list failed deliveries")
    return [DeliveryOut.model_validate(row, from_attributes=True)
            for row in failed_deliveries()[: query.limit]]


@router.post("/outbox/{delivery_id}/retry", response={200: DeliveryOut, **s.ERRORS},
             summary="Put a failed delivery back in the queue, due now (agents)")
def retry_failed(request, delivery_id: int):
    caller = caller_of(request)
    caller.require_agent("retry a delivery")
    return DeliveryOut.model_validate(retry(delivery_id=delivery_id, now=caller.now),
                                      from_attributes=True)
