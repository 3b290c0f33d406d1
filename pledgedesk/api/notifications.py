"""An agent's own notifications through the API, and their choices of what arrives how."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.notify.selectors import notifications_for
from pledgedesk.notify.services import notifications_read, settings_for, settings_update

router = Router(tags=["notifications"])
MAX_PAGE = 200
Kind = Annotated[str, Field(max_length=30, pattern=r"^[a-z_]+$")]


class NotificationOut(Schema):
    id: int
    kind: str
    ticket: int
    text: str
    created_at: datetime
    read_at: datetime | None


class ListQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    unread: bool = False
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)


class ReadIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ids: list[int] | None = Field(default=None, max_length=MAX_PAGE,
                                  description="Which to mark read; omitted: all of them")


class ReadOut(Schema):
    marked: int


class SettingsIO(Schema):
    model_config = ConfigDict(extra="forbid")

    email_kinds: list[Kind] = Field(max_length=20)
    console_kinds: list[Kind] = Field(max_length=20, description="[] shows every kind")
    digest: bool
    digest_minutes: int


@router.get("/notifications", response={200: list[NotificationOut], **s.ERRORS},
            summary="My notifications, newest first (agents)")
def list_notifications(request, query: Query[ListQuery]):
    caller = caller_of(request)
    caller.require_agent("read notifications")
    rows = notifications_for(caller.principal.agent, unread_only=query.unread)
    return [NotificationOut(id=n.pk, kind=n.kind, ticket=n.ticket_number, text=n.text,
                            created_at=n.created_at, read_at=n.read_at)
            for n in rows[: query.limit]]


@router.post("/notifications/read", response={200: ReadOut, **s.ERRORS},
             summary="Mark my notifications read (agents)")
def mark_read(request, body: ReadIn):
    caller = caller_of(request)
    caller.require_agent("read notifications")
    return ReadOut(marked=notifications_read(agent=caller.principal.agent, now=caller.now,
                                             ids=body.ids))


@router.get("/notifications/settings", response={200: SettingsIO, **s.ERRORS},
            summary="What I am told, and how (agents)")
def get_settings(request):
    caller = caller_of(request)
    caller.require_agent("choose notifications")
    return SettingsIO.model_validate(settings_for(caller.principal.agent), from_attributes=True)


@router.put("/notifications/settings", response={200: SettingsIO, **s.ERRORS},
            summary="Choose what I am told, and how (agents)")
def put_settings(request, body: SettingsIO):
    caller = caller_of(request)
    caller.require_agent("choose notifications")
    saved = settings_update(agent=caller.principal.agent, **body.model_dump())
    return SettingsIO.model_validate(saved, from_attributes=True)
