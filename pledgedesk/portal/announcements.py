"""Dismissing a policy announcement's banner (PR-9, issue 18): in the portal (signed-in
contact, CSRF-checked form) and in the widget frame (the widget session's contact, checked as
the widget's other posts are). Each dismissal is the person's own
(``publishing.services.announcement_dismiss``); the banners come from
``publishing/banner.html``, included by the portal's and the widget's base templates."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pledgedesk.channels.widget import WidgetRefused, widget_session_verify
from pledgedesk.errors import NotFound
from pledgedesk.portal import widget
from pledgedesk.portal.views import contact_required
from pledgedesk.publishing.services import announcement_dismiss
from pledgedesk.web.htmx import redirect_to


@require_POST
@contact_required
def dismiss(request, announcement_id: int):
    try:
        announcement_dismiss(contact=request.contact, announcement_id=announcement_id,
                             now=request.now)
    except NotFound:
        raise Http404("no such announcement") from None
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("portal:tickets")
    return redirect_to(request, back)


@require_POST
@widget.framed
def widget_dismiss(request, public_id: str):
    """The widget's banner (its id in the form: ``framed`` views take the widget's id only):
    dismissed for the session's contact, then the form again."""
    refused = widget._foreign_post(request)
    if refused is not None:
        return refused
    try:
        user = widget_session_verify(public_id=public_id, now=request.now,
                                     session=request.POST.get("session", ""))
        announcement_dismiss(contact=user.contact, now=request.now,
                             announcement_id=_number(request.POST.get("announcement", "")))
    except WidgetRefused as exc:
        return widget._refused(request, exc)
    except NotFound:
        raise Http404("no such announcement") from None
    return widget._form_page(request, user, widget._form(request, user))


def _number(text: str) -> int:
    if not text.isdigit():
        raise NotFound("no such announcement", field="announcement")
    return int(text)
