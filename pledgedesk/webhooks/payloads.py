"""The JSON a subscriber receives for a ticket event (documented in docs/webhooks.md).

``{"type": "ticket.<kind>", "timestamp": <the event's instant>, "data": {"event", "ticket",
"message"?}}``, the Standard Webhooks envelope. A subscription that did not opt into internal
events gets what the ticket's own contacts may read and nothing more: the event's public facts
(``tickets.events``), the ticket's public fields, and a message only when it is public. An
internal note, a logged call, the assignee, group and tags reach only a subscription with
``include_internal``; no subscription receives e-mail addresses, phone numbers or attachments'
bytes (the API has them, behind its own permission check).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pledgedesk.tickets.events import EventKind, public_facts
from pledgedesk.tickets.models import Message, Ticket, TicketEvent

MAX_BODY_CHARS = 16_000  # a message body longer than this is cut (the spec: keep under ~20 kB)
TYPE_PREFIX = "ticket."


def event_type(kind: str) -> str:
    return TYPE_PREFIX + kind


def is_internal(kind: str) -> bool:
    member = EventKind.of(kind)
    return member is None or member.internal


def body_for(event: TicketEvent, message: Message | None, *, internal: bool) -> dict:
    """The whole message for ``event``; ``internal`` says whether the subscriber may read
    internal work."""
    ticket = event.ticket
    data = {"event": _event(event, internal), "ticket": _ticket(ticket, internal)}
    if event.kind == EventKind.CREATED:  # what was asked: the reason the ticket exists
        data["ticket"]["description"] = ticket.description[:MAX_BODY_CHARS]
    if message is not None and (internal or message.visibility == Message.Visibility.PUBLIC):
        data["message"] = _message(message)
    return {"type": event_type(event.kind), "timestamp": iso(event.at), "data": data}


def dumps(body: dict) -> str:
    """The exact text sent and signed: compact, UTF-8, keys in the order built."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def iso(at: datetime | None) -> str | None:
    if at is None:
        return None
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _event(event: TicketEvent, internal: bool) -> dict:
    if internal:
        old, new = event.old, event.new
    else:
        old, new = public_facts(event.kind, event.old), public_facts(event.kind, event.new)
    return {"id": event.pk, "kind": event.kind, "at": iso(event.at),
            "channel": event.channel or None,
            "actor": _person(event.actor_agent, event.actor_contact), "old": old, "new": new}


def _ticket(ticket: Ticket, internal: bool) -> dict:
    org = ticket.organisation
    found = {
        "number": ticket.number, "subject": ticket.subject, "status": ticket.status,
        "status_category": ticket.status_category, "priority": ticket.priority,
        "channel": ticket.channel, "topic": ticket.topic or None,
        "organisation": {"id": org.pk, "name": org.name} if org else None,
        "requester": _person(None, ticket.requester),
        "received_at": iso(ticket.received_at), "updated_at": iso(ticket.updated_at),
    }
    if internal:
        found["internal"] = {
            "assignee": _person(ticket.assignee, None),
            "group": ticket.group.key if ticket.group else None,
            "tags": list(ticket.tags), "plan": ticket.plan,
        }
    return found


def _message(message: Message) -> dict:
    body = message.body
    return {"id": message.pk, "visibility": message.visibility, "channel": message.channel,
            "author": _person(message.author_agent, message.author_contact),
            "created_at": iso(message.created_at), "body": body[:MAX_BODY_CHARS],
            "truncated": len(body) > MAX_BODY_CHARS}


def _person(agent, contact) -> dict | None:
    if agent is not None:
        return {"type": "agent", "id": agent.pk, "name": agent.name}
    if contact is not None:
        return {"type": "contact", "id": contact.pk, "name": contact.name}
    return None
