"""Reads the console needs besides tickets: the choices its forms and filters offer. Small,
bounded lists; tickets themselves are read through ``tickets.selectors``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from pledgedesk import rowsql
from pledgedesk.accounts.models import Agent, AgentGroup, Contact, Organisation
from pledgedesk.errors import NotFound
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Attachment, Ticket, TicketEvent, remember_related
from pledgedesk.tickets.selectors import policy_version_digests, policy_version_of
from pledgedesk.versions.policies import policy_for

# The organisation filter lists this many by name; a larger desk filters from the ticket page's
# organisation link (``?organisation=<id>``), which works for any organisation.
ORGANISATION_CHOICES = 300


def filter_choices() -> dict:
    """Status and priority keys across the policy versions in use, and organisations."""
    statuses, priorities = {}, {}
    for labels in _version_labels():
        for key, label in labels[0]:
            statuses.setdefault(key, label)
        for key, label in labels[1]:
            priorities.setdefault(key, label)
    orgs = _organisation_choices()
    return {"statuses": sorted(statuses.items(), key=lambda kv: kv[1]),
            "priorities": list(priorities.items()), "organisations": orgs}


def _organisation_choices() -> list[tuple[int, str]]:
    """The first ``ORGANISATION_CHOICES`` organisations by name, as (id, name): a statement
    built once per process (the queue's full page reads it every time; issue 20)."""
    sql = rowsql.statement(("console.organisation_choices",), lambda q: (
        f"SELECT {q.col(Organisation, 'id')}, {q.col(Organisation, 'name')} "  # noqa: S608
        f"FROM {q.table(Organisation)} ORDER BY {q.col(Organisation, 'name')} ASC, "
        f"{q.col(Organisation, 'id')} ASC LIMIT {ORGANISATION_CHOICES:d}"))
    return rowsql.fetch(sql, [])


# (policy key, digest) -> (status labels, priority labels). A version's content never changes
# (its digest names it), so its labels are worked out once per process, not on every render of
# the queue (issue 20: the compiled-policy cache is keyed by the whole source text).
_LABELS: dict[tuple[str, str], tuple[tuple, tuple]] = {}


def _version_labels() -> list[tuple[tuple, tuple]]:
    """Each recorded version's (status, priority) labels, in ``policy_versions_all``'s order
    (later versions win where the labels are merged). Reads each version's key and digest
    only: its text (10-15 kB) is read once per process, the first time it is seen."""
    out = []
    for key, digest in policy_version_digests():
        labels = _LABELS.get((key, digest))
        if labels is None:
            policy = policy_for(policy_version_of(key, digest))
            labels = _LABELS[(key, digest)] = (
                tuple((status, spec.label) for status, spec in policy.statuses.items()),
                tuple((prio.key, prio.label) for prio in policy.priorities))
        out.append(labels)
    return out


def assignable() -> tuple[list[Agent], list[AgentGroup]]:
    """Active agents and all groups, by name, for the assignee and group choices."""
    return (list(Agent.objects.filter(active=True).order_by("name")),
            list(AgentGroup.objects.order_by("name")))


# The contact choices on a ticket page (CC, account look-up) list this many of the
# organisation's people by name; anyone beyond is still found by phone number (FG-4).
CONTACT_CHOICES = 300


def organisation_contacts(organisation: Organisation | None) -> list[Contact]:
    """The organisation's contacts by name, for the ticket page's CC and look-up choices."""
    if organisation is None:
        return []
    return list(organisation.contacts.order_by("name", "id")[:CONTACT_CHOICES])


def with_contacts(contacts: list[Contact], more) -> list[Contact]:
    """``contacts`` and any of ``more`` not among them (the CCs already on a ticket, a
    look-up's match), so a choice list always offers what the ticket already has."""
    known = {c.pk for c in contacts}
    return contacts + [c for c in more if c is not None and c.pk not in known]


def identity_verification(ticket: Ticket) -> TicketEvent | None:
    """RL-6: the latest record of how the requester's identity was verified, with who did
    it; None until it has been."""
    if not ticket.identity_verified:
        return None
    return (ticket.events.filter(kind=EventKind.IDENTITY_VERIFIED).select_related("actor_agent")
            .order_by("-at", "-id").first())


# A ticket page shows this many messages, and this many events, newest first; "Earlier"
# loads the next older ones (issue 20: a 500-event ticket rendered 216 kB in 93 ms).
TICKET_PAGE_SIZE = 20


@dataclass(frozen=True)
class NewestFirst:
    """A page of a ticket's messages or events, newest first. ``earlier`` is the id of the
    oldest shown when older ones exist (what the next page starts before), else None."""

    items: list
    earlier: int | None


def newest_first(rows: QuerySet, *, time_field: str, before: int | None = None,
                 size: int = TICKET_PAGE_SIZE) -> NewestFirst:
    """The newest ``size`` of ``rows`` (one ticket's, ordered by ``time_field`` then id),
    older than the row ``before`` when given: a keyset page on the (ticket, time, id) index,
    so the hundredth page costs what the first does. ``before`` must be one of ``rows`` (so
    another ticket's id, or a hidden note's for a contact, names nothing): NotFound."""
    ordered = rows.order_by(f"-{time_field}", "-id")
    if before is not None:
        anchor = rows.filter(pk=before).values_list(time_field, flat=True).first()
        if anchor is None:
            raise NotFound("no such message or event on this ticket", field="before")
        ordered = ordered.filter(Q(**{f"{time_field}__lt": anchor})
                                 | Q(**{time_field: anchor, "id__lt": before}))
    found = list(ordered[:size + 1])
    return NewestFirst(found[:size], found[size - 1].pk if len(found) > size else None)


def ticket_files(ticket: Ticket, messages: list) -> list[Attachment]:
    """In one query, the files of the ``messages`` shown (left on each as
    ``message.attachments.all()``, as a prefetch would) and the ticket's files outside any
    message, which are returned: oldest first."""
    shown = [m.pk for m in messages]
    by_message: dict[int, list[Attachment]] = {pk: [] for pk in shown}
    loose = []
    for found in (Attachment.objects.filter(ticket=ticket)
                  .filter(Q(message__isnull=True) | Q(message_id__in=shown))
                  .order_by("created_at", "id")):
        (by_message[found.message_id] if found.message_id else loose).append(found)
    for message in messages:
        remember_related(message, "attachments", by_message[message.pk])
    return loose
