"""Reads of the console ticket page as plain rows (issue 20), by statements built once per
process (``rowsql``): the page is what agents look at all day, and compiling its querysets and
building model instances for what it only shows cost most of its CPU. Who sees what stays the
rule of ``accounts.authorization`` (``sees_internal_notes``), asked here as every door asks it."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from pledgedesk import rowsql
from pledgedesk.accounts.authorization import Principal, sees_internal_notes
from pledgedesk.accounts.models import Agent, AgentGroup, Contact, ContactEmail, ContactPhone
from pledgedesk.channels.models import InboundCall, OutboundMessage
from pledgedesk.channels.outbound_selectors import TOPIC as MAIL_TOPIC
from pledgedesk.console.selectors import TICKET_PAGE_SIZE, NewestFirst
from pledgedesk.errors import NotFound
from pledgedesk.outbox.models import Delivery
from pledgedesk.tickets.events import PUBLIC_EVENT_KINDS
from pledgedesk.tickets.merge import merged_into_this
from pledgedesk.tickets.models import Attachment, Message, Ticket, TicketEvent


class AgentChoice(NamedTuple):
    pk: int
    name: str


class GroupChoice(NamedTuple):
    key: str
    name: str


def assignable() -> tuple[list[AgentChoice], list[GroupChoice]]:
    """What ``console.selectors.assignable`` lists (active agents and all groups, by name),
    as (id, name) and (key, name) rows: the choices and names the page shows."""
    agents = rowsql.statement(("ticket_reads.agents",), lambda n: (
        f"SELECT {n.col(Agent, 'id')}, {n.col(Agent, 'name')} FROM {n.table(Agent)} "  # noqa: S608
        f"WHERE {n.col(Agent, 'active')} = %s "
        f"ORDER BY {n.col(Agent, 'name')} ASC, {n.col(Agent, 'id')} ASC"))
    groups = rowsql.statement(("ticket_reads.groups",), lambda n: (
        f"SELECT {n.col(AgentGroup, 'key')}, {n.col(AgentGroup, 'name')} "  # noqa: S608
        f"FROM {n.table(AgentGroup)} "
        f"ORDER BY {n.col(AgentGroup, 'name')} ASC, {n.col(AgentGroup, 'id')} ASC"))
    return ([AgentChoice(*row) for row in rowsql.fetch(agents, [True])],
            [GroupChoice(*row) for row in rowsql.fetch(groups, [])])


class FileRow(NamedTuple):
    pk: int
    message_id: int | None
    filename: str
    size: int


class MessageRow(NamedTuple):
    """A message as the conversation shows it, with its author's name and its files."""

    pk: int
    visibility: str
    author_agent_id: int | None
    agent_name: str | None
    author_contact_id: int | None
    contact_name: str | None
    channel: str
    body: str
    created_at: datetime
    files: list[FileRow]


def _messages_sql(public_only: bool, before: bool) -> str:
    def build(n: rowsql.Names) -> str:
        m, created, pk = n.table(Message), n.col(Message, "created_at"), n.col(Message, "id")
        where = [f"{n.col(Message, 'ticket')} = %s"]
        if public_only:
            where.append(f"{n.col(Message, 'visibility')} = %s")
        if before:
            where.append(f"({created} < %s OR ({created} = %s AND {pk} < %s))")
        return (f"SELECT {pk}, {n.col(Message, 'visibility')}, "  # noqa: S608
                f"{n.col(Message, 'author_agent')}, {n.col(Agent, 'name')}, "
                f"{n.col(Message, 'author_contact')}, {n.col(Contact, 'name')}, "
                f"{n.col(Message, 'channel')}, {n.col(Message, 'body')}, {created} FROM {m} "
                f"LEFT OUTER JOIN {n.table(Agent)} ON {n.col(Message, 'author_agent')} = "
                f"{n.col(Agent, 'id')} "
                f"LEFT OUTER JOIN {n.table(Contact)} ON {n.col(Message, 'author_contact')} = "
                f"{n.col(Contact, 'id')} "
                f"WHERE {' AND '.join(where)} ORDER BY {created} DESC, {pk} DESC LIMIT %s")
    return rowsql.statement(("ticket_reads.messages", public_only, before), build)


def _anchor(ticket_id: int, public_only: bool, before: int):
    """The time of message ``before`` if it is one of the ticket's messages this reader sees."""
    sql = rowsql.statement(("ticket_reads.anchor", public_only), lambda n: (
        f"SELECT {n.col(Message, 'created_at')} FROM {n.table(Message)} "  # noqa: S608
        f"WHERE {n.col(Message, 'ticket')} = %s AND {n.col(Message, 'id')} = %s"
        + (f" AND {n.col(Message, 'visibility')} = %s" if public_only else "")))
    rows = rowsql.fetch(sql, [ticket_id, before, *([Message.Visibility.PUBLIC]
                                                   if public_only else [])])
    if not rows:
        raise NotFound("no such message or event on this ticket", field="before")
    return rows[0][0]


def _files(ticket_id: int, message_ids: list[int]) -> list[FileRow]:
    def build(n: rowsql.Names) -> str:
        msg = n.col(Attachment, "message")
        shown = f" OR {msg} IN ({rowsql.holes(len(message_ids))})" if message_ids else ""
        return (f"SELECT {n.col(Attachment, 'id')}, {msg}, {n.col(Attachment, 'filename')}, "  # noqa: S608
                f"{n.col(Attachment, 'size')} FROM {n.table(Attachment)} "
                f"WHERE {n.col(Attachment, 'ticket')} = %s AND ({msg} IS NULL{shown}) "
                f"ORDER BY {n.col(Attachment, 'created_at')} ASC, {n.col(Attachment, 'id')} ASC")
    sql = rowsql.statement(("ticket_reads.files", len(message_ids)), build)
    return [FileRow(*row) for row in rowsql.fetch(sql, [ticket_id, *message_ids])]


def conversation_page(*, principal: Principal, ticket_id: int, before: int | None = None,
                      size: int = TICKET_PAGE_SIZE) -> tuple[NewestFirst, list[FileRow]]:
    """What ``console.selectors.newest_first`` gives for ``tickets.selectors.ticket_messages``
    (internal notes only for who sees them), as ``MessageRow``s with their files, and the
    ticket's files outside any message (oldest first): three statements at most, none
    compiled per request. ``before`` must name a message of the page's rows: NotFound."""
    public_only = not sees_internal_notes(principal)
    params: list = [ticket_id, *([Message.Visibility.PUBLIC] if public_only else [])]
    if before is not None:
        at = _anchor(ticket_id, public_only, before)
        params += [at, at, before]
    params.append(size + 1)
    when = rowsql.converter(Message, "created_at")
    rows = rowsql.fetch(_messages_sql(public_only, before is not None), params)[:size + 1]
    shown = rows[:size]
    by_message: dict[int, list[FileRow]] = {row[0]: [] for row in shown}
    loose = []
    for f in _files(ticket_id, list(by_message)):
        (by_message[f.message_id] if f.message_id else loose).append(f)
    items = [MessageRow(*row[:8], when(row[8]), by_message[row[0]]) for row in shown]
    return NewestFirst(items, shown[-1][0] if len(rows) > size else None), loose


class EventRow(NamedTuple):
    """An event as the history shows it: ``merged_from`` is the number of the merged ticket
    it happened on, None for the ticket's own (as ``tickets.merge.ticket_history_merged``)."""

    pk: int
    kind: str
    at: datetime
    actor_agent_id: int | None
    agent_name: str | None
    actor_contact_id: int | None
    contact_name: str | None
    channel: str
    old: dict | None
    new: dict | None
    merged_from: int | None


def _event_where(n: rowsql.Names, tickets: int, kinds: int) -> list[str]:
    where = [f"{n.col(TicketEvent, 'ticket')} IN ({rowsql.holes(tickets)})"]
    if kinds:
        where.append(f"{n.col(TicketEvent, 'kind')} IN ({rowsql.holes(kinds)})")
    return where


def _events_sql(tickets: int, kinds: int, before: bool) -> str:
    def build(n: rowsql.Names) -> str:
        at, pk = n.col(TicketEvent, "at"), n.col(TicketEvent, "id")
        where = _event_where(n, tickets, kinds)
        if before:
            where.append(f"({at} < %s OR ({at} = %s AND {pk} < %s))")
        return (f"SELECT {pk}, {n.col(TicketEvent, 'kind')}, {at}, "  # noqa: S608
                f"{n.col(TicketEvent, 'actor_agent')}, {n.col(Agent, 'name')}, "
                f"{n.col(TicketEvent, 'actor_contact')}, {n.col(Contact, 'name')}, "
                f"{n.col(TicketEvent, 'channel')}, {n.col(TicketEvent, 'old')}, "
                f"{n.col(TicketEvent, 'new')}, {n.col(TicketEvent, 'ticket')} "
                f"FROM {n.table(TicketEvent)} "
                f"LEFT OUTER JOIN {n.table(Agent)} ON {n.col(TicketEvent, 'actor_agent')} = "
                f"{n.col(Agent, 'id')} "
                f"LEFT OUTER JOIN {n.table(Contact)} ON {n.col(TicketEvent, 'actor_contact')} "
                f"= {n.col(Contact, 'id')} "
                f"WHERE {' AND '.join(where)} ORDER BY {at} DESC, {pk} DESC LIMIT %s")
    return rowsql.statement(("ticket_reads.events", tickets, kinds, before), build)


def history_page(*, principal: Principal, ticket: Ticket, before: int | None = None,
                 size: int = TICKET_PAGE_SIZE) -> NewestFirst:
    """What ``console.selectors.newest_first`` gives for ``ticket_history_merged`` (the
    ticket's history and that of every ticket merged into it; contacts see only the public
    kinds), as ``EventRow``s. ``before`` must name one of those events: NotFound."""
    merged = merged_into_this(ticket)
    numbers: dict[int, int | None] = {ticket.pk: None, **merged}
    kinds = [] if sees_internal_notes(principal) else sorted(k.value for k in PUBLIC_EVENT_KINDS)
    params: list = [*numbers, *kinds]
    if before is not None:
        sql = rowsql.statement(("ticket_reads.event_anchor", len(numbers), len(kinds)),
                               lambda n: (f"SELECT {n.col(TicketEvent, 'at')} "  # noqa: S608
                                          f"FROM {n.table(TicketEvent)} WHERE "
                                          + " AND ".join([*_event_where(n, len(numbers),
                                                                        len(kinds)),
                                                          f"{n.col(TicketEvent, 'id')} = %s"])))
        found = rowsql.fetch(sql, [*params, before])
        if not found:
            raise NotFound("no such message or event on this ticket", field="before")
        at = found[0][0]
        params += [at, at, before]
    rows = rowsql.fetch(_events_sql(len(numbers), len(kinds), before is not None),
                        [*params, size + 1])
    when = rowsql.converter(TicketEvent, "at")
    old, new = rowsql.converter(TicketEvent, "old"), rowsql.converter(TicketEvent, "new")
    shown = rows[:size]
    items = [EventRow(r[0], r[1], when(r[2]), *r[3:8], old(r[8]), new(r[9]), numbers[r[10]])
             for r in shown]
    return NewestFirst(items, shown[-1][0] if len(rows) > size else None)


def requester_reach(contact_id: int | None) -> tuple[list[str], list[str]]:
    """The requester's email addresses and phone numbers (each in the order they were added),
    in one statement: what the page's Requester card lists."""
    if contact_id is None:
        return [], []
    sql = rowsql.statement(("ticket_reads.reach",), lambda n: (
        f"SELECT 0, {n.col(ContactEmail, 'address')}, {n.col(ContactEmail, 'id')} "  # noqa: S608
        f"FROM {n.table(ContactEmail)} WHERE {n.col(ContactEmail, 'contact')} = %s "
        f"UNION ALL SELECT 1, {n.col(ContactPhone, 'number')}, {n.col(ContactPhone, 'id')} "
        f"FROM {n.table(ContactPhone)} WHERE {n.col(ContactPhone, 'contact')} = %s "
        f"ORDER BY 1, 3"))
    found: tuple[list[str], list[str]] = ([], [])
    for which, value, _pk in rowsql.fetch(sql, [contact_id, contact_id]):
        found[which].append(value)
    return found


def calls_or_mail(ticket_id: int) -> tuple[bool, bool]:
    """Whether the ticket has voicemails (``calls_selectors.calls_on_ticket``) and whether it
    has mail to show (``outbound_selectors.ticket_mail``: a mail message or a delivery of
    one), in one statement on their ticket indexes: most tickets have neither, and then the
    page reads neither list."""
    sql = rowsql.statement(("ticket_reads.calls_or_mail",), lambda n: (
        f"SELECT EXISTS (SELECT 1 FROM {n.table(InboundCall)} "  # noqa: S608
        f"WHERE {n.col(InboundCall, 'ticket')} = %s), "
        f"EXISTS (SELECT 1 FROM {n.table(OutboundMessage)} "
        f"WHERE {n.col(OutboundMessage, 'ticket')} = %s) "
        f"OR EXISTS (SELECT 1 FROM {n.table(Delivery)} "
        f"WHERE {n.col(Delivery, 'ticket_id')} = %s AND {n.col(Delivery, 'topic')} = %s)"))
    calls, mail = rowsql.fetch(sql, [ticket_id, ticket_id, ticket_id, MAIL_TOPIC])[0]
    return bool(calls), bool(mail)
