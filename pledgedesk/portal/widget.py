"""The embeddable widget's frame (PR-1; docs/widget.md). A customer's product includes
``static/widget/widget.js``, which opens ``/portal/widget/<id>/`` in an iframe and hands it
the host's signed token by ``postMessage``; the frame exchanges it for a widget session and
shows the portal's request form.

Framing: these responses, and only these, carry ``frame-ancestors`` with the organisation's
configured origins (``ContentSecurityPolicyMiddleware``) and no ``X-Frame-Options``; every
other page keeps ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``.

CSRF without cookies: in a frame on another site a browser that blocks third-party cookies
(Safari, Firefox, Chrome's incognito) never sends Django's CSRF cookie, so Django's check
would refuse every post. These views are exempt from it and use, instead, what a forger
cannot have: the host token (``start``) or the widget session token in the form
(``request_``), signed by the desk and bound to the widget and contact, never ambient; and a
post whose Origin header names another site is refused, as Django's own check does.
"""

from __future__ import annotations

from functools import wraps

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from pledgedesk import clock
from pledgedesk.channels.widget import (
    WidgetRefused,
    WidgetUser,
    widget_by_public_id,
    widget_principal,
    widget_request_create,
    widget_session_issue,
    widget_session_verify,
    widget_token_verify,
)
from pledgedesk.errors import DeskError, InvalidInput, NotFound
from pledgedesk.kb.render import FRAME_HOSTS, article_html
from pledgedesk.kb.search import search_articles
from pledgedesk.kb.selectors import article_for
from pledgedesk.kb.services import suggestion_opened
from pledgedesk.portal.forms import SubmitRequestForm
from pledgedesk.portal.kb import SUGGESTIONS
from pledgedesk.portal.offer import portal_offer
from pledgedesk.tickets.attachments import MAX_FILES
from pledgedesk.web.uploads import UploadTooLarge, accepts_files

# Suggestions as the portal's (portal.kb): the best five, from three characters.
SUGGEST_MIN_CHARS = 3
SUGGEST_MAX_CHARS = 200


def framed(view):
    """A widget page: its widget loaded (404 for an unknown id), framed only by the
    organisation's origins, never cached (its forms carry a session token)."""

    @wraps(view)
    def wrapper(request, public_id: str):
        widget = widget_by_public_id(public_id)
        if widget is None:
            raise Http404("no such widget")
        request.widget, request.now = widget, clock.current()
        response = view(request, public_id)
        response.csp_frame_ancestors = list(widget.origins)
        response["Cache-Control"] = "no-store"
        return response

    # The host token and the session never appear in Django's error reports.
    return csrf_exempt(xframe_options_exempt(
        sensitive_post_parameters("host_token", "session")(wrapper)))


@require_safe
@framed
def frame(request, public_id: str):
    """The frame's first page: it waits for the host's token (static/widget/widget-frame.js)."""
    return _page(request, "portal/widget/frame.html", {})


@require_POST
@framed
@accepts_files(0)
def start(request, public_id: str):
    """The host token (or a live widget session, for "submit another") in, the form out."""
    refused = _foreign_post(request)
    if refused is not None:
        return refused
    try:
        if "session" in request.POST:
            user = widget_session_verify(public_id=public_id, session=request.POST["session"],
                                         now=request.now)
        else:
            user = widget_token_verify(public_id=public_id, now=request.now,
                                       token=request.POST.get("host_token", ""))
    except (WidgetRefused, UploadTooLarge) as exc:
        return _refused(request, exc)
    return _form_page(request, user, _form(request, user))


@require_POST
@framed
@accepts_files(MAX_FILES)
def request_(request, public_id: str):
    """File the request as the session's contact, through the portal's form and
    ``ticket_create``."""
    refused = _foreign_post(request)
    if refused is not None:
        return refused
    try:
        request.POST  # noqa: B018 (read here, under accepts_files' limit)
        user = widget_session_verify(public_id=public_id, now=request.now,
                                     session=request.POST.get("session", ""))
    except (WidgetRefused, UploadTooLarge) as exc:
        return _refused(request, exc)
    form = _form(request, user, request.POST, request.FILES)
    if form.offer.channel is not None and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = widget_request_create(
                user=user, subject=data["subject"], description=data["description"],
                priority=data["priority"], topic=data["topic"],
                copy_administrator=data.get("copy_administrator", False),
                files=data["attachments"], now=request.now)
        except DeskError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return _page(request, "portal/widget/done.html", {
                "ticket": ticket, "session": widget_session_issue(user), "user": user})
    return _form_page(request, user, form, status=400)


@require_POST
@framed
def suggest(request, public_id: str):
    """The frame's script, as the subject is typed: the best articles the session's contact
    may read (issue 18 deflection; the portal's selector and visibility), as a fragment."""
    user = _session_user(request, public_id)
    if user is None:
        return HttpResponse(status=403)
    text = " ".join(request.POST.get("subject", "").split())[:SUGGEST_MAX_CHARS]
    hits = []
    if len(text) >= SUGGEST_MIN_CHARS:
        try:
            hits = search_articles(principal=widget_principal(user), text=text,
                                   limit=SUGGESTIONS)
        except InvalidInput:
            hits = []
    return render(request, "portal/widget/suggestions.html", {"hits": hits})


@require_POST
@framed
def article(request, public_id: str):
    """A suggested article, opened inside the frame beside the form being written; opening
    it is a suggestion visit (deflected unless a request follows: ``kb.selectors``)."""
    user = _session_user(request, public_id)
    if user is None:
        return HttpResponse(status=403)
    try:
        found = article_for(widget_principal(user), request.POST.get("slug", "")[:200])
    except NotFound:
        raise Http404("no such article") from None
    suggestion_opened(article=found, contact=user.contact, source="widget", now=request.now)
    return render(request, "portal/widget/article.html", {
        "article": found, "html": article_html(found.body)})


def _session_user(request, public_id: str) -> WidgetUser | None:
    """The session's user for a fragment the frame's script fetches, or None (refused)."""
    if _foreign_post(request) is not None:
        return None
    try:
        return widget_session_verify(public_id=public_id, now=request.now,
                                     session=request.POST.get("session", ""))
    except WidgetRefused:
        return None


def _form(request, user: WidgetUser, *data) -> SubmitRequestForm:
    org = user.widget.organisation
    administrator = (org.administrator if org.administrator_id not in (None, user.contact.pk)
                     else None)
    return SubmitRequestForm(*(d or None for d in data), offer=portal_offer(org, now=request.now),
                             administrator=administrator)


def _form_page(request, user: WidgetUser, form, status: int = 200):
    response = _page(request, "portal/widget/form.html", {
        "form": form, "offer": form.offer, "user": user,
        "session": widget_session_issue(user)}, status=status)
    response.csp_frame_src = list(FRAME_HOSTS)  # a suggested article's video (kb.render)
    return response


def _foreign_post(request):
    """A post from a page on another site (Django's CSRF check refuses it the same way)."""
    origin = request.headers.get("Origin")
    own = f"{request.scheme}://{request.get_host()}"
    if origin is None or origin == own:
        return None
    return _refused(request, WidgetRefused("this form can only be sent from the widget itself",
                                           field="origin"), status=403)


def _refused(request, exc: DeskError, status: int | None = None):
    return _page(request, "portal/widget/refused.html", {"reason": exc.message},
                 status=status or exc.status)


def _page(request, template: str, context: dict, status: int = 200):
    """``host_origin``: the embedding page's origin as the frame's script saw it, kept only
    when it is one of the configured origins, so the frame may tell the host it filed."""
    widget = request.widget
    host = request.POST.get("host_origin", "") if request.method == "POST" else ""
    context = {"widget": widget, "org": widget.organisation, "origins": widget.origins,
               "host_origin": host if host in widget.origins else "", **context}
    return render(request, template, context, status=status)
