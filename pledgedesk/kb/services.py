"""Changes to the knowledge base, one transaction each, taking ``now``: writing an article
(its search row in the same transaction), a vote, a suggestion opened, a link recorded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from pledgedesk.errors import InvalidInput
from pledgedesk.kb.models import (
    LANGUAGES,
    Article,
    ArticleAttachment,
    ArticleLink,
    ArticlePlan,
    ArticleSearch,
    ArticleVote,
    Category,
    SuggestionVisit,
)
from pledgedesk.kb.render import _VIDEO_LINE

MAX_TITLE = 200
MAX_BODY = 100_000
RESERVED_SLUGS = frozenset({"suggest", "new", "least-helpful", "pick"})  # the doors' own paths
_PLAN = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")


MAX_FILE = 10 * 1024 * 1024
MAX_FILES = 20  # per article


@dataclass(frozen=True)
class FileInput:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ArticleInput:
    title: str
    body: str
    status: str = Article.Status.DRAFT
    visibility: str = Article.Visibility.PUBLIC
    plans: tuple[str, ...] = ()
    category: str = ""  # a category's name; created when new
    language: str = "english"
    slug: str = ""


def _checked(data: ArticleInput) -> ArticleInput:
    title = " ".join(data.title.split())
    if not title:
        raise InvalidInput("an article needs a title", field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"title is longer than {MAX_TITLE} characters", field="title")
    if len(data.body) > MAX_BODY:
        raise InvalidInput(f"body is longer than {MAX_BODY} characters", field="body")
    if data.status not in Article.Status.values:
        raise InvalidInput(f"status must be one of {', '.join(Article.Status.values)}",
                           field="status")
    if data.visibility not in Article.Visibility.values:
        raise InvalidInput("visibility must be one of "
                           f"{', '.join(Article.Visibility.values)}", field="visibility")
    if data.language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}", field="language")
    plans = tuple(sorted({p.strip() for p in data.plans if p.strip()}))
    bad = [p for p in plans if not _PLAN.fullmatch(p)]
    if bad:
        raise InvalidInput(f"not a plan key: {bad[0]!r}", field="plans")
    if data.visibility == Article.Visibility.PLANS and not plans:
        raise InvalidInput("name at least one plan for a plan-restricted article",
                           field="plans")
    slug = slugify(data.slug or title)[:120]
    if not slug or slug in RESERVED_SLUGS:
        raise InvalidInput("the title gives no usable address; give a slug", field="slug")
    return ArticleInput(title=title, body=data.body, status=data.status,
                        visibility=data.visibility, plans=plans,
                        category=" ".join(data.category.split())[:100],
                        language=data.language, slug=slug)


def _checked_files(files) -> list[FileInput]:
    for file in files:
        if len(file.data) > MAX_FILE:
            raise InvalidInput(f"{file.name} is larger than {MAX_FILE // 1024 // 1024} MB",
                               field="attachments")
        if not file.name.strip() or len(file.name) > 200:
            raise InvalidInput("a file needs a name of at most 200 characters",
                               field="attachments")
    return list(files)


def article_save(*, data: ArticleInput, now: datetime, article_id: int | None = None,
                 files=()) -> Article:
    """Create (``article_id`` None) or change an article, its plans, files and search row."""
    data, files = _checked(data), _checked_files(files)
    with transaction.atomic():
        category = None
        if data.category:
            category, _ = Category.objects.get_or_create(
                name=data.category, defaults={"slug": slugify(data.category)[:100] or "c"})
        if article_id is None:
            article = Article(created_at=now)
        else:
            article = Article.objects.select_for_update().filter(pk=article_id).first()
            if article is None:
                raise InvalidInput("no such article", field="article")
        if Article.objects.filter(slug=data.slug).exclude(pk=article.pk).exists():
            raise InvalidInput(f"another article has the address {data.slug!r}", field="slug")
        for field in ("title", "body", "status", "visibility", "language", "slug"):
            setattr(article, field, getattr(data, field))
        article.category, article.updated_at = category, now
        article.save()
        ArticlePlan.objects.filter(article=article).exclude(plan__in=data.plans).delete()
        for plan in data.plans:
            ArticlePlan.objects.get_or_create(article=article, plan=plan)
        if article.attachments.count() + len(files) > MAX_FILES:
            raise InvalidInput(f"an article keeps at most {MAX_FILES} files",
                               field="attachments")
        for file in files:
            ArticleAttachment.objects.create(article=article, name=file.name.strip(),
                                             content_type=file.content_type[:100],
                                             data=file.data, size=len(file.data))
        ArticleSearch.objects.update_or_create(article=article, defaults={
            "language": article.language, "title": article.title,
            "body": _VIDEO_LINE.sub("", article.body)})
    return article


def article_vote(*, article: Article, user_id: int, helpful: bool, now: datetime) -> ArticleVote:
    """RL-12: the person's one vote on the article, made or changed."""
    with transaction.atomic():
        vote, _ = ArticleVote.objects.update_or_create(
            article=article, user_id=user_id, defaults={"helpful": helpful, "at": now})
    return vote


def suggestion_opened(*, article: Article, contact, source: str, now: datetime) -> None:
    """A customer opened an article the new-request form or widget suggested (deflection)."""
    if source not in ("portal", "widget"):
        raise InvalidInput("source must be portal or widget", field="source")
    with transaction.atomic():
        SuggestionVisit.objects.create(article=article, contact=contact, source=source, at=now)


def article_links_record(*, ticket_id: int, event_id: int, slugs: list[str],
                         now: datetime) -> int:
    """RK-12: the articles a public reply linked, recorded once per ticket."""
    made = 0
    with transaction.atomic():
        for article in Article.objects.filter(slug__in=slugs):
            try:
                with transaction.atomic():
                    _, created = ArticleLink.objects.get_or_create(
                        article=article, ticket_id=ticket_id,
                        defaults={"event_id": event_id, "at": now})
            except IntegrityError:  # recorded by a concurrent delivery
                created = False
            made += created
    return made
