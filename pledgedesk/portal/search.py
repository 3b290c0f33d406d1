"""Search in the portal (issue 16): a customer searches the tickets they may see, their
organisation's for an Administrator or the primary contact, their own (and those they are
copied on) otherwise, with snippets of the conversation. The same selector as the console and
the API (``tickets.search.search_tickets``), so the same authorisation (``visible_tickets``)
and never an internal note: a contact's search does not read the notes' column at all."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from pledgedesk.errors import InvalidInput
from pledgedesk.portal.views import _page_context, contact_required
from pledgedesk.tickets.search import MAX_QUERY
from pledgedesk.web.search_results import requested_page, search_results


@require_safe
@contact_required
def search_page(request):
    text = request.GET.get("q", "")[:MAX_QUERY + 1].strip()
    page = requested_page(request)
    context = _page_context(request, query=text, section="search", hits=[], page=page,
                            more=False, max_query=MAX_QUERY,
                            whole_org=request.principal.sees_whole_organisation)
    if not text:  # the empty form
        return render(request, "portal/search.html", context)
    try:
        context.update(search_results(request, text, page, customer=True))
    except InvalidInput as error:
        context["problem"] = error.message
        return render(request, "portal/search.html", context, status=400)
    return render(request, "portal/search.html", context)
