"""Merging one ticket into another (issue 16): a duplicate's conversation continues in the
ticket it duplicates.

The merged ticket's messages (with their files) move to the target and the search index of
both is rebuilt; its history stays where it happened (events are append-only and the SLA
engine reads each ticket's own), and each ticket records the merge: ``merged_into`` on the
merged one (public: the customer's mail names the target), ``merged_from`` on the target. The
merged ticket is closed with ``merged_into`` set, its requester is copied on the target so they
can follow it there, and the requester is told by mail (``channels.outbound``). Never across
organisations.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from pledgedesk.errors import Conflict, InvalidInput
from pledgedesk.tickets import search
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Attachment, Message, Ticket
from pledgedesk.tickets.services import (
    Actor,
    _event,
    _follow_administrator,
    _lock,
    _require_agent,
    _save,
    _set_status,
)
from pledgedesk.versions.policies import policy_for


def ticket_merge(*, source: Ticket, target: Ticket, actor: Actor,
                 expected_version: int | None, now: datetime) -> Ticket:
    """Merge ``source`` (at ``expected_version``) into ``target``; returns the target."""
    _require_agent(actor)
    if source.pk == target.pk:
        raise InvalidInput("a ticket cannot be merged into itself", field="target")
    with transaction.atomic(durable=True):
        # Both rows locked in id order, so two merges of the same pair cannot deadlock.
        first, second = sorted((source, target), key=lambda t: t.pk)
        locked = {t.pk: t for t in (_lock(first, None, now)[0], _lock(second, None, now)[0])}
        source, target = locked[source.pk], locked[target.pk]
        if expected_version is not None and source.version != expected_version:
            raise Conflict(f"ticket {source.number} changed since you loaded it (version "
                           f"{expected_version}, now {source.version}); reload and try again",
                           field="version")
        if source.organisation_id != target.organisation_id:
            raise InvalidInput("tickets of different organisations are never merged",
                               field="target")
        now = max(now, source.updated_at, target.updated_at)
        moved = _move_conversation(source, target)
        _event(source, actor, EventKind.MERGED_INTO, now, new={"into": target.number})
        _event(target, actor, EventKind.MERGED_FROM, now,
               new={"from": source.number, "messages": moved})
        _copy_requester(source, target, actor, now)
        source.merged_into = target
        policy = policy_for(source.policy_version)
        source.hold = ""  # a held duplicate is closed with the rest of it
        _set_status(source, policy, actor, policy.status_of_category("closed"), now)
        _save(source, now)
        return _save(target, now)


def _move_conversation(source: Ticket, target: Ticket) -> list[int]:
    ids = list(Message.objects.filter(ticket=source).order_by("created_at", "id")
               .values_list("pk", flat=True))
    Message.objects.filter(pk__in=ids).update(ticket=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    search.search_index_rebuild(source)
    search.search_index_rebuild(target)
    return ids


def _copy_requester(source: Ticket, target: Ticket, actor: Actor, now: datetime) -> None:
    """The merged ticket's requester follows the conversation: copied on the target, as
    ``ticket_set_cc`` would (its event, and RK-2's flag if they are the Administrator)."""
    before = sorted(target.cc.values_list("pk", flat=True))
    if not source.requester_id or source.requester_id in {target.requester_id, *before}:
        return
    after = sorted([*before, source.requester_id])
    target.cc.add(source.requester_id)
    _event(target, actor, EventKind.CC_CHANGED, now, old={"cc": before}, new={"cc": after})
    _follow_administrator(target, policy_for(target.policy_version), actor,
                          cc_before=before, cc_after=after, now=now)
