"""Full-text search of tickets: keeping the index in step, and searching it.

The index is ``TicketSearch``, one row per ticket: subject, people (requester, caller,
organisation), the public conversation and the internal notes, apart. PostgreSQL searches its
generated tsvector columns (GIN: ``websearch_to_tsquery``, ``ts_rank``, ``ts_headline``);
SQLite an FTS5 table the row's triggers keep (``bm25``, ``snippet``). Migration 0008_search
builds both.

Writing: ``tickets.services`` calls ``search_index_*`` inside the transaction of the change, one
statement each, so a search never sees a change that did not commit and always sees one that
did. Reading: ``search_tickets`` narrows through ``visible_tickets`` (the one authorisation
function) and searches contacts' tickets without the internal notes column at all.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection
from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from pledgedesk.accounts.authorization import Principal, sees_internal_notes, visible_tickets
from pledgedesk.accounts.models import Contact, Organisation
from pledgedesk.errors import InvalidInput
from pledgedesk.tickets.models import Message, Ticket, TicketSearch

PAGE_SIZE = 25
# 500 results (the newest 500 matches ranked: CANDIDATES): past that, a better query beats
# paging. Issue 16's 1M-ticket target: ranking (ts_rank reads each candidate's tsvector out of
# TOAST, ~13 us a row) and finding the newest matches (a walk, or a window of ids) both grow
# with the candidates; at 1,000 "import mac" spent 43 ms in SQL, 14 of them ranking.
MAX_PAGES = 20
MAX_QUERY = 200  # characters
# Private-use characters mark matches in snippets; the text is escaped, then they become <mark>.
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKED = re.compile(f"{_OPEN}(.*?){_CLOSE}", re.S)


# --- keeping the index in step (inside the writing service's transaction) -------------------


def _clean(text: str) -> str:
    """Text as indexed: without the snippet markers, so only a match is ever marked."""
    return text.replace(_OPEN, "").replace(_CLOSE, "")


def _people(ticket: Ticket) -> str:
    requester = ticket.requester.name if ticket.requester_id else ""
    organisation = ticket.organisation.name if ticket.organisation_id else ""
    return _clean(" ".join(p for p in (requester, ticket.caller_number, organisation) if p))


def search_index_created(ticket: Ticket, message: Message | None) -> None:
    """The row of a ticket just created, with its description (``message``): one INSERT."""
    TicketSearch.objects.create(
        ticket=ticket, subject=_clean(ticket.subject), people=_people(ticket),
        organisation_id=ticket.organisation_id,
        public_body=_clean(message.body) if message is not None else "")


def search_index_message(message: Message) -> None:
    """A reply, customer message, call log or note appended to its column: one UPDATE."""
    column = "internal_body" if message.visibility == Message.Visibility.INTERNAL \
        else "public_body"
    table = connection.ops.quote_name(TicketSearch._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = {column} || %s WHERE ticket_id = %s",  # noqa: S608
            ["\n" + _clean(message.body), message.ticket_id])


def search_index_people(ticket: Ticket) -> None:
    """The requester (or organisation) changed: one UPDATE."""
    TicketSearch.objects.filter(ticket_id=ticket.pk).update(
        people=_people(ticket), organisation_id=ticket.organisation_id)


def search_index_renamed(*, contact: Contact | None = None,
                         organisation: Organisation | None = None) -> int:
    """A contact or an organisation renamed: the people of the rows of their tickets (the
    contact's as requester, the organisation's all), one UPDATE however many, in the
    transaction of the rename. The people column is only searched, never shown, so the SQL
    below may space it differently from ``_people``. Returns the rows updated."""
    if organisation is not None:
        rows = TicketSearch.objects.filter(organisation_id=organisation.pk)
    elif contact is not None:
        rows = TicketSearch.objects.filter(
            ticket_id__in=Ticket.objects.filter(requester_id=contact.pk).values("pk"))
    else:
        return 0
    blank = Value("")
    people = Ticket.objects.filter(pk=OuterRef("ticket_id")).annotate(people=Concat(
        Coalesce("requester__name", blank), Value(" "), "caller_number", Value(" "),
        Coalesce("organisation__name", blank), output_field=TextField())).values("people")
    return rows.update(people=Subquery(people[:1]))


# Renames through any door (admin, a service, the shell) reach the index through these
# handlers, connected by ``TicketsConfig.ready()`` for Contact and Organisation: post_init
# remembers the name as loaded (no query), post_save reindexes when it changed, inside the
# saving transaction (admin's change form is one). ``QuerySet.update(name=...)`` sends no
# signal: nothing in Pledgedesk renames that way.
_LOADED_NAME = "_search_loaded_name"


def remember_name(sender, instance, **kwargs) -> None:
    setattr(instance, _LOADED_NAME, instance.__dict__.get("name"))


def reindex_if_renamed(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    loaded = getattr(instance, _LOADED_NAME, None)
    setattr(instance, _LOADED_NAME, instance.__dict__.get("name"))
    if created or (update_fields is not None and "name" not in update_fields):
        return
    if loaded is not None and loaded == instance.__dict__.get("name"):
        return
    if isinstance(instance, Organisation):
        search_index_renamed(organisation=instance)
    else:
        search_index_renamed(contact=instance)


def search_index_subject(ticket: Ticket) -> None:
    """The subject changed: one UPDATE."""
    TicketSearch.objects.filter(ticket_id=ticket.pk).update(subject=_clean(ticket.subject))


def search_index_rebuild(ticket: Ticket) -> None:
    """The row rebuilt from the ticket and all its messages (after messages move between
    tickets, or to repair): one read, one write."""
    bodies = {Message.Visibility.PUBLIC: [], Message.Visibility.INTERNAL: []}
    for visibility, body in Message.objects.filter(ticket=ticket).order_by("id").values_list(
            "visibility", "body"):
        bodies[visibility].append(_clean(body))
    TicketSearch.objects.update_or_create(ticket=ticket, defaults={
        "subject": _clean(ticket.subject), "people": _people(ticket),
        "organisation_id": ticket.organisation_id,
        "public_body": "\n".join(bodies[Message.Visibility.PUBLIC]),
        "internal_body": "\n".join(bodies[Message.Visibility.INTERNAL])})


# --- searching -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    ticket: Ticket
    rank: float
    subject_html: SafeString  # the subject with matches marked
    public_html: SafeString  # a snippet of the conversation, matches marked ("" if none)
    internal_html: SafeString | None  # a snippet of the internal notes: agents only


@dataclass(frozen=True)
class SearchPage:
    query: str
    page: int
    hits: list[Hit]
    more: bool


def search_tickets(*, principal: Principal, text: str, page: int = 1) -> SearchPage:
    """One page of the tickets ``principal`` may see that match ``text``, best first. Two
    statements: the ranked ids with their snippets, then those tickets (again through
    ``visible_tickets``; their ``policy_version`` is not loaded: a door that needs it
    prefetches it)."""
    text = _checked(text, page)
    agent = sees_internal_notes(principal)
    visible = visible_tickets(principal, Ticket.objects.all())
    if visible.query.is_empty():  # nobody, or a banned contact: nothing to search
        return SearchPage(query=text, page=page, hits=[], more=False)
    scope = visible.values("pk").query.sql_with_params() if visible.query.has_filters() \
        else None
    offset = (page - 1) * PAGE_SIZE
    if connection.vendor == "postgresql":
        rows, more = _postgresql(text, agent=agent, scope=scope,
                                 organisation=_organisation_hint(principal), limit=PAGE_SIZE,
                                 offset=offset)
    else:
        rows, more = _sqlite(text, agent=agent, scope=scope, limit=PAGE_SIZE, offset=offset)
    # Not the policy version: its source is kilobytes, the same for every row; the doors that
    # word rows by the policy prefetch it once per version (``web.search_results``).
    tickets = visible.filter(pk__in=[r[0] for r in rows]).select_related(
        "organisation", "requester", "assignee", "group").defer("description")
    by_id = {t.pk: t for t in tickets}
    hits = [Hit(ticket=by_id[pk], rank=float(rank), subject_html=_marked(subject),
                public_html=_snippet(public), internal_html=_snippet(internal) if agent else None)
            for pk, rank, subject, public, internal in rows if pk in by_id]
    return SearchPage(query=text, page=page, hits=hits, more=more)


def _organisation_hint(principal: Principal) -> int | None:
    """The organisation whose tickets ``visible_tickets`` narrows a contact to, when it does
    (an Administrator or primary contact): the search row's own column says it too, indexed
    with the id (``ticket_search_org``), so PostgreSQL finds that organisation's newest
    matches by index instead of walking the whole table's. It only narrows: the tickets shown
    are read through ``visible_tickets`` (the second statement), so a row whose column were
    wrong could be missed, never shown (tests/tickets/test_search_shapes.py)."""
    if principal.is_agent or not principal.sees_whole_organisation:
        return None
    return principal.contact.organisation_id


def _checked(text: str, page: int) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise InvalidInput("type something to search for", field="q")
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"q is longer than {MAX_QUERY} characters", field="q")
    if not 1 <= page <= MAX_PAGES:
        raise InvalidInput(f"page must be between 1 and {MAX_PAGES}", field="page")
    return text


def _marked(raw: str | None) -> SafeString:
    """Escape everything, then turn the marker pairs into <mark>; a stray marker is dropped."""
    html = _MARKED.sub(r"<mark>\1</mark>", escape(raw or ""))
    return mark_safe(html.replace(_OPEN, "").replace(_CLOSE, ""))  # noqa: S308 - escaped above


def _snippet(raw: str | None) -> SafeString:
    """A snippet worth showing: one with a match in it."""
    return _marked(" ".join(raw.split())) if raw and _OPEN in raw else mark_safe("")


# Both databases rank the most recent CANDIDATES matching tickets, never every match: a word
# in a third of a million tickets would otherwise be ranked a third of a million times per
# search. Fewer matches are all ranked; more are ranked among the newest, which is what a desk
# looks for (and as many as MAX_PAGES pages can show). The newest are found either way the
# planner prefers: a backward walk of the primary key checking each document (common words)
# or the GIN/FTS index's matches sorted by id (rare words).
CANDIDATES = PAGE_SIZE * MAX_PAGES

# PostgreSQL: match and rank on the generated tsvector, headline only the page's rows.
_HEADLINE = (f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords=24, MinWords=10, "
             "MaxFragments=2, FragmentDelimiter=\" … \"")


# How PostgreSQL finds the newest CANDIDATES matches, by the planner's own estimate of how many
# documents match (from the GIN column's statistics; ``_estimate``):
# - many (WALK_SHARE of the searched rows or more: a common word): walk the primary key (or,
#   for an organisation, ``ticket_search_org``) backwards, checking each document: a few rows
#   read per match, stopping at CANDIDATES.
# - fewer: the GIN index's matches, then the newest: as a materialised CTE, so the planner
#   cannot turn it into a walk, which it costs too cheaply (at 1M tickets "import mac" walked
#   105,000 rows for 1,000 of its 9,644 matches: 1.6 s). Either all of them, or (when
#   ``_window_pays``) those inside a window of the newest ids expected to hold WINDOW_MARGIN
#   times CANDIDATES matches: a bitmap AND of the GIN matches and the id range, so only the
#   window's matching rows are read. A window holding fewer than CANDIDATES is searched again
#   without it.
# Every shape yields the same candidates: the newest CANDIDATES matches.
#
# A query with a "phrase" or an -excluded term finds its candidates by its words alone (the
# phrase's words in any order, the excluded terms left out: ``_candidate_words``), then keeps
# those that match it exactly. The GIN index answers a phrase only with every document holding
# its words (each then rechecked: "invoice export" read 10,000 rows for 1,000 matches at 1M
# tickets), and an exclusion by reading the excluded word's entries (a common one's are most
# of the table: 120 ms for "import -report"); checked on the words' candidates instead, the
# phrase and the exclusion cost a look at rows already read. The rule: such a query ranks what
# remains of the newest CANDIDATES matches of its words; a query with "or" is searched whole.
# 10%: at 1M tickets "import" (20% of them) took the window, which the planner read as a
# range of the primary key (7,500 rows for 1,500 matches) where a walk reads 5,000 for its
# 1,000; a window pays only for words the GIN index answers with few rows.
WALK_SHARE = 0.1
WINDOW_MARGIN = 1.5
# What reading one matching row costs against one id of the window's range scan (measured at
# 1M tickets: 9.4 us a bitmap heap row, 0.29 us an id of the primary key's bitmap).
# The window's span is proportional to CANDIDATES, so fewer candidates make it pay sooner.
ROW_COST = 32
_QUERY = "websearch_to_tsquery('english', %s)"
# The candidates' query: the words (bound twice), or the whole query when they are only stop
# words (bound third). Constant at planning, so the planner estimates it from the statistics.
_WORDS = (f"(CASE WHEN numnode({_QUERY}) > 0 THEN {_QUERY} ELSE {_QUERY} END)")


def _postgresql(text: str, *, agent: bool, scope, organisation: int | None, limit: int,
                offset: int) -> tuple[list[tuple], bool]:
    """The page's rows (id, rank, headlines) and whether more follow (the ranking counts its
    candidates, so no row past the page is fetched, nor headlined)."""
    doc = "agent_doc" if agent else "public_doc"
    where, params = "", []
    if organisation is not None:
        # The organisation's rows, by the row's own column (index ticket_search_org) instead
        # of the ``visible_tickets`` subquery, whose estimate the planner would multiply with
        # this one's: the tickets shown are still read through ``visible_tickets``
        # (``search_tickets``' second statement), so this narrows, it never authorises.
        where, params = " AND s.organisation_id = %s", [organisation]
    elif scope is not None:
        where, params = f" AND s.ticket_id IN ({scope[0]})", list(scope[1])
    words = _candidate_words(text)
    finding = (_QUERY, [text]) if words is None else (_WORDS, [words, words, text])
    with _planned_for_the_words(), connection.cursor() as cursor:
        matches, rows = _estimate(cursor, doc, finding, where, params)
        walk = matches >= WALK_SHARE * rows
        window = _window(cursor, matches) if not walk and matches > CANDIDATES else None
        ranking = (cursor, text, finding, words is not None, agent, doc, where, params, limit,
                   offset)
        found = _ranked(*ranking, shape="walk" if walk else "bitmap", since=window)
        if window is not None and (not found or found[0][-1] < CANDIDATES):
            found = _ranked(*ranking, shape="bitmap", since=None)
    kept = found[0][-2] if found else 0  # the candidates that match exactly
    return [row[:-2] for row in found], kept > offset + limit


def _candidate_words(text: str) -> str | None:
    """The words whose matches are the candidates of ``text`` (web-search syntax) when it has
    a phrase or an excluded term: its phrases as words, its excluded terms left out, so any
    document matching ``text`` matches them. None when they would be ``text`` itself, when
    nothing but excluded terms is left, or when ``text`` has an "or" (the words of a
    disjunction may not hold a match of it)."""
    kept, exact = [], False
    for minus, quoted, bare in _TERM.findall(text):
        if bare.lower() == "or":
            return None
        if minus or (bare.startswith("-") and len(bare) > 1):
            exact = True
            continue
        exact = exact or bool(quoted) or '"' in bare
        kept.append((quoted or bare).replace('"', " "))
    return " ".join(kept) if exact and "".join(kept).strip() else None


@contextmanager
def _planned_for_the_words():
    """The search's statements are never prepared. With server-side binding psycopg prepares
    a statement run PREPARE_THRESHOLD times on a connection (``pledgedesk.config``), and
    PostgreSQL then soon plans it once for any words: a generic plan cannot tell a common word
    from a rare one (at 1M tickets a contact's "printer" went from 11 ms to 200 ms once
    prepared). Unprepared, each statement is planned at bind time with its own words."""
    connection.ensure_connection()
    raw = connection.connection
    saved = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = saved


def _estimate(cursor, doc: str, finding: tuple[str, list], where: str,
              params: list) -> tuple[float, float]:
    """The planner's estimates: documents matching the candidates' query (``finding``: SQL
    and its parameters) in the searched rows, and rows searched (the whole table, or the
    organisation's). One EXPLAIN, planning only: nothing is read."""
    query, bound = finding
    cursor.execute(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM tickets_ticketsearch s "  # noqa: S608
        f"WHERE s.{doc} @@ {query}{where} UNION ALL "
        f"SELECT 1 FROM tickets_ticketsearch s WHERE TRUE{where}", [*bound, *params, *params])
    plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    matching, searched = plan[0]["Plan"]["Plans"][:2]
    return float(matching["Plan Rows"]), float(searched["Plan Rows"])


def _window(cursor, matches: float) -> int | None:
    """The lowest id of the newest ids expected to hold WINDOW_MARGIN * CANDIDATES of
    ``matches`` spread over the table's ids, when reading that range costs less than reading
    every match; None otherwise (or when the window would be the whole table)."""
    cursor.execute("SELECT min(ticket_id), max(ticket_id) FROM tickets_ticketsearch")
    low, high = cursor.fetchone()
    if low is None:
        return None
    span = int((high - low + 1) * WINDOW_MARGIN * CANDIDATES / matches)
    pays = span + WINDOW_MARGIN * CANDIDATES * ROW_COST < matches * ROW_COST
    return high - span if pays and high - span > low else None


def _ranked(cursor, text: str, finding: tuple[str, list], exact: bool, agent: bool, doc: str,
            where: str, params: list, limit: int, offset: int, *, shape: str,
            since: int | None) -> list[tuple]:
    """The page's rows (id, rank, headlines, then how many candidates match ``text``, then
    how many candidates there were), ranked among the newest CANDIDATES matches of the
    candidates' query (``finding``) found by ``shape``; when ``exact``, only those that match
    ``text`` itself."""
    if since is not None:
        where, params = f"{where} AND s.ticket_id >= %s", [*params, since]
    query, bound = finding
    # The tsquery is written out where it is used: as a constant the planner estimates how
    # many documents match from the GIN statistics (as a join it guessed 5,000 and built a
    # bitmap of a million rows: 15 s at 1M tickets).
    matching = (f"SELECT s.ticket_id, s.{doc} AS doc FROM tickets_ticketsearch s "  # noqa: S608
                f"WHERE s.{doc} @@ {query}{where}")
    if shape == "walk":
        head, newest = "", f"({matching} ORDER BY s.ticket_id DESC LIMIT %s)"
        head_params, newest_params = [], [*bound, *params, CANDIDATES]
    else:
        head, newest = (f"WITH m AS MATERIALIZED ({matching}) ",
                        "(SELECT * FROM m ORDER BY m.ticket_id DESC LIMIT %s)")
        head_params, newest_params = [*bound, *params], [CANDIDATES]
    if exact:  # the candidates that match the phrase and exclusions too, and how many were
        candidates = ("(SELECT n.ticket_id, n.doc, count(*) OVER () AS found "  # noqa: S608
                      f"FROM {newest} n) c WHERE c.doc @@ {_QUERY}")
        candidates_params = [*newest_params, text]
        found = "c.found"
    else:
        candidates, candidates_params, found = f"{newest} c", newest_params, "count(*) OVER ()"
    internal = f"ts_headline('english', s.internal_body, {_QUERY}, %s)" if agent else "NULL"
    # Names and markers are this module's constants; the input is bound.
    sql = (
        f"{head}SELECT hit.ticket_id, hit.rank, "  # noqa: S608
        f"ts_headline('english', s.subject, {_QUERY}, 'HighlightAll=true, "
        f"StartSel={_OPEN}, StopSel={_CLOSE}'), "
        f"ts_headline('english', s.public_body, {_QUERY}, %s), {internal}, hit.candidates, "
        "hit.found "
        f"FROM (SELECT c.ticket_id, ts_rank(c.doc, {_QUERY}) AS rank, "
        f"      count(*) OVER () AS candidates, {found} AS found "
        f"      FROM {candidates} "
        "      ORDER BY rank DESC, c.ticket_id DESC LIMIT %s OFFSET %s) hit "
        "JOIN tickets_ticketsearch s ON s.ticket_id = hit.ticket_id "
        "ORDER BY hit.rank DESC, hit.ticket_id DESC")
    headlines = [text, text, _HEADLINE] + ([text, _HEADLINE] if agent else [])
    cursor.execute(sql, [*head_params, *headlines, text, *candidates_params, limit, offset])
    return cursor.fetchall()


# SQLite: FTS5 over the same columns; subject 0, people 1, public_body 2, internal_body 3.
_PUBLIC_COLUMNS = "{subject people public_body}"


def _sqlite(text: str, *, agent: bool, scope, limit: int,
            offset: int) -> tuple[list[tuple], bool]:
    match = fts5_query(text)
    if match is None:
        return [], False
    if not agent:
        match = f"{_PUBLIC_COLUMNS} : ({match})"
    fts = "tickets_ticketsearch_fts"  # FTS5's functions take the table's name, not an alias
    where, params = "", []
    if scope is not None:
        # "+rowid": a filter on the matches, not a constraint handed to FTS5 (which would
        # look each visible ticket up in the index: seconds for an organisation's tickets).
        where, params = f" AND +rowid IN ({scope[0]})", list(scope[1])
    marks = f"'{_OPEN}', '{_CLOSE}'"
    internal = f"snippet({fts}, 3, {marks}, ' … ', 24)" if agent else "NULL"
    # Two statements: rank among the newest CANDIDATES matches (``rowid >=`` the oldest of
    # them: FTS5 answers ``rowid IN (subquery)`` with a lookup per row, 1.5 s at 20,000
    # matches), then the page's snippets by id (SQLite computes a row's columns before
    # sorting, so snippets in the ranking query would be made for every candidate). Names and
    # markers are this module's constants; the input is bound.
    rank = f"-bm25({fts}, 10.0, 5.0, 2.0, 1.0)"
    ranking = (
        f"SELECT rowid, {rank} AS rank FROM {fts} WHERE {fts} MATCH %s{where} "  # noqa: S608
        f"AND rowid >= (SELECT coalesce(min(rowid), 0) FROM (SELECT rowid FROM {fts} "
        f"WHERE {fts} MATCH %s{where} ORDER BY rowid DESC LIMIT %s)) "
        "ORDER BY rank DESC, rowid DESC LIMIT %s OFFSET %s")
    with connection.cursor() as cursor:
        cursor.execute(ranking, [match, *params, match, *params, CANDIDATES, limit + 1,
                                 offset])
        ranked = cursor.fetchall()
        more, ranked = len(ranked) > limit, ranked[:limit]
        if not ranked:
            return [], more
        ids = ", ".join("%s" for _ in ranked)
        cursor.execute(
            f"SELECT rowid, highlight({fts}, 0, {marks}), "  # noqa: S608
            f"snippet({fts}, 2, {marks}, ' … ', 24), {internal} "
            f"FROM {fts} WHERE {fts} MATCH %s AND rowid IN ({ids})",
            [match, *[r[0] for r in ranked]])
        snippets = {row[0]: row[1:] for row in cursor.fetchall()}
    return [(pk, rank, *snippets[pk]) for pk, rank in ranked if pk in snippets], more


_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def fts5_query(text: str) -> str | None:
    """``text`` in web-search syntax (words, "phrases", ``or``, -excluded) as an FTS5
    expression of quoted phrases only, so no input is FTS5 syntax; None when it asks for
    nothing (only excluded terms, or no word at all)."""
    groups: list[list[str]] = []
    excluded: list[str] = []
    join_next = False
    for minus, quoted, bare in _TERM.findall(text):
        if bare and bare.lower() == "or":
            join_next = bool(groups)
            continue
        if bare.startswith("-") and len(bare) > 1:
            minus, bare = "-", bare[1:]
        words = re.findall(r"\w+", quoted or bare)
        if not words:
            continue
        phrase = '"' + " ".join(words) + '"'
        if minus:
            excluded.append(phrase)
        elif join_next:
            groups[-1].append(phrase)
        else:
            groups.append([phrase])
        join_next = False
    if not groups:
        return None
    expression = " AND ".join("(" + " OR ".join(g) + ")" for g in groups)
    return expression + "".join(f" NOT {p}" for p in excluded)
