"""FG-10 by mail: the page a held request's signed link opens for the primary contact.

The link (``channels.outbound.access_link_token``) names the ticket, its access request and
the one contact who may decide it; it works once, because deciding releases the hold. The
page only shows the request: opening a link never decides anything (mail scanners open
links), and the buttons post to the portal's own decision (``decide_access``), which checks
again that the signed-in contact is the primary contact."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from pledgedesk.channels.outbound import access_link_check
from pledgedesk.portal.views import _page_context, _primary_only, _ticket, contact_required


@require_safe
@contact_required
def access_link(request, number: int, token: str):
    _primary_only(request)
    found = _ticket(request, number)
    refusal = access_link_check(token=token, ticket=found, contact=request.contact)
    return render(request, "portal/access_link.html",
                  _page_context(request, ticket=found, refusal=refusal, section="people"),
                  status=403 if refusal else 200)
