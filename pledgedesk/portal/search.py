"""Search in the portal (issue 16): a customer searches the tickets they may see, their
organisation's for an Administrator or the primary contact, their own (and those they are
copied on) otherwise, with snippets of the conversation. The same selector as the console and
the API (``tickets.search.search_tickets``), so the same authorisation (``visible_tickets``)
and never an internal note: a contact's search does not read the notes' column at all."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import prefetch_related_objects
from django.shortcuts import render
from django.views.decorators.http import require_safe

from pledgedesk.errors import InvalidInput
from pledgedesk.portal.views import _page_context, contact_required
from pledgedesk.tickets.search import MAX_PAGES, MAX_QUERY, search_tickets
from pledgedesk.web import present


@require_safe
@contact_required
def search_page(request):
    text = request.GET.get("q", "")[:MAX_QUERY + 1].strip()
    page_raw = request.GET.get("page", "1")
    page = int(page_raw) if page_raw.isdigit() and len(page_raw) < 4 else 0
    context = _page_context(request, query=text, section="search", hits=[], page=page,
                            more=False, max_query=MAX_QUERY,
                            whole_org=request.principal.sees_whole_organisation)
    if not text:  # the empty form
        return render(request, "portal/search.html", context)
    try:
        found = search_tickets(principal=request.principal, text=text, page=page)
    except InvalidInput as error:
        context["problem"] = error.message
        return render(request, "portal/search.html", context, status=400)
    tickets = [h.ticket for h in found.hits]
    prefetch_related_objects(tickets, "timers")
    context.update(
        hits=list(zip(found.hits, present.rows(tickets, request.now, customer=True),
                      strict=True)),
        more=found.more and page < MAX_PAGES,
        next_query=urlencode({"q": text, "page": page + 1}),
        previous_query=urlencode({"q": text, "page": page - 1}) if page > 1 else "")
    return render(request, "portal/search.html", context)
