"""Merging one ticket into another (issue 16): a duplicate's conversation continues in the
ticket it duplicates.

The merged ticket's messages (with their files) move to the target and the search index of
both is rebuilt. Its history moves to the target as the target's doors show it:
``ticket_history_merged`` reads the target's events together with those of every ticket
merged into it (directly or through a ticket merged later), each marked with the number of the
ticket it happened on (``merged_from``). The rows themselves stay on the ticket they happened
to, by design: events are append-only, and the SLA engine evaluates each ticket from its own
events, so the target's timers never count the duplicate's receipt, first response or pauses
as its own, and the duplicate's timers stay as they were when it closed. Copying the rows
would make two histories to keep apart at every read of the engine's; reading both keeps one.

Each ticket records the merge: ``merged_into`` on the merged one (public: the customer's mail
names the target), ``merged_from`` on the target. The merged ticket is closed with
``merged_into`` set, its requester is copied on the target so they can follow it there, and the
requester is told by mail (``channels.outbound``). Never across organisations.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When

from pledgedesk.accounts.authorization import Principal
from pledgedesk.errors import Conflict, InvalidInput
from pledgedesk.tickets import search
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Attachment, Message, Ticket
from pledgedesk.tickets.selectors import ticket_history
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


# --- reading: the target's history with the merged tickets' ---------------------------------

MAX_DEPTH = 20  # merges of merges followed; a chain longer than this is not a desk's


def merged_into_this(ticket: Ticket) -> dict[int, int]:
    """The tickets merged into ``ticket``, directly or through a ticket merged into it later:
    id to number. One query per level (the partial index ``ticket_merged_into``); one in all
    for a ticket nothing was merged into."""
    found: dict[int, int] = {}
    frontier = [ticket.pk]
    for _ in range(MAX_DEPTH):
        rows = list(Ticket.objects.filter(merged_into_id__in=frontier)
                    .values_list("pk", "number"))
        frontier = [pk for pk, _number in rows if pk not in found and pk != ticket.pk]
        if not frontier:
            break
        found.update((pk, number) for pk, number in rows if pk in frontier)
    return found


def ticket_history_merged(*, principal: Principal, ticket: Ticket) -> QuerySet:
    """``ticket``'s history (``ticket_history``: what ``principal`` may read of it) and that of
    every ticket merged into it, read by the same rule: one queryset, ordered as
    ``ticket_history`` orders (so it pages the same way). Each event is annotated with
    ``merged_from``: the number of the merged ticket it happened on, None for the ticket's
    own. The caller has already checked that ``principal`` sees ``ticket``; a merged ticket is
    always of the same organisation and its messages are already the target's."""
    merged = merged_into_this(ticket)
    events = ticket_history(principal=principal, ticket=ticket)
    for pk in merged:
        events = events | ticket_history(principal=principal, ticket=Ticket(pk=pk))
    numbers = [When(ticket_id=pk, then=Value(number)) for pk, number in merged.items()]
    return events.annotate(merged_from=Case(*numbers, default=Value(None),
                                            output_field=IntegerField()) if numbers
                           else Value(None, output_field=IntegerField()))
