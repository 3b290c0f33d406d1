"""The knowledge base through the API (issue 18): articles the caller may read (the same
selector as the portal and console: ``kb.selectors.visible_articles``), search with marked
snippets, one "was this helpful" vote per person (RL-12), and for agents writing articles and
the report (votes, least helpful, deflection)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.bounds import storable
from pledgedesk.errors import PermissionDenied
from pledgedesk.kb.models import LANGUAGES, Article
from pledgedesk.kb.render import article_html
from pledgedesk.kb.search import MAX_LIMIT, MAX_QUERY, search_articles
from pledgedesk.kb.selectors import (
    article_for,
    deflection,
    least_helpful,
    visible_articles,
    vote_counts,
)
from pledgedesk.kb.services import MAX_BODY, MAX_TITLE, ArticleInput, article_save, article_vote

router = Router(tags=["knowledge base"])
Text = Annotated[str, AfterValidator(storable)]
Word = Annotated[Text, StringConstraints(max_length=20)]  # checked by the service


class ArticleSummaryOut(s.Out):
    slug: str
    title: str
    category: str | None
    status: str
    visibility: str
    language: str
    updated_at: datetime


class ArticleOut(ArticleSummaryOut):
    body: str = Field(description="Markdown as written.")
    body_html: str = Field(description="Rendered and sanitised; allowed video players only.")
    plans: list[str]
    helpful: int | None = Field(description="Agents only: helpful votes; null for contacts.")
    not_helpful: int | None


class SearchHitOut(s.Out):
    article: ArticleSummaryOut
    rank: float
    title_html: str
    snippet_html: str


class KbSearchQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    q: Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUERY),
                 AfterValidator(storable)]
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT)


class ArticleIn(Schema):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[Text, StringConstraints(min_length=1, max_length=MAX_TITLE)]
    body: Annotated[Text, StringConstraints(max_length=MAX_BODY)]
    status: Word = Field(default="draft", description="draft or published")
    visibility: Word = Field(default="public", description="public, plans or agents")
    plans: list[Annotated[Text, StringConstraints(max_length=50)]] = Field(default=[],
                                                                           max_length=20)
    category: Annotated[Text, StringConstraints(max_length=100)] = ""
    language: Word = Field(default="english", description=", ".join(LANGUAGES))
    slug: Annotated[Text, StringConstraints(max_length=120)] = ""


class VoteIn(Schema):
    model_config = ConfigDict(extra="forbid")
    helpful: bool


class VoteOut(s.Out):
    slug: str
    helpful: bool


class ReportOut(s.Out):
    days: int
    opened: int
    deflected: int
    submitted: int
    least_helpful: list[ArticleSummaryOut]


def _summary(article: Article) -> ArticleSummaryOut:
    return ArticleSummaryOut(
        slug=article.slug, title=article.title, status=article.status,
        category=article.category.name if article.category_id else None,
        visibility=article.visibility, language=article.language,
        updated_at=article.updated_at)


def _full(article: Article, *, agent: bool) -> ArticleOut:
    up, down = vote_counts([article.pk]).get(article.pk, (0, 0)) if agent else (None, None)
    return ArticleOut(**_summary(article).model_dump(), body=article.body,
                      body_html=str(article_html(article.body)),
                      plans=sorted(article.plans.values_list("plan", flat=True)),
                      helpful=up, not_helpful=down)


@router.get("/kb/articles", response={200: list[ArticleSummaryOut], **s.ERRORS},
            summary="List knowledge base articles")
def articles(request):
    """Every article the caller may read (agents: drafts and agents-only ones too)."""
    caller = caller_of(request)
    rows = visible_articles(caller.principal).select_related("category").order_by("title")
    return [_summary(a) for a in rows[:1000]]


@router.post("/kb/articles", response={201: ArticleOut, **s.ERRORS},
             summary="Write a knowledge base article")
def create(request, data: ArticleIn):
    caller = caller_of(request)
    caller.require_agent("write articles")
    saved = article_save(data=ArticleInput(**data.model_dump() | {"plans": tuple(data.plans)}),
                         now=caller.now)
    return Status(201, _full(saved, agent=True))


@router.get("/kb/search", response={200: list[SearchHitOut], **s.ERRORS},
            summary="Search knowledge base articles")
def search(request, params: Query[KbSearchQuery]):
    caller = caller_of(request)
    hits = search_articles(principal=caller.principal, text=params.q, limit=params.limit)
    return [SearchHitOut(article=_summary(h.article), rank=h.rank, title_html=str(h.title_html),
                         snippet_html=str(h.snippet_html)) for h in hits]


@router.get("/kb/articles/{slug}", response={200: ArticleOut, **s.ERRORS},
            summary="Read a knowledge base article")
def read(request, slug: str):
    caller = caller_of(request)
    return _full(article_for(caller.principal, slug[:120]), agent=caller.is_agent)


@router.post("/kb/articles/{slug}/vote", response={200: VoteOut, **s.ERRORS},
             summary="Say whether an article helped (one vote per person)")
def vote(request, slug: str, data: VoteIn):
    caller = caller_of(request)
    found = article_for(caller.principal, slug[:120])
    person = caller.principal.agent or caller.principal.contact
    if person is None or person.user_id is None:
        raise PermissionDenied("only a person with a login can vote")
    made = article_vote(article=found, user_id=person.user_id, helpful=data.helpful,
                        now=caller.now)
    return VoteOut(slug=found.slug, helpful=made.helpful)


@router.get("/kb/report", response={200: ReportOut, **s.ERRORS},
            summary="Knowledge base report: deflection and least helpful articles")
def report(request, days: int = Query(30, ge=1, le=366)):
    caller = caller_of(request)
    caller.require_agent("read the knowledge base report")
    figures = deflection(since=caller.now - timedelta(days=days), until=caller.now)
    return ReportOut(days=days, **figures, least_helpful=[_summary(a) for a in least_helpful()])
