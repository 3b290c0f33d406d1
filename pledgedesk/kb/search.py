"""Full-text search of articles, ranked, with marked snippets, on both databases behind one
selector (``search_articles``) that narrows through ``visible_articles`` first: a reader never
gets a hit they could not open. The index is ``ArticleSearch`` (migration 0002); the query
syntax, snippet markers and escaping are the ones tickets' search uses."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils.safestring import SafeString

from pledgedesk.accounts.authorization import Principal
from pledgedesk.errors import InvalidInput
from pledgedesk.kb.models import LANGUAGES, Article
from pledgedesk.kb.selectors import visible_articles
from pledgedesk.tickets.search import _CLOSE, _OPEN, _marked, _snippet, fts5_query

MAX_QUERY = 200
MAX_LIMIT = 50


@dataclass(frozen=True)
class ArticleHit:
    article: Article
    rank: float
    title_html: SafeString
    snippet_html: SafeString


def search_articles(*, principal: Principal, text: str, limit: int = 10) -> list[ArticleHit]:
    """The best ``limit`` articles ``principal`` may read that match ``text``."""
    text = " ".join((text or "").split())
    if not text:
        raise InvalidInput("type something to search for", field="q")
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"q is longer than {MAX_QUERY} characters", field="q")
    limit = max(1, min(limit, MAX_LIMIT))
    visible = visible_articles(principal)
    scope = visible.values("pk").query.sql_with_params() if visible.query.has_filters() \
        else None
    search = _postgresql if connection.vendor == "postgresql" else _sqlite
    rows = search(text, scope=scope, limit=limit)
    by_id = visible.filter(pk__in=[r[0] for r in rows]).select_related("category").in_bulk()
    return [ArticleHit(article=by_id[pk], rank=float(rank), title_html=_marked(title),
                       snippet_html=_snippet(body))
            for pk, rank, title, body in rows if pk in by_id]


_HEADLINE = (f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords=30, MinWords=12, "
             "MaxFragments=2, FragmentDelimiter=\" … \"")
# One branch per language, each with its configuration as a constant: the GIN index answers
# each branch, and an article is matched in its own language.
_MATCH = " OR ".join(
    f"(s.language = '{x}' AND s.doc @@ websearch_to_tsquery('{x}', %s))" for x in LANGUAGES)


def _postgresql(text: str, *, scope, limit: int) -> list[tuple]:
    where, params = "", []
    if scope is not None:
        where, params = f" AND s.article_id IN ({scope[0]})", list(scope[1])
    query = "websearch_to_tsquery(s.language::regconfig, %s)"
    # Rank the matches, keep the page, and only then build headlines (the costly part) for
    # the page's rows.
    sql = (  # names and markers are constants; the input is bound
        f"WITH hit AS (SELECT s.article_id, ts_rank(s.doc, {query}) AS rank "  # noqa: S608
        f"  FROM kb_articlesearch s WHERE ({_MATCH}){where} "
        "  ORDER BY rank DESC, s.article_id DESC LIMIT %s) "
        f"SELECT hit.article_id, hit.rank, ts_headline(s.language::regconfig, s.title, {query}, "
        f"'HighlightAll=true, StartSel={_OPEN}, StopSel={_CLOSE}'), "
        f"ts_headline(s.language::regconfig, s.body, {query}, %s) "
        "FROM hit JOIN kb_articlesearch s ON s.article_id = hit.article_id "
        "ORDER BY hit.rank DESC, hit.article_id DESC")
    with connection.cursor() as cursor:
        cursor.execute(sql, [text, *([text] * len(LANGUAGES)), *params, limit, text, text,
                             _HEADLINE])
        return cursor.fetchall()


def _sqlite(text: str, *, scope, limit: int) -> list[tuple]:
    match = fts5_query(text)
    if match is None:
        return []
    fts = "kb_articlesearch_fts"
    where, params = "", []
    if scope is not None:
        # "+rowid": the scope filters the matches; without the plus FTS5 is handed the
        # scope's ids and runs the full-text query once per visible article (1000x slower).
        where, params = f" AND +rowid IN ({scope[0]})", list(scope[1])
    marks = f"'{_OPEN}', '{_CLOSE}'"
    sql = (  # names and markers are constants; the input is bound
        f"SELECT rowid, -bm25({fts}, 5.0, 1.0) AS rank, highlight({fts}, 0, {marks}), "  # noqa: S608
        f"snippet({fts}, 1, {marks}, ' … ', 30) FROM {fts} WHERE {fts} MATCH %s{where} "
        "ORDER BY rank DESC, rowid DESC LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *params, limit])
        return cursor.fetchall()
