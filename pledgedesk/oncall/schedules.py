"""Editing on-call schedules (FG-11): schedules and layers by leads and administrators;
overrides, swaps, contact methods and feed tokens by agents for themselves (a lead for anyone).
Keyword-only functions, one transaction each, taking ``now``; bad input is an InvalidInput
naming the field, and nothing is half-written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction

from pledgedesk.accounts.models import Agent
from pledgedesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pledgedesk.oncall import tokens
from pledgedesk.oncall.models import (
    ContactMethod,
    FeedToken,
    Layer,
    LayerMember,
    Override,
    Schedule,
    Swap,
)
from pledgedesk.versions.policies import policy_path

EDITORS = (Agent.Role.SUPPORT_LEAD, Agent.Role.ADMINISTRATOR)
MAX_EVERY = 52
MAX_MEMBERS = 100
MAX_TIMEOUT = 24 * 60
MAX_REPEATS = 10


def may_edit(agent: Agent) -> bool:
    """Leads and administrators edit schedules and anyone's overrides and swaps."""
    return agent.active and any(agent.has_role(role) for role in EDITORS)


def _require_editor(agent: Agent) -> None:
    if not may_edit(agent):
        raise PermissionDenied("only a support lead or an administrator can edit schedules")


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    zone: str
    lead_id: int | None = None
    ack_timeout_minutes: int = 15
    repeats: int = 2


def schedule_create(*, actor: Agent, policy_key: str, spec: ScheduleSpec,
                    now: datetime) -> Schedule:
    _require_editor(actor)
    if not policy_path(policy_key).is_file():
        raise InvalidInput(f"no support policy {policy_key!r}", field="policy_key")
    schedule = Schedule(policy_key=policy_key, created_at=now)
    _apply(schedule, spec)
    try:
        with transaction.atomic(durable=True):
            schedule.save(force_insert=True)
    except IntegrityError:
        raise Conflict(f"the policy {policy_key!r} already has a schedule",
                       field="policy_key") from None
    return schedule


def schedule_update(*, actor: Agent, schedule_id: int, spec: ScheduleSpec,
                    now: datetime) -> Schedule:
    _require_editor(actor)
    with transaction.atomic(durable=True):
        schedule = _schedule(schedule_id, lock=True)
        _apply(schedule, spec)
        schedule.save()
    return schedule


def _apply(schedule: Schedule, spec: ScheduleSpec) -> None:
    schedule.name = _text(spec.name, "name", 200)
    schedule.zone = _zone(spec.zone)
    schedule.lead = _agent(spec.lead_id, "lead") if spec.lead_id is not None else None
    schedule.ack_timeout_minutes = _bounded(spec.ack_timeout_minutes, "ack_timeout_minutes", 1,
                                            MAX_TIMEOUT)
    schedule.repeats = _bounded(spec.repeats, "repeats", 0, MAX_REPEATS)


@dataclass(frozen=True)
class LayerSpec:
    name: str
    level: int
    every: int
    unit: str
    handoff_date: date
    handoff_time: time
    member_ids: tuple[int, ...]
    restrict_days: tuple[int, ...] = ()
    restrict_start: time | None = None
    restrict_end: time | None = None


def layer_save(*, actor: Agent, schedule_id: int, spec: LayerSpec, layer_id: int | None = None,
               now: datetime) -> Layer:
    """Create a layer, or replace ``layer_id``'s settings and members."""
    _require_editor(actor)
    members = _members(spec.member_ids)
    _check_restriction(spec)
    with transaction.atomic(durable=True):
        schedule = _schedule(schedule_id, lock=True)
        layer = Layer(schedule=schedule) if layer_id is None else _layer(schedule, layer_id)
        layer.name = _text(spec.name, "name", 100)
        layer.level = _bounded(spec.level, "level", -1000, 1000)
        layer.every = _bounded(spec.every, "every", 1, MAX_EVERY)
        if spec.unit not in Layer.Unit.values:
            raise InvalidInput("unit must be days or weeks", field="unit")
        layer.unit = spec.unit
        layer.handoff_date, layer.handoff_time = spec.handoff_date, spec.handoff_time
        layer.restrict_days = sorted(set(spec.restrict_days))
        layer.restrict_start, layer.restrict_end = spec.restrict_start, spec.restrict_end
        if Layer.objects.filter(schedule=schedule, level=layer.level).exclude(pk=layer.pk).exists():
            raise InvalidInput(f"another layer already has level {layer.level}", field="level")
        layer.save()
        LayerMember.objects.filter(layer=layer).delete()
        LayerMember.objects.bulk_create([LayerMember(layer=layer, agent=a, position=i)
                                         for i, a in enumerate(members)])
    return layer


def layer_delete(*, actor: Agent, schedule_id: int, layer_id: int, now: datetime) -> None:
    _require_editor(actor)
    with transaction.atomic(durable=True):
        _layer(_schedule(schedule_id, lock=True), layer_id).delete()


def _members(ids) -> list[Agent]:
    if not ids:
        raise InvalidInput("a layer needs at least one member", field="members")
    if len(ids) > MAX_MEMBERS or len(set(ids)) != len(ids):
        raise InvalidInput(f"members must be up to {MAX_MEMBERS} different agents",
                           field="members")
    found = Agent.objects.in_bulk(ids)
    missing = [i for i in ids if i not in found or not found[i].active]
    if missing:
        raise InvalidInput(f"no active agent {missing[0]}", field="members")
    return [found[i] for i in ids]


def _check_restriction(spec: LayerSpec) -> None:
    if any(d not in range(7) for d in spec.restrict_days):
        raise InvalidInput("restriction days are 0 (Monday) to 6 (Sunday)",
                           field="restrict_days")
    given = [spec.restrict_start is not None, spec.restrict_end is not None,
             bool(spec.restrict_days)]
    if any(given) and not all(given):
        raise InvalidInput("a restriction needs days, a start and an end",
                           field="restrict_days")
    if all(given) and spec.restrict_start == spec.restrict_end:
        raise InvalidInput("a restriction's start and end must differ", field="restrict_end")


# --- overrides and swaps -----------------------------------------------------------------------


def override_create(*, actor: Agent, schedule_id: int, agent_id: int, start: datetime,
                    end: datetime, reason: str = "", now: datetime) -> Override:
    """``agent_id`` covers the schedule over [start, end): an agent for themself, a lead for
    anyone."""
    agent = _agent(agent_id, "agent")
    if agent.pk != actor.pk:
        _require_editor(actor)
    _check_period(start, end, now)
    with transaction.atomic(durable=True):
        return Override.objects.create(
            schedule=_schedule(schedule_id, lock=True), agent=agent, start=start, end=end,
            reason=_text(reason, "reason", 200, required=False), created_by=actor,
            created_at=now)


def override_delete(*, actor: Agent, schedule_id: int, override_id: int,
                    now: datetime) -> None:
    with transaction.atomic(durable=True):
        row = Override.objects.filter(pk=override_id, schedule_id=schedule_id).first()
        if row is None:
            raise NotFound(f"override {override_id} not found", field="override")
        if actor.pk not in (row.agent_id, row.created_by_id):
            _require_editor(actor)
        row.delete()


def swap_propose(*, actor: Agent, schedule_id: int, first_id: int, second_id: int,
                 start: datetime, end: datetime, now: datetime) -> Swap:
    """``first_id`` offers to exchange shifts with ``second_id`` over [start, end); it counts
    once ``second_id`` (or a lead) accepts. A lead's swap is accepted at once."""
    first, second = _agent(first_id, "first"), _agent(second_id, "second")
    if first.pk == second.pk:
        raise InvalidInput("a swap needs two different agents", field="second")
    if actor.pk != first.pk:
        _require_editor(actor)
    _check_period(start, end, now)
    lead = may_edit(actor)
    with transaction.atomic(durable=True):
        return Swap.objects.create(
            schedule=_schedule(schedule_id, lock=True), first=first, second=second,
            start=start, end=end, created_by=actor, created_at=now,
            state=Swap.State.ACCEPTED if lead else Swap.State.PROPOSED,
            decided_by=actor if lead else None, decided_at=now if lead else None)


def swap_decide(*, actor: Agent, schedule_id: int, swap_id: int, accept: bool,
                now: datetime) -> Swap:
    with transaction.atomic(durable=True):
        swap = Swap.objects.select_for_update().filter(pk=swap_id,
                                                       schedule_id=schedule_id).first()
        if swap is None:
            raise NotFound(f"swap {swap_id} not found", field="swap")
        if actor.pk != swap.second_id:
            _require_editor(actor)
        if swap.state != Swap.State.PROPOSED:
            raise Conflict(f"swap {swap_id} is already {swap.state}", field="swap")
        swap.state = Swap.State.ACCEPTED if accept else Swap.State.DECLINED
        swap.decided_by, swap.decided_at = actor, now
        swap.save(update_fields=["state", "decided_by", "decided_at"])
    return swap


def _check_period(start: datetime, end: datetime, now: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("start and end need a zone", field="start")
    if end <= start:
        raise InvalidInput("end must be after start", field="end")
    if end <= now:
        raise InvalidInput("the period has already ended", field="end")


# --- an agent's own: contact methods and feeds -------------------------------------------------


def contact_method_add(*, agent: Agent, url: str, routing_key: str = "",
                       now: datetime) -> tuple[ContactMethod, str]:
    """A signed webhook to page ``agent`` through; returns it and its secret (shown once)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise InvalidInput("the webhook URL must be an http or https URL", field="url")
    secret = tokens.new_webhook_secret()
    with transaction.atomic(durable=True):
        method = ContactMethod.objects.create(
            agent=agent, url=url.strip(), secret=secret, created_at=now,
            routing_key=_text(routing_key, "routing_key", 64, required=False))
    return method, secret


def contact_method_remove(*, agent: Agent, method_id: int, now: datetime) -> None:
    with transaction.atomic(durable=True):
        if not ContactMethod.objects.filter(pk=method_id, agent=agent).update(enabled=False):
            raise NotFound(f"contact method {method_id} not found", field="method")


def feed_token_issue(*, agent: Agent, now: datetime) -> str:
    """A new secret feed URL token for ``agent`` (shown once; only its digest is kept)."""
    raw = tokens.new_token()
    with transaction.atomic(durable=True):
        FeedToken.objects.create(agent=agent, digest=tokens.digest(raw), created_at=now)
    return raw


def feed_token_revoke(*, agent: Agent, token_id: int, now: datetime) -> None:
    with transaction.atomic(durable=True):
        if not (FeedToken.objects.filter(pk=token_id, agent=agent, revoked_at__isnull=True)
                .update(revoked_at=now)):
            raise NotFound(f"feed {token_id} not found", field="feed")


# --- helpers -----------------------------------------------------------------------------------


def _schedule(schedule_id: int, *, lock: bool = False) -> Schedule:
    rows = Schedule.objects.select_for_update() if lock else Schedule.objects
    schedule = rows.filter(pk=schedule_id).first()
    if schedule is None:
        raise NotFound(f"schedule {schedule_id} not found", field="schedule")
    return schedule


def _layer(schedule: Schedule, layer_id: int) -> Layer:
    layer = Layer.objects.filter(pk=layer_id, schedule=schedule).first()
    if layer is None:
        raise NotFound(f"layer {layer_id} not found", field="layer")
    return layer


def _agent(agent_id: int, field_name: str) -> Agent:
    agent = Agent.objects.filter(pk=agent_id, active=True).first()
    if agent is None:
        raise InvalidInput(f"no active agent {agent_id}", field=field_name)
    return agent


def _zone(zone: str) -> str:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"not an IANA time zone: {zone!r}", field="zone") from None
    return zone


def _text(value: str, field_name: str, length: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"{field_name} must not be empty", field=field_name)
    if len(value) > length:
        raise InvalidInput(f"{field_name} is longer than {length} characters", field=field_name)
    return value


def _bounded(value: int, field_name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"{field_name} must be a whole number from {low} to {high}",
                           field=field_name)
    return value
