"""The knowledge base in the portal (issue 18): the help centre (search, categories, the
policy's other resources such as PR-7's community forum), an article with its "was this
helpful" vote (RL-12), and the suggestions shown while a request's subject is typed
(deflection). Every read goes through ``kb.selectors.visible_articles``: signed-out visitors
see public articles, contacts also their plans' articles."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from pledgedesk import clock
from pledgedesk.accounts.authorization import principal_for
from pledgedesk.errors import InvalidInput, NotFound
from pledgedesk.kb.models import ArticleVote
from pledgedesk.kb.render import FRAME_HOSTS, article_html
from pledgedesk.kb.search import search_articles
from pledgedesk.kb.selectors import article_for, visible_articles
from pledgedesk.kb.services import article_vote, suggestion_opened
from pledgedesk.portal.offer import organisation_policy
from pledgedesk.web.htmx import redirect_to

SUGGESTIONS = 5
SOURCES = ("portal", "widget")


def _context(request, principal, **extra) -> dict:
    contact = principal.contact
    return {"contact": contact, "section": "help", "is_primary": contact is not None
            and contact.organisation.primary_contact_id == contact.pk, **extra}


def _resources(principal, now) -> list:
    """The policy's self-help resources other than this knowledge base (PR-7: the community
    forum, video library, training), with their addresses."""
    if principal.contact is None:
        return []
    policy = organisation_policy(principal.contact.organisation, now=now)
    return [r for r in policy.spec.policy.resources if r.kind != "knowledge_base"]


@require_safe
def help_index(request):
    principal, now = principal_for(request.user), clock.current()
    text = request.GET.get("q", "").strip()
    context = _context(request, principal, q=text, hits=None,
                       resources=_resources(principal, now))
    if text:
        try:
            context["hits"] = search_articles(principal=principal, text=text, limit=25)
        except InvalidInput as error:
            context["problem"] = error.message
            return render(request, "portal/kb_index.html", context, status=400)
    else:
        context["articles"] = visible_articles(principal).select_related("category").order_by(
            "category__position", "category__name", "title")
    return render(request, "portal/kb_index.html", context)


@require_safe
def article(request, slug: str):
    principal = principal_for(request.user)
    try:
        found = article_for(principal, slug)
    except NotFound:
        raise Http404("no such article") from None
    source = request.GET.get("from", "")
    contact = getattr(request.user, "contact", None)
    if source in SOURCES and contact is not None:
        suggestion_opened(article=found, contact=contact, source=source, now=clock.current())
    mine = (ArticleVote.objects.filter(article=found, user=request.user).first()
            if request.user.is_authenticated else None)
    response = render(request, "portal/kb_article.html", _context(
        request, principal, article=found, html=article_html(found.body), vote=mine))
    response.csp_frame_src = list(FRAME_HOSTS)  # web.middleware: players, this page only
    return response


@require_POST
def vote(request, slug: str):
    principal = principal_for(request.user)
    if principal.is_anonymous:
        return redirect_to(request, f"{reverse('portal:sign_in')}?next="
                                    f"{reverse('portal:kb_article', args=[slug])}")
    try:
        found = article_for(principal, slug)
    except NotFound:
        raise Http404("no such article") from None
    answer = request.POST.get("helpful", "")
    if answer not in ("yes", "no"):
        return HttpResponseBadRequest("helpful must be yes or no")
    mine = article_vote(article=found, user_id=request.user.pk, helpful=answer == "yes",
                        now=clock.current())
    return render(request, "portal/kb_vote.html", {"article": found, "vote": mine,
                                                   "thanks": True})


@require_safe
def suggest(request):
    """htmx: the best articles for the subject being typed, linked so that opening one is
    counted (``?from=``)."""
    principal = principal_for(request.user)
    text = " ".join(request.GET.get("subject", "").split())[:200]
    source = request.GET.get("source", "portal")
    source = source if source in SOURCES else "portal"
    hits = []
    if len(text) >= 3:
        try:
            hits = search_articles(principal=principal, text=text, limit=SUGGESTIONS)
        except InvalidInput:
            hits = []
    return render(request, "portal/kb_suggest.html", {"hits": hits, "source": source})


@require_safe
def attachment(request, slug: str, attachment_id: int):
    """A file of an article the reader may open; always downloaded, never rendered."""
    try:
        found = article_for(principal_for(request.user), slug)
    except NotFound:
        raise Http404("no such article") from None
    file = found.attachments.filter(pk=attachment_id).first()
    if file is None:
        raise Http404("no such file")
    response = HttpResponse(bytes(file.data), content_type="application/octet-stream")
    response.headers["Content-Disposition"] = content_disposition_header(True, file.name)
    return response
