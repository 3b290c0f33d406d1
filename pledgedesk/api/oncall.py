"""On-call endpoints (agents only; a contact gets 403 and learns nothing): the console's
schedules, layers, overrides, swaps, roster and pages, an agent's own webhooks and feed. Each
handler parses, calls one service or selector with ``caller.now`` and renders.

- ``GET|POST /oncall/schedules``; ``GET|PATCH /oncall/schedules/{id}``
- ``POST /oncall/schedules/{id}/layers``; ``PUT|DELETE /oncall/schedules/{id}/layers/{layer}``
- ``GET /oncall/schedules/{id}/roster?days=28``: shifts with UTC and local times and the zone
- ``POST /oncall/schedules/{id}/overrides``; ``DELETE .../overrides/{override}``
- ``POST /oncall/schedules/{id}/swaps``; ``POST .../swaps/{swap}/decision``
- ``GET /oncall/pages``, ``GET /oncall/pages/{id}``,
  ``POST /oncall/pages/{id}/acknowledge|resolve``
- ``POST /oncall/me/webhooks`` (the secret, once), ``DELETE /oncall/me/webhooks/{id}``,
  ``POST /oncall/me/feeds`` (the feed URL, once), ``DELETE /oncall/me/feeds/{id}``
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, StringConstraints, WithJsonSchema

from pledgedesk.api import schemas as s
from pledgedesk.api.auth import Caller, caller_of
from pledgedesk.bounds import Id
from pledgedesk.oncall import schedules, selectors, services
from pledgedesk.oncall.models import Layer, Page, PageNotification, Schedule
from pledgedesk.oncall.rotation import wall_instant

router = Router(tags=["on-call"])
ERRORS = s.ERRORS
Name = Annotated[s.Text, StringConstraints(min_length=1, max_length=200)]
# Inputs are bounded in the schema too (tests/api/test_body_limit.py): ISO 8601 text.
WallOrInstant = Annotated[datetime, WithJsonSchema(
    {"type": "string", "format": "date-time", "maxLength": 40})]
Day = Annotated[date, WithJsonSchema({"type": "string", "format": "date", "maxLength": 10})]
TimeOfDay = Annotated[time, WithJsonSchema({"type": "string", "format": "time",
                                            "maxLength": 18})]
Weekday = Annotated[int, Field(ge=0, le=6)]


def _agent(request) -> Caller:
    caller = caller_of(request)
    caller.require_agent("use the on-call endpoints")
    return caller


# --- shapes ------------------------------------------------------------------------------------


class ScheduleIn(s.In):
    name: Name
    zone: Annotated[str, StringConstraints(max_length=64)]
    lead: Id | None = None
    ack_timeout_minutes: int = Field(default=15, ge=1, le=1440)
    repeats: int = Field(default=2, ge=0, le=10)

    def spec(self) -> schedules.ScheduleSpec:
        return schedules.ScheduleSpec(name=self.name, zone=self.zone, lead_id=self.lead,
                                      ack_timeout_minutes=self.ack_timeout_minutes,
                                      repeats=self.repeats)


class ScheduleCreateIn(ScheduleIn):
    policy_key: s.Key


class LayerIn(s.In):
    name: Annotated[s.Text, StringConstraints(min_length=1, max_length=100)]
    level: int = Field(ge=-1000, le=1000)
    every: int = Field(default=1, ge=1, le=52)
    unit: Annotated[str, StringConstraints(pattern=r"^(days|weeks)$")] = "weeks"
    handoff_date: Day = Field(description="First hand-off: a date in the schedule's zone")
    handoff_time: TimeOfDay = Field(description="Hand-off wall time in the schedule's zone")
    members: list[Id] = Field(min_length=1, max_length=100)
    restrict_days: list[Weekday] = Field(default_factory=list, max_length=7,
                                         description="0 Monday .. 6 Sunday")
    restrict_start: TimeOfDay | None = None
    restrict_end: TimeOfDay | None = None

    def spec(self) -> schedules.LayerSpec:
        return schedules.LayerSpec(
            name=self.name, level=self.level, every=self.every, unit=self.unit,
            handoff_date=self.handoff_date, handoff_time=self.handoff_time,
            member_ids=tuple(self.members), restrict_days=tuple(self.restrict_days),
            restrict_start=self.restrict_start, restrict_end=self.restrict_end)


class PeriodIn(s.In):
    start: WallOrInstant = Field(description="With an offset, or a wall time in the schedule's "
                                 "zone")
    end: WallOrInstant


class OverrideIn(PeriodIn):
    agent: Id
    reason: Annotated[s.Text, StringConstraints(max_length=200)] = ""


class SwapIn(PeriodIn):
    first: Id
    second: Id


class DecisionIn(s.In):
    accept: bool


class WebhookIn(s.In):
    url: Annotated[str, StringConstraints(max_length=500)]
    routing_key: Annotated[str, StringConstraints(max_length=64)] = ""


class LayerOut(Schema):
    id: int
    name: str
    level: int
    every: int
    unit: str
    handoff_date: date
    handoff_time: time
    members: list[int]
    restrict_days: list[int]
    restrict_start: time | None
    restrict_end: time | None


class ScheduleOut(Schema):
    id: int
    policy_key: str
    name: str
    zone: str
    lead: int | None
    ack_timeout_minutes: int
    repeats: int
    layers: list[LayerOut] | None = None


class ShiftOut(Schema):
    agent: int | None = Field(description="null: nobody is on call (a gap)")
    agent_name: str | None
    start: s.Instant
    end: s.Instant
    local_start: str
    local_end: str
    zone: str
    source: str | None = Field(description="rotation, swap or override")
    layer: str


class NotificationOut(Schema):
    step: int
    action: str
    agent: int
    method: str
    requested_at: s.Instant
    sent_at: s.Instant | None
    skipped_at: s.Instant | None


class PageOut(Schema):
    id: int
    ticket: int
    schedule: int | None
    source: str
    reason: str
    state: str
    step: int
    responders: list[int]
    created_at: s.Instant
    next_step_at: s.Instant | None
    acknowledged_at: s.Instant | None
    acknowledged_by: int | None
    acknowledged_via: str
    resolved_at: s.Instant | None
    notifications: list[NotificationOut] | None = None


class PagesQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    state: Literal["triggered", "acknowledged", "escalated", "resolved"] | None = None
    limit: int = Field(default=50, ge=1, le=selectors.PAGE_LIST)


class RosterQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(default=selectors.ROSTER_DAYS, ge=1, le=selectors.ROSTER_DAYS * 3)


class CreatedOut(Schema):
    id: int


class SecretOut(Schema):
    id: int
    secret: str = Field(description="Shown once: the webhook's Standard Webhooks secret")


class FeedOut(Schema):
    url: str = Field(description="Shown once: the secret iCalendar address")


# --- rendering ---------------------------------------------------------------------------------


def _layer(layer: Layer) -> LayerOut:
    return LayerOut(id=layer.pk, name=layer.name, level=layer.level, every=layer.every,
                    unit=layer.unit, handoff_date=layer.handoff_date,
                    handoff_time=layer.handoff_time,
                    members=[m.agent_id for m in layer.members.all()],
                    restrict_days=layer.restrict_days, restrict_start=layer.restrict_start,
                    restrict_end=layer.restrict_end)


def _schedule(schedule: Schedule, *, layers: bool = False) -> ScheduleOut:
    return ScheduleOut(id=schedule.pk, policy_key=schedule.policy_key, name=schedule.name,
                       zone=schedule.zone, lead=schedule.lead_id,
                       ack_timeout_minutes=schedule.ack_timeout_minutes,
                       repeats=schedule.repeats,
                       layers=[_layer(la) for la in schedule.layers.all()] if layers else None)


def _page(page: Page, *, notifications: bool = False) -> PageOut:
    rows: list[PageNotification] = list(page.notifications.all()) if notifications else []
    return PageOut(
        id=page.pk, ticket=page.ticket.number, schedule=page.schedule_id, source=page.source,
        reason=page.reason, state=page.state, step=page.step, responders=page.responders,
        created_at=page.created_at, next_step_at=page.next_step_at,
        acknowledged_at=page.acknowledged_at, acknowledged_by=page.acknowledged_by_id,
        acknowledged_via=page.acknowledged_via, resolved_at=page.resolved_at,
        notifications=[NotificationOut(step=n.step, action=n.action, agent=n.agent_id,
                                       method=n.method, requested_at=n.requested_at,
                                       sent_at=n.sent_at, skipped_at=n.skipped_at)
                       for n in rows] if notifications else None)


def _period(schedule_id: int, body: PeriodIn) -> tuple[datetime, datetime]:
    zone = selectors.schedule_get(schedule_id).zone
    return wall_instant(body.start, zone), wall_instant(body.end, zone)


# --- schedules ---------------------------------------------------------------------------------


@router.get("/oncall/schedules", response={200: list[ScheduleOut], **ERRORS},
            summary="On-call schedules")
def schedule_list(request):
    _agent(request)
    return [_schedule(x) for x in selectors.schedules_all()]


@router.post("/oncall/schedules", response={201: ScheduleOut, **ERRORS},
             summary="Create a schedule (leads and administrators)")
def schedule_create(request, payload: ScheduleCreateIn):
    caller = _agent(request)
    made = schedules.schedule_create(actor=caller.principal.agent, policy_key=payload.policy_key,
                                     spec=payload.spec(), now=caller.now)
    return Status(201, _schedule(selectors.schedule_get(made.pk), layers=True))


@router.get("/oncall/schedules/{schedule_id}", response={200: ScheduleOut, **ERRORS},
            summary="One schedule with its layers")
def schedule_detail(request, schedule_id: Id):
    _agent(request)
    return _schedule(selectors.schedule_get(schedule_id), layers=True)


@router.patch("/oncall/schedules/{schedule_id}", response={200: ScheduleOut, **ERRORS},
              summary="Change a schedule's settings (leads and administrators)")
def schedule_update(request, schedule_id: Id, payload: ScheduleIn):
    caller = _agent(request)
    schedules.schedule_update(actor=caller.principal.agent, schedule_id=schedule_id,
                              spec=payload.spec(), now=caller.now)
    return _schedule(selectors.schedule_get(schedule_id), layers=True)


@router.get("/oncall/schedules/{schedule_id}/roster", response={200: list[ShiftOut], **ERRORS},
            summary="Who is on call from now (gaps included)")
def roster(request, schedule_id: Id, query: Query[RosterQuery]):
    caller = _agent(request)
    rows = selectors.roster(selectors.schedule_get(schedule_id), now=caller.now, days=query.days)
    return [ShiftOut(agent=r.agent.pk if r.agent else None,
                     agent_name=r.agent.name if r.agent else None, start=r.start, end=r.end,
                     local_start=r.local_start.isoformat(), local_end=r.local_end.isoformat(),
                     zone=r.zone, source=r.shift.source if r.shift else None, layer=r.layer)
            for r in rows]


@router.post("/oncall/schedules/{schedule_id}/layers", response={201: ScheduleOut, **ERRORS},
             summary="Add a layer (leads and administrators)")
def layer_add(request, schedule_id: Id, payload: LayerIn):
    caller = _agent(request)
    schedules.layer_save(actor=caller.principal.agent, schedule_id=schedule_id,
                         spec=payload.spec(), now=caller.now)
    return Status(201, _schedule(selectors.schedule_get(schedule_id), layers=True))


@router.put("/oncall/schedules/{schedule_id}/layers/{layer_id}",
            response={200: ScheduleOut, **ERRORS}, summary="Replace a layer")
def layer_replace(request, schedule_id: Id, layer_id: Id, payload: LayerIn):
    caller = _agent(request)
    schedules.layer_save(actor=caller.principal.agent, schedule_id=schedule_id,
                         layer_id=layer_id, spec=payload.spec(), now=caller.now)
    return _schedule(selectors.schedule_get(schedule_id), layers=True)


@router.delete("/oncall/schedules/{schedule_id}/layers/{layer_id}",
               response={204: None, **ERRORS}, summary="Remove a layer")
def layer_remove(request, schedule_id: Id, layer_id: Id):
    caller = _agent(request)
    schedules.layer_delete(actor=caller.principal.agent, schedule_id=schedule_id,
                           layer_id=layer_id, now=caller.now)
    return Status(204, None)


@router.post("/oncall/schedules/{schedule_id}/overrides", response={201: CreatedOut, **ERRORS},
             summary="Cover a period (yourself; a lead for anyone)")
def override_add(request, schedule_id: Id, payload: OverrideIn):
    caller = _agent(request)
    start, end = _period(schedule_id, payload)
    made = schedules.override_create(actor=caller.principal.agent, schedule_id=schedule_id,
                                     agent_id=payload.agent, start=start, end=end,
                                     reason=payload.reason, now=caller.now)
    return Status(201, CreatedOut(id=made.pk))


@router.delete("/oncall/schedules/{schedule_id}/overrides/{override_id}",
               response={204: None, **ERRORS}, summary="Remove an override")
def override_remove(request, schedule_id: Id, override_id: Id):
    caller = _agent(request)
    schedules.override_delete(actor=caller.principal.agent, schedule_id=schedule_id,
                              override_id=override_id, now=caller.now)
    return Status(204, None)


@router.post("/oncall/schedules/{schedule_id}/swaps", response={201: CreatedOut, **ERRORS},
             summary="Offer a swap (counts once the other agent accepts)")
def swap_add(request, schedule_id: Id, payload: SwapIn):
    caller = _agent(request)
    start, end = _period(schedule_id, payload)
    made = schedules.swap_propose(actor=caller.principal.agent, schedule_id=schedule_id,
                                  first_id=payload.first, second_id=payload.second,
                                  start=start, end=end, now=caller.now)
    return Status(201, CreatedOut(id=made.pk))


@router.post("/oncall/schedules/{schedule_id}/swaps/{swap_id}/decision",
             response={200: CreatedOut, **ERRORS}, summary="Accept or decline a swap")
def swap_decision(request, schedule_id: Id, swap_id: Id, payload: DecisionIn):
    caller = _agent(request)
    swap = schedules.swap_decide(actor=caller.principal.agent, schedule_id=schedule_id,
                                 swap_id=swap_id, accept=payload.accept, now=caller.now)
    return CreatedOut(id=swap.pk)


# --- pages -------------------------------------------------------------------------------------


@router.get("/oncall/pages", response={200: list[PageOut], **ERRORS}, summary="Recent pages")
def page_list(request, query: Query[PagesQuery]):
    _agent(request)
    return [_page(p) for p in selectors.pages_recent(state=query.state, limit=query.limit)]


@router.get("/oncall/pages/{page_id}", response={200: PageOut, **ERRORS},
            summary="One page with every notification")
def page_detail(request, page_id: Id):
    _agent(request)
    return _page(selectors.page_get(page_id), notifications=True)


@router.post("/oncall/pages/{page_id}/acknowledge", response={200: PageOut, **ERRORS},
             summary="Acknowledge a page: repeats and escalation stop")
def page_acknowledge(request, page_id: Id):
    caller = _agent(request)
    services.page_acknowledge(page_id=page_id, agent=caller.principal.agent, via="api",
                              now=caller.now)
    return _page(selectors.page_get(page_id), notifications=True)


@router.post("/oncall/pages/{page_id}/resolve", response={200: PageOut, **ERRORS},
             summary="Resolve a page")
def page_resolve(request, page_id: Id):
    caller = _agent(request)
    services.page_resolve(page_id=page_id, agent=caller.principal.agent, via="api",
                          now=caller.now)
    return _page(selectors.page_get(page_id), notifications=True)


# --- an agent's own ----------------------------------------------------------------------------


@router.post("/oncall/me/webhooks", response={201: SecretOut, **ERRORS},
             summary="Add a signed webhook pages are sent to")
def webhook_add(request, payload: WebhookIn):
    caller = _agent(request)
    method, secret = schedules.contact_method_add(agent=caller.principal.agent, url=payload.url,
                                                  routing_key=payload.routing_key,
                                                  now=caller.now)
    return Status(201, SecretOut(id=method.pk, secret=secret))


@router.delete("/oncall/me/webhooks/{method_id}", response={204: None, **ERRORS},
               summary="Stop sending pages to a webhook")
def webhook_remove(request, method_id: Id):
    caller = _agent(request)
    schedules.contact_method_remove(agent=caller.principal.agent, method_id=method_id,
                                    now=caller.now)
    return Status(204, None)


@router.post("/oncall/me/feeds", response={201: FeedOut, **ERRORS},
             summary="A new secret iCalendar feed address of your shifts")
def feed_add(request):
    caller = _agent(request)
    token = schedules.feed_token_issue(agent=caller.principal.agent, now=caller.now)
    return Status(201, FeedOut(url=request.build_absolute_uri(
        reverse("console:oncall_feed", args=[token]))))


@router.delete("/oncall/me/feeds/{feed_id}", response={204: None, **ERRORS},
               summary="Revoke a feed address")
def feed_remove(request, feed_id: Id):
    caller = _agent(request)
    schedules.feed_token_revoke(agent=caller.principal.agent, token_id=feed_id, now=caller.now)
    return Status(204, None)
