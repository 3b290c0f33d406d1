"""An organisation's embeddable widget through the API (administrators; PR-1, docs/widget.md):
read its settings, switch it on or set its origins, rotate its secret. The secret is in the
answer that made it (switching on, rotating) and in no other answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from ninja import Field, Router
from ninja.responses import Status
from pydantic import BaseModel, StringConstraints

from pledgedesk.accounts.models import Organisation
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.bounds import Id
from pledgedesk.channels import widget as widgets
from pledgedesk.channels.models import WidgetSettings
from pledgedesk.errors import NotFound

router = Router(tags=["widget"])
Origin = Annotated[str, StringConstraints(max_length=300)]


class OriginsIn(s.In):
    origins: list[Origin] = Field(max_length=widgets.MAX_ORIGINS, description=(
        "Origins allowed to embed the widget, each scheme://host[:port] (https; http only "
        "for loopback hosts). No paths, no wildcards. An empty list: no page may frame it."))


class RotateIn(s.In):
    grace_hours: int = Field(default=24, ge=0, le=168, description=(
        "How long tokens signed with the previous secret still verify; 0 stops it at once "
        "(a leaked secret)."))


class WidgetOut(BaseModel):
    organisation: int
    widget_id: str = Field(description="The data-widget value of the embed code; also the "
                                       "'aud' claim of host tokens.")
    origins: list[str]
    script_url: str
    frame_url: str
    created_at: s.Instant
    rotated_at: s.Instant
    previous_secret_until: s.Instant | None


class WidgetSecretOut(WidgetOut):
    secret: str = Field(description="Shown in this answer only: store it on the host "
                                    "product's server, never in a browser.")


@router.get("/organisations/{org_id}/widget", response={200: WidgetOut, **s.ERRORS},
            summary="An organisation's widget settings (administrators)")
def widget_get(request, org_id: Id):
    caller = caller_of(request)
    org = _organisation(request, org_id)
    widget = widgets.widget_of(agent=caller.principal.agent, organisation=org)
    if widget is None:
        raise NotFound("this organisation's widget is not switched on", field="org_id")
    return _out(request, widget)


@router.put("/organisations/{org_id}/widget",
            response={200: WidgetOut, 201: WidgetSecretOut, **s.ERRORS},
            summary="Switch the widget on (201, with its secret) or set its origins (200)")
def widget_put(request, org_id: Id, payload: OriginsIn, response: HttpResponse):
    caller = caller_of(request)
    org, agent = _organisation(request, org_id), caller.principal.agent
    if widgets.widget_of(agent=agent, organisation=org) is None:
        issued = widgets.widget_create(agent=agent, organisation=org, origins=payload.origins,
                                       now=caller.now)
        return Status(201, _secret_out(request, issued, response))
    widget = widgets.widget_set_origins(agent=agent, organisation=org, origins=payload.origins,
                                        now=caller.now)
    return Status(200, _out(request, widget))


@router.post("/organisations/{org_id}/widget/secret",
             response={200: WidgetSecretOut, **s.ERRORS},
             summary="Rotate the widget secret; the new one is in this answer only")
def widget_rotate(request, org_id: Id, payload: RotateIn, response: HttpResponse):
    caller = caller_of(request)
    org = _organisation(request, org_id)
    issued = widgets.widget_rotate_secret(agent=caller.principal.agent, organisation=org,
                                          now=caller.now,
                                          grace=timedelta(hours=payload.grace_hours))
    return _secret_out(request, issued, response)


def _organisation(request, org_id: int) -> Organisation:
    """Contacts are refused before the look-up, so they learn nothing of other
    organisations; the administrator role is the service's check."""
    caller_of(request).require_agent("manage the widget")
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFound("no such organisation", field="org_id")
    return org


def _out(request: HttpRequest, widget: WidgetSettings) -> WidgetOut:
    return WidgetOut(
        organisation=widget.organisation_id, widget_id=widget.public_id,
        origins=widget.origins, created_at=widget.created_at, rotated_at=widget.rotated_at,
        previous_secret_until=_until(widget.previous_until, widget.rotated_at),
        script_url=request.build_absolute_uri(static("widget/widget.js")),
        frame_url=request.build_absolute_uri(reverse("portal:widget",
                                                     args=[widget.public_id])))


def _secret_out(request, issued: widgets.IssuedSecret, response: HttpResponse):
    response["Cache-Control"] = "no-store"
    return WidgetSecretOut(**_out(request, issued.widget).model_dump(), secret=issued.secret)


def _until(at: datetime | None, rotated: datetime) -> datetime | None:
    return at if at is not None and at > rotated else None
