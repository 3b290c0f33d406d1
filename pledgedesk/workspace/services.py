"""What an agent does from the ticket page: send a reply, note or call with the property
changes made beside it, change properties alone, and keep a draft while typing.

A message overwrites nothing, so it is never refused because the ticket moved on: a customer
who writes while the agent types makes the agent's send go through, and the agent is told what
arrived meanwhile (the issue's demo bug). Property changes keep their conflict check, per
field: a change is refused only when someone else changed that same property since the page
was loaded (``PropertyConflict``, listing what they changed), so nothing is overwritten
silently and the agent's input can be re-applied on the current values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime

from django.core.files.base import File
from django.db import transaction

from pledgedesk.accounts.models import Agent, AgentGroup
from pledgedesk.errors import Conflict, InvalidInput
from pledgedesk.tickets import services as tickets
from pledgedesk.tickets.models import Message, Ticket
from pledgedesk.tickets.services import Actor, Change
from pledgedesk.versions.policies import policy_for
from pledgedesk.workspace import selectors
from pledgedesk.workspace.models import Draft

KINDS = ("reply", "note", "call")
# A send re-reads the ticket and tries again when another change lands between its read and
# its lock; more than this many in a row is a ticket too busy to change now.
ATTEMPTS = 3


@dataclass(frozen=True)
class Properties:
    """The ticket's properties as a page showed them (``loaded``) or as the agent wants them
    (``wanted``). ``assignee`` is an agent id, ``group`` a group key; None for none."""

    status: str
    priority: str
    assignee: int | None
    group: str | None

    @classmethod
    def of(cls, ticket: Ticket) -> Properties:
        return cls(status=ticket.status, priority=ticket.priority,
                   assignee=ticket.assignee_id, group=ticket.group.key if ticket.group else None)


FIELDS = tuple(f.name for f in fields(Properties))


class PropertyConflict(Conflict):
    """Someone else changed a property this agent changes, since the page was loaded.
    ``clashes`` holds ``(field, loaded, current)`` for each."""

    clashes: list[tuple[str, object, object]] = []

    @classmethod
    def of(cls, ticket: Ticket, clashes: list[tuple[str, object, object]]) -> PropertyConflict:
        names = ", ".join(field for field, _, _ in clashes)
        exc = cls(f"ticket {ticket.number} changed since you loaded it: someone else changed "
                  f"its {names}. Nothing was applied; your input is kept.", field="version")
        exc.clashes = clashes
        return exc


@dataclass(frozen=True)
class Sent:
    message: Message
    ticket: Ticket
    meanwhile: list[Message]  # what others wrote since the agent's page was loaded


def workspace_send(
    *, ticket: Ticket, actor: Actor, kind: str, body: str, files: Sequence[File] = (),
    wanted: Properties | None = None, loaded: Properties | None = None,
    loaded_version: int | None = None, ask_customer: bool = False, seen: int = 0,
    now: datetime,
) -> Sent:
    """Send a public reply (``kind`` "reply"), an internal note or a logged call, with the
    property changes the agent made beside it (``wanted`` against ``loaded``) in the same
    transaction, and clear the agent's draft. ``ask_customer`` on a reply moves the ticket to
    the status the policy names for asking the customer (Pending) unless a status was chosen.
    ``seen`` is the newest message the agent's page showed."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if kind != "reply" and ask_customer:
        raise InvalidInput("only a public reply can ask the customer", field="ask_customer")
    for attempt in range(ATTEMPTS):
        current = Ticket.objects.select_related("group", "policy_version").get(pk=ticket.pk)
        change = _change(current, wanted, loaded, loaded_version)
        if ask_customer and (change is None or change.status is None):
            status = policy_for(current.policy_version).status_after(current.status,
                                                                     "asking_customer")
            change = _with_status(change, status)
        try:
            message = _post(kind, ticket=current, actor=actor, body=body, files=files,
                            change=change, version=current.version, now=now)
        except Conflict as exc:
            if exc.field != "version" or attempt == ATTEMPTS - 1:
                raise
            _rewind(files)
            continue
        draft_clear(agent=actor.agent, ticket=current)
        return Sent(message=message, ticket=message.ticket, meanwhile=selectors.messages_since(
            ticket=current, seen=seen, excluding=message.pk))
    raise AssertionError("unreachable")  # pragma: no cover


def workspace_update(
    *, ticket: Ticket, actor: Actor, wanted: Properties, loaded: Properties | None,
    loaded_version: int | None, now: datetime,
) -> Ticket:
    """Change the ticket's properties alone, with the same per-field conflict check."""
    current = Ticket.objects.select_related("group").get(pk=ticket.pk)
    change = _change(current, wanted, loaded, loaded_version)
    if change is None:
        return current
    return tickets.ticket_update(ticket=current, actor=actor, change=change,
                                 expected_version=current.version, now=now)


def draft_save(*, agent, ticket: Ticket, kind: str, body: str, now: datetime) -> Draft | None:
    """Keep what the agent has typed; an emptied box deletes the draft."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    with transaction.atomic(durable=True):
        if not body.strip():
            Draft.objects.filter(agent=agent, ticket=ticket).delete()
            return None
        draft, _ = Draft.objects.update_or_create(
            agent=agent, ticket=ticket,
            defaults={"kind": kind, "body": body, "updated_at": now})
        return draft


def draft_clear(*, agent, ticket: Ticket) -> None:
    Draft.objects.filter(agent=agent, ticket=ticket).delete()


# --- internals -------------------------------------------------------------------------------


def _post(kind: str, *, ticket, actor, body, files, change, version, now) -> Message:
    given = {"ticket": ticket, "actor": actor, "files": files, "expected_version": version,
             "now": now}
    if kind == "reply":
        return tickets.ticket_reply(body=body, change=change, **given)
    if change is not None:  # a note or a call beside changes: the changes first (the reply
        # service takes them in its own transaction; the note and call services do not)
        ticket = tickets.ticket_update(ticket=ticket, actor=actor, change=change,
                                       expected_version=version, now=now)
        given.update(ticket=ticket, expected_version=ticket.version)
    if kind == "note":
        return tickets.ticket_note(body=body, **given)
    return tickets.ticket_log_call(summary=body, **given)


def _change(current: Ticket, wanted: Properties | None, loaded: Properties | None,
            loaded_version: int | None) -> Change | None:
    """The change from ``loaded`` to ``wanted``, refused if someone else changed one of those
    properties since. Without ``loaded`` (a client that sends only the version it read), any
    change at all since that version refuses a property change, as before."""
    if wanted is None:
        return None
    base = loaded or Properties.of(current)
    differs = [f for f in FIELDS if getattr(wanted, f) != getattr(base, f)]
    if not differs:
        return None
    if loaded is None:
        if loaded_version is not None and loaded_version != current.version:
            raise Conflict(f"ticket {current.number} changed since you loaded it (version "
                           f"{loaded_version}, now {current.version}); reload and try again",
                           field="version")
    else:
        now_is = Properties.of(current)
        clashes = [(f, getattr(loaded, f), getattr(now_is, f)) for f in differs
                   if getattr(now_is, f) not in (getattr(loaded, f), getattr(wanted, f))]
        if clashes:
            raise PropertyConflict.of(current, clashes)
    return _as_change(current, wanted, differs)


def _as_change(current: Ticket, wanted: Properties, differs: list[str]) -> Change:
    given: dict = {}
    if "status" in differs:
        given["status"] = wanted.status
    if "priority" in differs:
        given["priority"] = wanted.priority
    if "assignee" in differs:
        if wanted.assignee is None:
            given["unassign"] = current.assignee_id is not None
        else:
            given["assignee"] = _one(Agent.objects.filter(pk=wanted.assignee, active=True),
                                     "assignee")
    if "group" in differs and wanted.group is not None:
        given["group"] = _one(AgentGroup.objects.filter(key=wanted.group), "group")
    return Change(**given)


def _with_status(change: Change | None, status: str) -> Change:
    return Change(status=status) if change is None else replace(change, status=status)


def _one(queryset, field: str):
    found = queryset.first()
    if found is None:
        raise InvalidInput(f"no such {field}", field=field)
    return found


def _rewind(files: Sequence[File]) -> None:
    for file in files:
        file.seek(0)
