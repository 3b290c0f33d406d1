"""Creating, changing, deleting and applying macros. A personal macro is changed only by its
owner; a shared one by the agent who made it or a support lead/administrator."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from pledgedesk.accounts.models import Agent, AgentGroup
from pledgedesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pledgedesk.macros import placeholders
from pledgedesk.macros.models import MAX_BODY, MAX_NAME, MAX_TAGS, Macro
from pledgedesk.macros.selectors import macro_filled
from pledgedesk.tickets.models import Message, Ticket
from pledgedesk.tickets.services import Actor, Change, ticket_reply

KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
MANAGERS = (Agent.Role.SUPPORT_LEAD, Agent.Role.ADMINISTRATOR)


@dataclass(frozen=True)
class MacroSpec:
    """A macro as given by a door, checked by ``_checked``."""

    name: str
    body: str
    shared: bool = False
    status: str = ""
    priority: str = ""
    group: str = ""
    tags: Sequence[str] = ()


def macro_create(*, agent: Agent, spec: MacroSpec, now: datetime) -> Macro:
    fields = _checked(spec)
    macro = Macro(owner=None if spec.shared else agent, created_by=agent, created_at=now,
                  updated_at=now, **fields)
    return _saved(macro)


def macro_update(*, agent: Agent, macro_id: int, spec: MacroSpec, now: datetime) -> Macro:
    fields = _checked(spec)
    with transaction.atomic():
        macro = _own(agent, macro_id, "change")
        if spec.shared != macro.shared:
            if spec.shared:
                _may_share(agent, macro)
            macro.owner = None if spec.shared else agent
        for key, value in fields.items():
            setattr(macro, key, value)
        macro.updated_at = now
        return _saved(macro)


def macro_delete(*, agent: Agent, macro_id: int) -> None:
    with transaction.atomic():
        _own(agent, macro_id, "delete").delete()


def macro_apply(*, ticket: Ticket, actor: Actor, macro: Macro, expected_version: int | None,
                now: datetime) -> Message:
    """Send the macro's reply on ``ticket`` with its field changes, in one ticket change."""
    filled = macro_filled(macro=macro, ticket=ticket, agent=actor.agent, now=now)
    group = AgentGroup.objects.filter(key=filled.group).first() if filled.group else None
    change = Change(status=filled.status, priority=filled.priority, group=group,
                    tags=filled.tags if macro.tags else None)
    return ticket_reply(ticket=ticket, actor=actor, body=filled.body, change=change,
                        expected_version=expected_version, now=now)


def _checked(spec: MacroSpec) -> dict:
    name, body = spec.name.strip(), spec.body
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"name must be 1 to {MAX_NAME} characters", field="name")
    if not body.strip() or len(body) > MAX_BODY:
        raise InvalidInput(f"body must be 1 to {MAX_BODY} characters", field="body")
    if bad := placeholders.unknown(body):
        raise InvalidInput(f"unknown placeholder {{{{{bad[0]}}}}}; known: "
                           f"{', '.join(placeholders.PLACEHOLDERS)}", field="body")
    for field in ("status", "priority"):
        value = getattr(spec, field)
        if value and not KEY.match(value):
            raise InvalidInput(f"{field} must be a policy key", field=field)
    tags = sorted({t.strip().lower() for t in spec.tags if t.strip()})
    if len(tags) > MAX_TAGS or any(not KEY.match(t) for t in tags):
        raise InvalidInput(f"tags: at most {MAX_TAGS}, each a-z, 0-9, - or _", field="tags")
    group = None
    if spec.group:
        group = AgentGroup.objects.filter(key=spec.group).first()
        if group is None:
            raise InvalidInput(f"no group {spec.group!r}", field="group")
    return {"name": name, "body": body, "status": spec.status, "priority": spec.priority,
            "group": group, "tags": tags}


def _own(agent: Agent, macro_id: int, what: str) -> Macro:
    """The macro, locked, if ``agent`` may ``what`` it. Someone else's personal macro is
    "not found"; a shared one someone else made is refused unless the agent manages them."""
    macro = Macro.objects.select_for_update().filter(pk=macro_id).first()
    if macro is None or (macro.owner_id is not None and macro.owner_id != agent.pk):
        raise NotFound(f"macro {macro_id} not found")
    if macro.shared:
        _may_share(agent, macro, what)
    return macro


def _may_share(agent: Agent, macro: Macro, what: str = "share") -> None:
    if macro.created_by_id == agent.pk or any(agent.has_role(r) for r in MANAGERS):
        return
    raise PermissionDenied(f"only its author or a support lead can {what} a shared macro")


def _saved(macro: Macro) -> Macro:
    try:
        with transaction.atomic():
            macro.save()
    except IntegrityError:
        raise Conflict(f"a macro named {macro.name!r} exists already", field="name") from None
    return macro
