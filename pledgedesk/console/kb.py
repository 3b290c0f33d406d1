"""The knowledge base in the console (issue 18): every article with its votes (RL-12), the
least helpful, the deflection figure, an editor (Markdown, category, state, visibility and
plans, language, files), an article's tickets helped (RK-12), and the reply box's picker that
finds an article as the agent types and inserts its link."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from pledgedesk.console.views import _base, agent_required
from pledgedesk.errors import InvalidInput, NotFound
from pledgedesk.kb.models import LANGUAGES, Article
from pledgedesk.kb.render import FRAME_HOSTS, article_html
from pledgedesk.kb.search import search_articles
from pledgedesk.kb.selectors import (
    article_for,
    deflection,
    least_helpful,
    tickets_helped,
    vote_counts,
)
from pledgedesk.kb.services import ArticleInput, FileInput, article_save
from pledgedesk.web.uploads import accepts_files

REPORT_DAYS = 30


@require_safe
@agent_required
def kb_page(request):
    articles = list(Article.objects.select_related("category").order_by("title"))
    counts = vote_counts(a.pk for a in articles)
    since = request.now - timedelta(days=REPORT_DAYS)
    return render(request, "console/kb_list.html", _base(
        request, section="kb", rows=[(a, *counts.get(a.pk, (0, 0))) for a in articles],
        worst=least_helpful(limit=10), deflection=deflection(since=since, until=request.now),
        days=REPORT_DAYS))


@require_safe
@agent_required
def kb_article(request, slug: str):
    try:
        found = article_for(request.principal, slug)
    except NotFound:
        raise Http404("no such article") from None
    up, down = vote_counts([found.pk]).get(found.pk, (0, 0))
    response = render(request, "console/kb_article.html", _base(
        request, section="kb", article=found, html=article_html(found.body), up=up, down=down,
        helped=tickets_helped(found), link=public_link(found)))
    response.csp_frame_src = list(FRAME_HOSTS)
    return response


@require_http_methods(["GET", "POST"])
@accepts_files(5)
@agent_required
def kb_edit(request, slug: str | None = None):
    found = None
    if slug is not None:
        found = Article.objects.filter(slug=slug).first()
        if found is None:
            raise Http404("no such article")
    values = _values(found) if request.method == "GET" else request.POST
    context = _base(request, section="kb", article=found, values=values, languages=LANGUAGES,
                    statuses=Article.Status.values, visibilities=Article.Visibility.values)
    if request.method == "POST":
        try:
            saved = article_save(data=_input(request.POST), files=_files(request),
                                 article_id=found.pk if found else None, now=request.now)
        except InvalidInput as error:
            context["problem"] = f"{error.field}: {error.message}"
            return render(request, "console/kb_edit.html", context, status=400)
        messages.success(request, f"Saved “{saved.title}” ({saved.status}).")
        return redirect("console:kb_article", slug=saved.slug)
    return render(request, "console/kb_edit.html", context)


def _values(found: Article | None) -> dict:
    if found is None:
        return {"status": "draft", "visibility": "public", "language": "english"}
    return {"title": found.title, "body": found.body, "status": found.status,
            "visibility": found.visibility, "language": found.language, "slug": found.slug,
            "category": found.category.name if found.category else "",
            "plans": " ".join(found.plans.values_list("plan", flat=True))}


def _input(post) -> ArticleInput:
    return ArticleInput(
        title=post.get("title", "")[:400], body=post.get("body", "")[:200_000],
        status=post.get("status", "")[:20], visibility=post.get("visibility", "")[:20],
        plans=tuple(post.get("plans", "")[:1000].replace(",", " ").split()),
        category=post.get("category", "")[:200], language=post.get("language", "")[:20],
        slug=post.get("slug", "")[:200])


def _files(request) -> list[FileInput]:
    return [FileInput(name=f.name, content_type=f.content_type or "application/octet-stream",
                      data=f.read()) for f in request.FILES.getlist("attachments")]


def public_link(article: Article) -> str:
    return settings.PLEDGEDESK_PUBLIC_URL + reverse("portal:kb_article", args=[article.slug])


@require_safe
@agent_required
def kb_pick(request):
    """htmx, from the reply box: articles matching what the agent types, each with a button
    that inserts its link into the reply (static kb/insert.js)."""
    text = " ".join(request.GET.get("kb_q", "").split())[:200]
    hits, problem = [], ""
    if text:
        try:
            hits = search_articles(principal=request.principal, text=text, limit=8)
        except InvalidInput as error:
            problem = error.message
    return render(request, "console/kb_pick_results.html", {
        "picks": [(h, public_link(h.article)) for h in hits], "problem": problem, "q": text})
