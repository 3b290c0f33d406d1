"""One page of ticket search results for the doors that show it (issue 16): the console and
the portal differ only in their template and in whose words the rows are worded; the search
itself and its authorisation are ``tickets.search.search_tickets``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import prefetch_related_objects

from pledgedesk.tickets.search import MAX_PAGES, search_tickets
from pledgedesk.web import present


def requested_page(request) -> int:
    """``?page=``, or 0 (refused by the search as out of range) when it is not a small number."""
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 4 else 0


def search_results(request, text: str, page: int, *, customer: bool = False) -> dict:
    """The hits of ``text`` on ``page`` for the request's principal, each with its row as
    ``present.rows`` words it (for a customer when ``customer``), and the paging links.
    Raises ``InvalidInput`` for a query or page the search refuses."""
    found = search_tickets(principal=request.principal, text=text, page=page)
    tickets = [h.ticket for h in found.hits]
    prefetch_related_objects(tickets, "timers", "policy_version")  # one query each
    return {
        "hits": list(zip(found.hits, present.rows(tickets, request.now, customer=customer),
                         strict=True)),
        "more": found.more and page < MAX_PAGES,
        "next_query": urlencode({"q": text, "page": page + 1}),
        "previous_query": urlencode({"q": text, "page": page - 1}) if page > 1 else "",
    }
