"""Reads of on-call data. Every "who is on call" answer (paging, the roster page, the feed, the
API) goes through ``rota_for`` and ``rotation.timeline``, never its own copy of the rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet

from pledgedesk.accounts.models import Agent
from pledgedesk.errors import NotFound
from pledgedesk.oncall import rotation
from pledgedesk.oncall.models import (
    FeedToken,
    Layer,
    LayerMember,
    Override,
    Page,
    PageNotification,
    Schedule,
    Swap,
)
from pledgedesk.oncall.tokens import digest

ROSTER_DAYS = 28  # "who is on call now and for the next four weeks"
PAGE_LIST = 100


def schedules_all() -> list[Schedule]:
    return list(Schedule.objects.select_related("lead").order_by("name", "id"))


def schedule_get(schedule_id: int) -> Schedule:
    schedule = (Schedule.objects.select_related("lead").prefetch_related(_LAYERS)
                .filter(pk=schedule_id).first())
    if schedule is None:
        raise NotFound(f"schedule {schedule_id} not found", field="schedule")
    return schedule


def schedule_for_policy(policy_key: str) -> Schedule | None:
    return (Schedule.objects.select_related("lead").prefetch_related(_LAYERS)
            .filter(policy_key=policy_key).first())


_LAYERS = Prefetch("layers", queryset=Layer.objects.prefetch_related(
    Prefetch("members", queryset=LayerMember.objects.select_related("agent"))))


def layer_rotation(layer: Layer) -> rotation.Layer:
    restriction = ()
    if layer.restrict_days and layer.restrict_start is not None and layer.restrict_end:
        restriction = (rotation.Window(days=frozenset(layer.restrict_days),
                                       start=layer.restrict_start, end=layer.restrict_end),)
    return rotation.Layer(
        key=layer.pk, level=layer.level,
        # an agent who left takes no turns (their turns go to the others)
        members=tuple(m.agent_id for m in layer.members.all() if m.agent.active),
        every=layer.every, unit=layer.unit,
        handoff=datetime.combine(layer.handoff_date, layer.handoff_time),
        restriction=restriction)


def rota_for(schedule: Schedule, *, start: datetime, end: datetime) -> rotation.Rota:
    """The schedule as ``rotation`` reads it, with the overrides and accepted swaps that
    touch [start, end)."""
    overrides = (Override.objects.filter(schedule=schedule, end__gt=start, start__lt=end)
                 .order_by("created_at", "id"))
    swaps = (Swap.objects.filter(schedule=schedule, state=Swap.State.ACCEPTED, end__gt=start,
                                 start__lt=end).order_by("decided_at", "id"))
    return rotation.Rota(
        zone=schedule.zone,
        layers=tuple(layer_rotation(la) for la in schedule.layers.all()),
        swaps=tuple(rotation.Swap(first=s.first_id, second=s.second_id, start=s.start,
                                  end=s.end) for s in swaps),
        overrides=tuple(rotation.Override(agent=o.agent_id, start=o.start, end=o.end)
                        for o in overrides))


@dataclass(frozen=True)
class RosterRow:
    shift: rotation.Shift | None  # None: nobody is on call (a gap)
    start: datetime
    end: datetime
    agent: Agent | None
    layer: str
    zone: str

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(ZoneInfo(self.zone))

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(ZoneInfo(self.zone))

    @property
    def start_text(self) -> str:
        return wall_text(self.local_start)

    @property
    def end_text(self) -> str:
        return wall_text(self.local_end)


def wall_text(local: datetime) -> str:
    """``Mon 5 Jan 2026, 08:00 CST``: a wall time with its zone's abbreviation."""
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local:%Z}"


def roster(schedule: Schedule, *, now: datetime, days: int = ROSTER_DAYS) -> list[RosterRow]:
    """Who is on call from ``now`` for ``days`` days, gaps included (the future only)."""
    end = now + timedelta(days=days)
    shifts = rotation.timeline(rota_for(schedule, start=now, end=end), now, end)
    agents = Agent.objects.in_bulk({s.agent for s in shifts})
    names = {la.pk: la.name for la in schedule.layers.all()}
    rows = [RosterRow(shift=s, start=s.start, end=s.end, agent=agents.get(s.agent),
                      layer=names.get(s.layer, s.source), zone=schedule.zone) for s in shifts]
    rows += [RosterRow(shift=None, start=a, end=b, agent=None, layer="", zone=schedule.zone)
             for a, b in rotation.gaps(shifts, now, end)]
    return sorted(rows, key=lambda r: r.start)


def responders(schedule: Schedule, *, at: datetime) -> list[int]:
    """Whom a page at ``at`` goes to, in order, then the schedule's lead."""
    order = rotation.responders_at(rota_for(schedule, start=at, end=at + timedelta(hours=1)),
                                   at)
    if schedule.lead_id is not None and schedule.lead_id not in order:
        order.append(schedule.lead_id)
    return order


def agent_shifts(agent: Agent, *, start: datetime, end: datetime,
                 ) -> list[tuple[Schedule, rotation.Shift]]:
    """``agent``'s shifts over [start, end) in every schedule they are on (the feed)."""
    found = []
    for schedule in Schedule.objects.prefetch_related(_LAYERS).order_by("id"):
        shifts = rotation.timeline(rota_for(schedule, start=start, end=end), start, end)
        found += [(schedule, s) for s in shifts if s.agent == agent.pk]
    return sorted(found, key=lambda pair: pair[1].start)


def feed_agent(token: str) -> Agent:
    """The active agent a live feed token belongs to; NotFound for anything else."""
    row = (FeedToken.objects.select_related("agent")
           .filter(digest=digest(token), revoked_at__isnull=True, agent__active=True).first())
    if row is None:
        raise NotFound("no such feed")
    return row.agent


def feed_tokens(agent: Agent) -> QuerySet:
    return FeedToken.objects.filter(agent=agent).order_by("-created_at", "-id")


def pages_recent(*, state: str | None = None, limit: int = PAGE_LIST) -> list[Page]:
    pages = Page.objects.select_related("ticket", "schedule", "acknowledged_by")
    if state:
        pages = pages.filter(state=state)
    return list(pages.order_by("-created_at", "-id")[:limit])


def page_get(page_id: int) -> Page:
    page = (Page.objects.select_related("ticket", "schedule", "acknowledged_by")
            .prefetch_related("notifications__agent").filter(pk=page_id).first())
    if page is None:
        raise NotFound(f"page {page_id} not found", field="page")
    return page


def swaps_open(schedule: Schedule, *, now: datetime) -> list[Swap]:
    return list(Swap.objects.filter(schedule=schedule, end__gt=now)
                .select_related("first", "second").order_by("start", "id"))


def overrides_open(schedule: Schedule, *, now: datetime) -> list[Override]:
    return list(Override.objects.filter(schedule=schedule, end__gt=now)
                .select_related("agent").order_by("start", "id"))


def day_start(day: date, zone: str) -> datetime:
    """Midnight of ``day`` in the schedule's zone, as an instant (grafana oncall#4688)."""
    return rotation.wall_instant(datetime.combine(day, datetime.min.time()), zone)


def ack_link(token: str) -> PageNotification | None:
    """The notification an acknowledge link belongs to (to show before the button is
    pressed: a GET never acknowledges, link scanners open every link)."""
    return (PageNotification.objects.select_related("page__ticket", "page__acknowledged_by",
                                                    "agent")
            .filter(ack_digest=digest(token)).first())


def contact_methods(agent: Agent) -> QuerySet:
    return agent.oncall_methods.filter(enabled=True).order_by("id")
