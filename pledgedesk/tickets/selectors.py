"""Reading tickets. Every function takes the Principal and narrows through
``accounts.authorization.visible_tickets``: no read path decides visibility by itself.

Lists use keyset pagination on the queue order (priority rank, received, id): each page is an
index range scan, and nothing counts the whole table (osTicket#5589, FreeScout#1014).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet

from pledgedesk import rowsql
from pledgedesk.accounts.authorization import Principal, sees_internal_notes, visible_tickets
from pledgedesk.accounts.models import Agent, AgentGroup, Organisation
from pledgedesk.errors import InvalidInput
from pledgedesk.policy.compile import Policy
from pledgedesk.sla.state import TimerState
from pledgedesk.tickets.events import PUBLIC_EVENT_KINDS
from pledgedesk.tickets.models import (
    OPEN_CATEGORIES,
    Message,
    SlaTimer,
    Ticket,
    TicketEvent,
)
from pledgedesk.versions.models import PolicyVersion

MAX_PAGE = 100
_KEY = re.compile(r"[a-z_]+")


class _LiteralIn(Func):
    """``field IN ('a', 'b')`` with the values written into the SQL as literals.

    SQLite uses a partial index only when the query's WHERE clause implies the index's, and it
    cannot see that through bound parameters: with ``status_category__in`` (``IN (?, ?, ?, ?)``)
    the queue ignored ``ticket_queue`` and scanned and sorted the whole ticket table on every
    page (115 ms at 100,000 tickets). Literals let it range-scan the index. For this module's
    constant keys only, never for input."""

    output_field = BooleanField()
    template = "%(expressions)s IN (%(literals)s)"

    def __init__(self, field: str, values: tuple[str, ...]):
        if not values or not all(_KEY.fullmatch(v) for v in values):
            raise ValueError(f"not constant keys: {values!r}")
        super().__init__(F(field), literals=", ".join(f"'{v}'" for v in values))


@dataclass(frozen=True)
class QueueFilter:
    """Queue filters; None means "any". ``groups`` keeps tickets in any of those groups
    (an agent's own groups). ``assignee`` is an agent id, ``"me"`` or
    ``"unassigned"``; ``sla_state`` keeps tickets with a timer in that state at ``now``
    (``sla.timer_state_at``: ``breached``, ``warning``, ``running``, ...);
    ``breaching_within`` keeps tickets with a timer not met and due within that many minutes
    (or due at a closing time and not yet late), including timers already breached unless
    ``include_breached`` is false."""

    status: str | None = None
    include_closed: bool = False
    priority: str | None = None
    group: str | None = None
    groups: tuple[str, ...] | None = None
    assignee: str | None = None
    organisation: int | None = None
    sla_state: str | None = None
    breaching_within: int | None = None
    include_breached: bool = True
    escalated: bool | None = None


@dataclass(frozen=True)
class Page:
    tickets: list[Ticket]
    next_cursor: str | None


# The related rows a queue page reads with its tickets (one join each, never a query per row).
QUEUE_RELATED = ("organisation", "requester", "assignee", "group")


def ticket_queue(
    *, principal: Principal, filters: QueueFilter, cursor: str | None, limit: int,
    now: datetime, columns: tuple[str, ...] | None = None,
) -> Page:
    """One page of the queue: priority rank, then time received (RK-8, RT-4, FG-6). The
    tickets come without their description (reading it would cost a query per ticket).

    ``columns`` reads only those (``QuerySet.only`` names: ``"subject"``,
    ``"organisation__name"``), joining exactly the relations they name: for a page that
    shows a few columns of each row (the console's queue), so that 50 rows do not build and
    decode every column of five tables. The queue order's columns are always read."""
    tickets = _queue_from(principal=principal, filters=filters, cursor=cursor, limit=limit,
                          now=now)
    if columns is None:
        tickets = (tickets.select_related(*QUEUE_RELATED)
                   .defer("description"))  # up to 200,000 characters a row, no list shows it
    else:
        joined = dict.fromkeys(c.split("__")[0] for c in columns if "__" in c)
        tickets = tickets.select_related(*joined).only(
            "number", "priority_rank", "received_at", *columns)
    rows = list(tickets.order_by(*_QUEUE_ORDER)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(tickets=rows, next_cursor=_encode(rows[-1]) if more else None)


_QUEUE_ORDER = ("priority_rank", "received_at", "id")


def _queue_from(*, principal: Principal, filters: QueueFilter, cursor: str | None, limit: int,
                now: datetime) -> QuerySet:
    """The tickets of a queue page and those after it: what ``principal`` may see, kept by
    ``filters``, after ``cursor`` (unordered, unsliced)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    tickets = _filtered(visible_tickets(principal, Ticket.objects.all()), principal, filters,
                        now)
    if cursor:
        rank, received, pk = _decode(cursor)
        tickets = tickets.filter(
            Q(priority_rank__gt=rank)
            | Q(priority_rank=rank, received_at__gt=received)
            | Q(priority_rank=rank, received_at=received, id__gt=pk)
        )
    return tickets


# (policy key, digest) -> that version's row with its text, read once per process: what
# ``policy_for`` compiles (and caches) for every ticket of a list under that version. Keyed by
# the content, not the row id, so two databases (tests) never mix their rows.
_VERSIONS: dict[tuple[str, str], PolicyVersion] = {}


def policy_version_of(key: str, digest: str) -> PolicyVersion:
    """The recorded version of policy ``key`` whose text has ``digest``, with that text."""
    found = _VERSIONS.get((key, digest))
    if found is None:
        found = _VERSIONS[(key, digest)] = PolicyVersion.objects.get(key=key, digest=digest)
    return found


def policy_version_digests() -> list[tuple[str, str]]:
    """Every recorded version's (key, digest), oldest first (``policy_versions_all``'s order),
    without the texts: with ``policy_version_of``, what a page reads to list every version's
    labels."""
    sql = rowsql.statement(("tickets.policy_version_digests",), lambda q: (
        f"SELECT {q.col(PolicyVersion, 'key')}, {q.col(PolicyVersion, 'digest')} "  # noqa: S608
        f"FROM {q.table(PolicyVersion)} "
        f"ORDER BY {q.col(PolicyVersion, 'loaded_at')} ASC, {q.col(PolicyVersion, 'id')} ASC"))
    return rowsql.fetch(sql, [])  # built once: the queue's full page reads it every time


def with_list_facts(tickets: list[Ticket]) -> dict[int, list[SlaTimer]]:
    """What ``present.rows`` needs of each ticket of a list: its timers (returned as ticket
    id -> timers, each knowing its ticket) in one query, and its policy version with its text
    from this process's cache (``policy_version_of``) instead of the 10-15 kB text of each
    version on every page. Tickets read with ``ticket_queue(columns=...)`` naming
    ``policy_version__key`` and ``policy_version__digest`` carry them; for others one more
    query reads them (no texts)."""
    by_ticket: dict[int, list[SlaTimer]] = {t.pk: [] for t in tickets}
    for timer in SlaTimer.objects.filter(ticket_id__in=list(by_ticket)).order_by(
            "ticket_id", "metric"):
        by_ticket[timer.ticket_id].append(timer)
    ticket_field = SlaTimer._meta.get_field("ticket")
    version_field = Ticket._meta.get_field("policy_version")
    unread = {t.policy_version_id for t in tickets if not version_field.is_cached(t)}
    digests = {pk: (key, digest) for pk, key, digest in PolicyVersion.objects.filter(
        pk__in=unread).values_list("pk", "key", "digest")} if unread else {}
    for ticket in tickets:
        for timer in by_ticket[ticket.pk]:
            ticket_field.set_cached_value(timer, ticket)
        if ticket.policy_version_id in digests:
            key, digest = digests[ticket.policy_version_id]
        else:
            key, digest = ticket.policy_version.key, ticket.policy_version.digest
        version_field.set_cached_value(ticket, policy_version_of(key, digest))
    return by_ticket


class QueueRow(NamedTuple):
    """A ticket of a queue page as plain values (``ticket_queue_rows``), not a model: 50
    tickets built as instances with their five related rows cost more CPU than the query
    (issue 20). Named as ``present.rows`` reads a ticket (``pk``, ``status``, ``priority``,
    ``policy_version``); of the related rows only their names."""

    id: int
    number: int
    priority_rank: int
    received_at: datetime
    version: int
    subject: str
    hold: str
    escalation_requested_at: datetime | None
    caller_number: str
    plan: str
    priority: str
    status: str
    status_category: str
    policy_version_id: int
    policy_key: str
    policy_digest: str
    requester_name: str | None
    organisation_name: str | None
    assignee_name: str | None
    group_id: int | None
    group_name: str | None

    @property
    def pk(self) -> int:
        return self.id

    @property
    def policy_version(self) -> PolicyVersion:
        """The recorded version with its text, from this process's cache."""
        return policy_version_of(self.policy_key, self.policy_digest)


# ``QueueRow``'s fields as ``values_list`` names, in its order.
_QUEUE_ROW_VALUES = (
    "id", "number", "priority_rank", "received_at", "version", "subject", "hold",
    "escalation_requested_at", "caller_number", "plan", "priority", "status", "status_category",
    "policy_version_id", "policy_version__key", "policy_version__digest", "requester__name",
    "organisation__name", "assignee__name", "group_id", "group__name")


class TimerRow(NamedTuple):
    """A timer as plain values: what ``present.timer_view`` reads of it. No ``ticket``, so
    its ``reason`` is the engine's note (a list does not show it)."""

    ticket_id: int
    metric: str
    state: str
    due_at: datetime | None
    late_at: datetime | None
    goal_at: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    paused_seconds: int
    used_seconds: int
    reason: str


@dataclass(frozen=True)
class RowsPage:
    """A queue page as plain rows, with each row's timers (ticket id -> its timers, by
    metric)."""

    rows: list[QueueRow]
    next_cursor: str | None
    timers: dict[int, list[TimerRow]]


def ticket_queue_rows(*, principal: Principal, filters: QueueFilter, cursor: str | None,
                      limit: int, now: datetime) -> RowsPage:
    """``ticket_queue``'s page (the same tickets, order and cursors) as ``QueueRow`` values,
    with their timers: two queries, and no model instances (the console's queue, polled by
    every agent's open page)."""
    try:
        sql, params, converters = _queue_rows_statement(
            principal=principal, filters=filters, cursor=cursor, limit=limit, now=now)
    except EmptyResultSet:  # a filter no row can match (an empty IN): the ORM's empty page
        return RowsPage(rows=[], next_cursor=None, timers={})
    rows = []
    for raw in rowsql.fetch(sql, params):
        row = list(raw)
        for pos, functions, expression in converters:
            for function in functions:
                row[pos] = function(row[pos], expression, connection)
        rows.append(QueueRow._make(row))
    more = len(rows) > limit
    rows = rows[:limit]
    return RowsPage(rows=rows, next_cursor=_encode(rows[-1]) if more else None,
                    timers=_timer_rows([row.id for row in rows]))


# (database alias, filters, cursor, limit, agent id) -> the queue page's (SQL, parameters,
# converters), as the ORM compiled them: compiling the page's query cost more CPU than running
# it (issue 20), and agents' pages poll the same few pages all day. Only for pages whose SQL
# depends on nothing else: ``visible_tickets`` narrowing nothing (its rule is applied anew on
# every call, so a change to it is never cached past) and no filter on timers at ``now``.
_QUEUE_SQL: dict[tuple, tuple[str, tuple, list]] = {}
_QUEUE_SQL_KEPT = 512


def _queue_rows_statement(*, principal: Principal, filters: QueueFilter, cursor: str | None,
                          limit: int, now: datetime) -> tuple[str, tuple, list]:
    """The page's query (``_queue_from`` in queue order, ``QueueRow``'s columns) as the ORM
    compiles it, with the converters the ORM would apply to each column: kept in
    ``_QUEUE_SQL`` where it may be."""
    everything = Ticket.objects.all()
    key = None
    if (visible_tickets(principal, everything) is everything and filters.sla_state is None
            and filters.breaching_within is None):
        agent = principal.agent.pk if principal.agent is not None else None
        key = (connection.alias, filters, cursor, limit, agent)
        found = _QUEUE_SQL.get(key)
        if found is not None:
            return found
    page = (_queue_from(principal=principal, filters=filters, cursor=cursor, limit=limit,
                        now=now).order_by(*_QUEUE_ORDER)
            .values_list(*_QUEUE_ROW_VALUES)[: limit + 1])
    compiler = page.query.get_compiler(connection.alias)
    sql, params = compiler.as_sql()
    columns = [selected[0] for selected in compiler.select[:compiler.col_count]]
    converters = [(pos, tuple(functions), expression) for pos, (functions, expression)
                  in compiler.get_converters(columns).items()]
    found = (sql, tuple(params), converters)
    if key is not None:
        if len(_QUEUE_SQL) >= _QUEUE_SQL_KEPT:
            _QUEUE_SQL.clear()
        _QUEUE_SQL[key] = found
    return found


def _timer_rows(ids: list[int]) -> dict[int, list[TimerRow]]:
    """The timers of tickets ``ids`` by metric, by a statement built once per process and
    page size (the ORM compiled it again on every poll)."""
    by_ticket: dict[int, list[TimerRow]] = {pk: [] for pk in ids}
    if not ids:
        return by_ticket
    sql = rowsql.statement(("tickets.timer_rows", len(ids)), lambda q: (
        f"SELECT {', '.join(q.col(SlaTimer, f) for f in _TIMER_COLUMNS)} "  # noqa: S608
        f"FROM {q.table(SlaTimer)} WHERE {q.col(SlaTimer, 'ticket')} IN "
        f"({rowsql.holes(len(ids))}) "
        f"ORDER BY {q.col(SlaTimer, 'ticket')} ASC, {q.col(SlaTimer, 'metric')} ASC"))
    convert = [(i, rowsql.converter(SlaTimer, name)) for i, name in enumerate(_TIMER_COLUMNS)
               if name.endswith("_at")]
    for raw in rowsql.fetch(sql, [rowsql.prepared(SlaTimer, "ticket", pk) for pk in ids]):
        row = list(raw)
        for i, function in convert:
            row[i] = function(row[i])
        by_ticket[row[0]].append(TimerRow._make(row))
    return by_ticket


_TIMER_COLUMNS = ("ticket", *TimerRow._fields[1:])


def queue_tickets(*, principal: Principal, filters: QueueFilter, now: datetime) -> QuerySet:
    """The tickets the queue's ``filters`` keep that ``principal`` may see, in no order: for
    readers that sort or count them their own way (saved views, ``queues.selectors``)."""
    return _filtered(visible_tickets(principal, Ticket.objects.all()), principal, filters, now)


def _filtered(tickets: QuerySet, principal: Principal, f: QueueFilter, now: datetime):
    if f.status is not None:
        tickets = tickets.filter(status=f.status)
    elif not f.include_closed:
        tickets = tickets.filter(_LiteralIn("status_category", OPEN_CATEGORIES))
    if f.priority is not None:
        tickets = tickets.filter(priority=f.priority)
    if f.group is not None:
        tickets = tickets.filter(group__key=f.group)
    if f.groups is not None:
        tickets = tickets.filter(group__key__in=f.groups)
    if f.assignee == "unassigned":
        tickets = tickets.filter(assignee__isnull=True)
    elif f.assignee == "me":
        tickets = tickets.filter(assignee=principal.agent) if principal.is_agent else tickets.none()
    elif f.assignee is not None:
        try:
            tickets = tickets.filter(assignee_id=int(f.assignee))
        except ValueError:
            raise InvalidInput("assignee must be an agent id, 'me' or 'unassigned'",
                               field="assignee") from None
    if f.organisation is not None:
        tickets = tickets.filter(organisation_id=f.organisation)
    if f.escalated is not None:
        tickets = tickets.filter(escalation_requested_at__isnull=not f.escalated)
    if f.sla_state is not None:
        tickets = tickets.filter(Exists(SlaTimer.objects.filter(
            timer_state_is(f.sla_state, now), ticket=OuterRef("pk"))))
    if f.breaching_within is not None:
        tickets = tickets.filter(_with_breaching_timer(now, f.breaching_within,
                                                       include_breached=f.include_breached))
    return tickets


def _with_breaching_timer(now: datetime, minutes: int, *, include_breached: bool):
    """Tickets with a timer ``_breaching`` keeps. Timers already breached are many (every
    neglected ticket has one), so SQLite finds the first page soonest by checking tickets in
    queue order, each on the (ticket, metric) index; timers not yet breached are few, and
    reading them once from ``sla_timer_unmet_late`` is faster. SQLite, 100,000 tickets, first
    page: 0.3 ms this way with breached ones, 24 ms the other; 0.4 ms this way without them,
    36 ms the other. PostgreSQL plans both forms alike (a semi join)."""
    timers = SlaTimer.objects.filter(_breaching(now, now + timedelta(minutes=minutes),
                                                include_breached=include_breached))
    if include_breached:
        return Exists(timers.filter(ticket=OuterRef("pk")))
    return Q(pk__in=timers.values("ticket_id"))


def timer_state_is(state: str, now: datetime) -> Q:
    """``SlaTimer`` rows whose ``sla.timer_state_at(...)`` at ``now`` is ``state``, as SQL: a
    stored ``running`` row is breached strictly after ``late_at`` (set whenever ``due_at`` is:
    the ``sla_timer_late_with_due`` constraint), a warning from ``warn_at`` on; other stored
    states are what they say. ``tests/tickets/test_selectors_timer_state.py`` holds the two to
    the same answer on every boundary."""
    try:
        state = TimerState(state)
    except ValueError:
        raise InvalidInput(f"sla_state must be one of {', '.join(TimerState)}",
                           field="sla_state") from None
    running = Q(state=TimerState.RUNNING)
    if state is TimerState.BREACHED:
        return Q(state=state) | (running & Q(late_at__lt=now))
    if state is TimerState.WARNING:
        return running & Q(late_at__gte=now, warn_at__lte=now)
    if state is TimerState.RUNNING:
        return running & (Q(late_at__isnull=True) | Q(late_at__gte=now) & (
            Q(warn_at__isnull=True) | Q(warn_at__gt=now)))
    return Q(state=state)


def _breaching(now: datetime, soon: datetime, *, include_breached: bool) -> Q:
    """Timers not met that need work by ``soon``: running (or warning) ones due by ``soon``,
    counting those due at a closing time that has passed but not late yet (due Friday 17:00,
    late after Monday 08:00: no business time is left, so it is listed all weekend, as
    ``running``), and with ``include_breached`` those already breached at ``now``, whether
    the row still says ``running`` (late since the last change) or ``breached``.

    Served by the partial index ``sla_timer_unmet_late`` (late_at over unmet running or
    breached rows): its condition is repeated here with the state list as literals, so that
    SQLite sees the query implies it (running rows are never met, so it filters nothing out).
    Not yet breached is a range from ``now`` on late_at; the list is read in late_at order."""
    unmet = Q(met_at__isnull=True) & _LiteralIn("state", (TimerState.RUNNING,
                                                          TimerState.BREACHED))
    if not include_breached:
        return unmet & Q(state=TimerState.RUNNING, late_at__gte=now, due_at__lte=soon)
    # late_at >= due_at, so a running row late before now is due before soon.
    return unmet & Q(late_at__isnull=False) & (
        Q(state=TimerState.BREACHED) | Q(due_at__lte=soon))


def timers_breaching(*, principal: Principal, now: datetime, within: timedelta,
                     include_breached: bool = True) -> QuerySet:
    """Timers of open tickets not met and due by ``now + within`` (``_breaching``), soonest to
    breach (``late_at``) first: with ``include_breached`` (the default) those already
    breached lead, longest late first."""
    timers = SlaTimer.objects.filter(
        _breaching(now, now + within, include_breached=include_breached),
        _LiteralIn("ticket__status_category", OPEN_CATEGORIES))
    visible = visible_tickets(principal, Ticket.objects.all())
    # Only when visibility narrows anything (not for agents): a no-op "IN (every ticket)"
    # makes SQLite drive the query from the ticket ids instead of the late-instant index.
    if visible.query.has_filters():
        timers = timers.filter(ticket__in=visible.values("pk"))
    return timers.select_related("ticket").order_by("late_at")


def ticket_messages(*, principal: Principal, ticket: Ticket) -> QuerySet:
    """The conversation; internal notes only for agents."""
    messages = Message.objects.filter(ticket=ticket).select_related(
        "author_agent", "author_contact").order_by("created_at", "id")
    if not sees_internal_notes(principal):
        messages = messages.filter(visibility=Message.Visibility.PUBLIC)
    return messages


def ticket_history(*, principal: Principal, ticket: Ticket) -> QuerySet:
    """The event log. Contacts see the public facts of their ticket, never internal work:
    only the kinds ``EventKind`` calls public, so a kind nobody classified stays hidden."""
    events = TicketEvent.objects.filter(ticket=ticket).select_related(
        "actor_agent", "actor_contact").order_by("at", "id")
    if not sees_internal_notes(principal):
        events = events.filter(kind__in=PUBLIC_EVENT_KINDS)
    return events


def queue_cursor(ticket: Ticket) -> str:
    """The cursor of the page that starts right after ``ticket`` in queue order ("next
    ticket" in the console)."""
    return _encode(ticket)


def _encode(ticket: Ticket) -> str:
    raw = f"{ticket.priority_rank}|{ticket.received_at.isoformat()}|{ticket.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


_MAX_RANK = 32767  # PositiveSmallIntegerField
_MAX_PK = 2**63 - 1  # BigAutoField


def _decode(cursor: str) -> tuple[int, datetime, int]:
    """A cursor comes back from the client (API query, page link): a forged one, including
    one whose numbers or instant the database cannot compare, is a 422, never a 500."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        rank, received, pk = base64.urlsafe_b64decode(padded).decode().split("|")
        at = datetime.fromisoformat(received)
        if at.tzinfo is None:
            raise ValueError
        at.astimezone(UTC)  # OverflowError for an instant near year 1 or 9999
        rank_n, pk_n = int(rank), int(pk)
        if not (0 <= rank_n <= _MAX_RANK and 1 <= pk_n <= _MAX_PK):
            raise ValueError
        return rank_n, at, pk_n
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this API returned", field="cursor") from None


@dataclass(frozen=True)
class EscalationContacts:
    """Who an escalated ticket reaches (PR-5, PR-6): the organisation's dedicated account
    representative when it has one (the Enterprise plan's), else the team the policy escalates
    the ticket's team to (``teams.<key>.escalates_to``: PR's senior technicians)."""

    representative: Agent | None
    team: AgentGroup | None
    team_label: str | None
    team_agents: list[Agent]
    reviewer: str | None  # the policy's word for who reviews (``escalation.reviewer``)

    @property
    def reaches(self) -> list[Agent]:
        return [self.representative] if self.representative else self.team_agents


def ticket_escalation_contacts(*, ticket: Ticket, policy: Policy) -> EscalationContacts | None:
    """On a ticket whose customer asked for escalation; None otherwise. Internal: only agents'
    views show it (the API's internal block, the console). Two small queries, only for such a
    ticket: the representative and the team's active members."""
    if ticket.escalation_requested_at is None:
        return None
    org = ticket.organisation
    representative = None
    if org is not None and org.dedicated_representative_id is not None:
        representative = Agent.objects.filter(pk=org.dedicated_representative_id,
                                              active=True).first()
    key = escalation_team(policy, ticket.group.key if ticket.group else None)
    group = AgentGroup.objects.filter(key=key).first() if key else None
    members = list(group.agents.filter(active=True).order_by("name")) if group else []
    offer = policy.spec.escalation
    return EscalationContacts(
        representative=representative, team=group,
        team_label=policy.spec.teams[key].label if key else None, team_agents=members,
        reviewer=offer.reviewer if offer else None)


def escalation_team(policy: Policy, group_key: str | None) -> str | None:
    """The team key the policy escalates a ticket of team ``group_key`` to. A ticket in no
    team of the policy is with its front line, the first team the policy lists (our choice:
    every seed lists its first-line team first)."""
    teams = policy.spec.teams
    if group_key not in teams:
        group_key = next(iter(teams), None)
    return teams[group_key].escalates_to if group_key else None


def organisation_zone(org: Organisation, policy: Policy | None = None) -> str:
    """The zone an organisation's people are shown times in (the portal's pages, the mail the
    desk sends): its own (``Organisation.location``, what its calendars run in), else the zone
    of the policy's support hours, else UTC."""
    if org.location.timezone:
        return org.location.timezone
    if policy is not None:
        hours = policy.calendars[policy.spec.policy.hours_calendar]
        if not hours.needs_timezone:
            return hours.timezone
    return "UTC"
