"""Reads of the knowledge base, every one through ``visible_articles``: the one place that
decides who may read which article (drafts and agents-only articles for agents; plan
articles for contacts of organisations holding one of the plans; public ones for anyone)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from pledgedesk.accounts.authorization import Principal
from pledgedesk.errors import NotFound
from pledgedesk.kb.models import Article, ArticleLink, ArticlePlan, SuggestionVisit
from pledgedesk.tickets.models import Ticket

DEFLECTION_WINDOW = timedelta(hours=24)


def visible_articles(principal: Principal, articles: QuerySet | None = None) -> QuerySet:
    articles = Article.objects.all() if articles is None else articles
    if principal.is_agent:
        return articles
    published = articles.filter(status=Article.Status.PUBLISHED)
    public = Q(visibility=Article.Visibility.PUBLIC)
    if principal.contact is None:
        return published.filter(public)
    plans = list(principal.contact.organisation.plans or [])
    granted = Exists(ArticlePlan.objects.filter(article=OuterRef("pk"), plan__in=plans))
    return published.filter(public | (Q(visibility=Article.Visibility.PLANS) & granted))


def article_for(principal: Principal, slug: str) -> Article:
    """The article named ``slug`` if ``principal`` may read it; otherwise NotFound, exactly
    like one that does not exist."""
    found = visible_articles(principal).filter(slug=slug).select_related("category").first()
    if found is None:
        raise NotFound("no such article")
    return found


def vote_counts(article_ids) -> dict[int, tuple[int, int]]:
    """article id -> (helpful, not helpful)."""
    rows = (Article.objects.filter(pk__in=list(article_ids))
            .annotate(up=Count("votes", filter=Q(votes__helpful=True)),
                      down=Count("votes", filter=Q(votes__helpful=False)))
            .values_list("pk", "up", "down"))
    return {pk: (up, down) for pk, up, down in rows}


def least_helpful(*, limit: int = 20, min_votes: int = 1) -> list[Article]:
    """Published articles with votes, the largest share of "not helpful" first."""
    rows = (Article.objects.filter(status=Article.Status.PUBLISHED)
            .annotate(up=Count("votes", filter=Q(votes__helpful=True)),
                      down=Count("votes", filter=Q(votes__helpful=False)))
            .filter(down__gte=1))
    rows = [a for a in rows if a.up + a.down >= min_votes]
    rows.sort(key=lambda a: (-a.down / (a.up + a.down), -a.down, a.title))
    return rows[:limit]


def tickets_helped(article: Article, *, limit: int = 50) -> list[ArticleLink]:
    return list(ArticleLink.objects.filter(article=article).select_related("ticket")
                .order_by("-at")[:limit])


def deflection(*, since: datetime, until: datetime) -> dict[str, int]:
    """Suggested articles opened in [since, until) and how many of those visits were followed
    by no request from the same person within ``DEFLECTION_WINDOW`` (deflected)."""
    visits = SuggestionVisit.objects.filter(at__gte=since, at__lt=until)
    followed = Exists(Ticket.objects.filter(
        requester=OuterRef("contact"), received_at__gte=OuterRef("at"),
        received_at__lt=OuterRef("at") + DEFLECTION_WINDOW))
    opened = visits.count()
    submitted = visits.filter(followed).count()
    return {"opened": opened, "deflected": opened - submitted, "submitted": submitted}
