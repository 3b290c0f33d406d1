"""The engagement pipeline (FG-12): requested, quoted, quote signed with purchase order, project
manager, overview meeting, statement of work, scheduled, dedicated engineer, in progress, done.

The stages, which are required and what moving into each must record come from the policy
(``[engagements]``). Moves go forward; a required stage is never skipped (no scheduling without
a signed quote and PO); a customer makes only the moves the policy gives them
(``customer_may``: the signed quote). Every move is an ``EngagementMove`` with who and when,
written with the change in one transaction under the engagement's row lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import File
from django.db import transaction

from pledgedesk.accounts.models import Agent, Organisation
from pledgedesk.errors import Conflict, InvalidInput, PermissionDenied
from pledgedesk.outbox import services as outbox
from pledgedesk.policy.schema import EngagementSpec, StageSpec
from pledgedesk.proservices import rules
from pledgedesk.proservices.models import Engagement, EngagementDocument, EngagementMove
from pledgedesk.tickets.attachments import check_attachment_size, clean_filename
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import Actor

MAX_TITLE = 200
MAX_PO = 100
MOVE_MAIL_TOPIC = "ps-engagement-mail"


@dataclass(frozen=True)
class Facts:
    """What a move records; each stage's ``needs`` says which are required."""

    document: File | None = None
    po_number: str = ""
    project_manager: Agent | None = None
    engineer: Agent | None = None
    meeting_at: datetime | None = None
    scheduled_at: datetime | None = None


@dataclass(frozen=True)
class StageView:
    spec: StageSpec
    state: str  # "passed", "current", "skipped" or "ahead"


def spec_of(engagement: Engagement, *, now: datetime) -> EngagementSpec:
    return rules.engagement_spec(rules.policy_of(engagement.organisation, now=now))


def stages_of(engagement: Engagement, spec: EngagementSpec) -> list[StageView]:
    keys = [s.key for s in spec.stages]
    at = keys.index(engagement.stage) if engagement.stage in keys else -1
    return [StageView(s, "current" if i == at else "passed" if s.key in engagement.passed
                      else "skipped" if i < at else "ahead")
            for i, s in enumerate(spec.stages)]


def customer_moves(engagement: Engagement, spec: EngagementSpec) -> list[StageSpec]:
    """The moves a customer may make now (FG-12: return the signed quote with a PO)."""
    return [s for s in _ahead(engagement, spec) if s.customer_may
            and _skipped_required(engagement, spec, s.key) is None]


def engagement_request(*, organisation: Organisation, kind: str, title: str,
                       ticket: Ticket | None, actor: Actor, now: datetime) -> Engagement:
    """A customer or an agent asks for an engagement; it starts at the policy's first stage."""
    if actor.agent is None and (actor.contact is None
                                or actor.contact.organisation_id != organisation.pk):
        raise PermissionDenied("only agents or the organisation's contacts may ask",
                               field="organisation")
    spec = rules.engagement_spec(rules.policy_of(organisation, now=now))
    if kind not in spec.kinds:
        raise InvalidInput(f"unknown kind {kind!r} (known: {', '.join(spec.kinds)})",
                           field="kind")
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(f"title must be 1 to {MAX_TITLE} characters", field="title")
    if ticket is not None and ticket.organisation_id != organisation.pk:
        raise InvalidInput("the ticket belongs to another organisation", field="ticket")
    first = spec.stages[0].key
    with transaction.atomic(durable=True):
        made = Engagement.objects.create(
            organisation=organisation, ticket=ticket, kind=kind, title=title, stage=first,
            passed=[first], created_at=now, stage_changed_at=now)
        EngagementMove.objects.create(engagement=made, to_stage=first, agent=actor.agent,
                                      contact=actor.contact, at=now)
        return made


def engagement_move(*, engagement: Engagement, to_stage: str, actor: Actor, facts: Facts,
                    expected_version: int | None, now: datetime) -> Engagement:
    """Move ``engagement`` forward to ``to_stage`` with what that stage needs."""
    spec = spec_of(engagement, now=now)
    target = next((s for s in spec.stages if s.key == to_stage), None)
    if target is None:
        raise InvalidInput(f"unknown stage {to_stage!r} (known: "
                           f"{', '.join(s.key for s in spec.stages)})", field="stage")
    _may_move(actor, engagement, target)
    _check_facts(target, facts)
    with transaction.atomic(durable=True):
        fresh = Engagement.objects.select_for_update().get(pk=engagement.pk)
        if expected_version is not None and fresh.version != expected_version:
            raise Conflict(f"the engagement changed since you loaded it (version "
                           f"{expected_version}, now {fresh.version}); reload and try again",
                           field="version")
        if target not in _ahead(fresh, spec):
            raise Conflict(f"the engagement is at {fresh.stage!r}; it moves forward only",
                           field="stage")
        missing = _skipped_required(fresh, spec, to_stage)
        if missing is not None:
            raise Conflict(f"{missing.label!r} is required before {target.label!r}",
                           field="stage")
        return _apply(fresh, target, actor, facts, now)


def _ahead(engagement: Engagement, spec: EngagementSpec) -> list[StageSpec]:
    keys = [s.key for s in spec.stages]
    at = keys.index(engagement.stage) if engagement.stage in keys else -1
    return list(spec.stages[at + 1:])


def _skipped_required(engagement: Engagement, spec: EngagementSpec,
                      to_stage: str) -> StageSpec | None:
    for stage in _ahead(engagement, spec):
        if stage.key == to_stage:
            return None
        if stage.required and stage.key not in engagement.passed:
            return stage
    return None


def _may_move(actor: Actor, engagement: Engagement, target: StageSpec) -> None:
    if actor.agent is not None and actor.agent.active:
        return
    contact = actor.contact
    org = engagement.organisation
    if (contact is None or contact.organisation_id != org.pk
            or contact.pk not in (org.primary_contact_id, org.administrator_id)):
        raise PermissionDenied("only agents and the primary contact may move engagements",
                               field="stage")
    if not target.customer_may:
        raise PermissionDenied(f"{target.label!r} is a move for our team", field="stage")


def _check_facts(target: StageSpec, facts: Facts) -> None:
    for need in target.needs:
        value = getattr(facts, need)
        if value in (None, ""):
            raise InvalidInput(f"{target.label!r} needs {need.replace('_', ' ')}", field=need)
    if len(facts.po_number) > MAX_PO:
        raise InvalidInput(f"po_number is longer than {MAX_PO} characters", field="po_number")
    for field in ("project_manager", "engineer"):
        person = getattr(facts, field)
        if person is not None and not person.active:
            raise InvalidInput(f"{person} is not an active agent", field=field)
    if facts.document is not None:
        check_attachment_size(facts.document.size)


def _apply(engagement: Engagement, target: StageSpec, actor: Actor, facts: Facts,
           now: datetime) -> Engagement:
    recorded: dict = {}
    if facts.po_number.strip():
        engagement.po_number = recorded["po_number"] = facts.po_number.strip()
    for field in ("project_manager", "engineer"):
        if getattr(facts, field) is not None:
            setattr(engagement, field, getattr(facts, field))
            recorded[field] = getattr(facts, field).pk
    for field in ("meeting_at", "scheduled_at"):
        if getattr(facts, field) is not None:
            setattr(engagement, "overview_at" if field == "meeting_at" else field,
                    getattr(facts, field))
            recorded[field] = getattr(facts, field).isoformat()
    if facts.document is not None:
        name = clean_filename(getattr(facts.document, "name", "") or "document")
        doc = EngagementDocument(engagement=engagement, stage=target.key, filename=name,
                                 size=facts.document.size, uploaded_at=now)
        doc.file.save(name, facts.document, save=False)
        doc.save(force_insert=True)
        recorded["document"] = name
    move = EngagementMove.objects.create(engagement=engagement, from_stage=engagement.stage,
                                         to_stage=target.key, agent=actor.agent,
                                         contact=actor.contact, facts=recorded, at=now)
    _tell_customer(engagement, move, now)
    engagement.stage, engagement.stage_changed_at = target.key, now
    engagement.passed = [*engagement.passed, target.key]
    engagement.version += 1
    engagement.save()
    return engagement


def _tell_customer(engagement: Engagement, move: EngagementMove, now: datetime) -> None:
    """FG-12: the organisation's primary contact is mailed each move our team makes (quoted,
    scheduled, engineer assigned, done...), through the outbox in the move's transaction and
    keyed by the move, so each move is told once. Their own move (the signed quote) is not
    mailed back to them: the portal confirms it."""
    primary = engagement.organisation.primary_contact_id
    if primary is None or move.contact_id is not None:
        return
    outbox.enqueue(topic=MOVE_MAIL_TOPIC, organisation_id=engagement.organisation_id, now=now,
                   key=f"mail:ps-engagement:move:{move.pk}",
                   payload={"template": "ps_engagement_move", "move": move.pk,
                            "contact": primary})
