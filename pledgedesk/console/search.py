"""The console's search box (issue 16): a ticket number jumps to the ticket, anything else is
a full-text search (``tickets.search``: the same selector and authorisation as the API), shown
with marked snippets. ``?number=`` (the box's old name) still jumps."""

from __future__ import annotations

import re

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from pledgedesk.accounts.authorization import visible_tickets
from pledgedesk.console.views import _base, agent_required
from pledgedesk.errors import InvalidInput
from pledgedesk.tickets.models import Ticket
from pledgedesk.web.query import TicketNumberQuery, parse_query
from pledgedesk.web.search_results import requested_page, search_results

_NUMBER = re.compile(r"#?\s*(\d{1,30})")


@require_safe
@agent_required
def search_page(request):
    by_number = "q" not in request.GET
    raw = (request.GET.get("number", "") if by_number else request.GET.get("q", "")).strip()
    jump = _NUMBER.fullmatch(raw)
    if jump or by_number:
        number = parse_query({"number": jump.group(1) if jump else raw},
                             TicketNumberQuery).values.number
        if number is not None and visible_tickets(request.principal, Ticket.objects.filter(
                number=number)).exists():
            return redirect("console:ticket", number=number)
        if by_number or not raw:
            messages.error(request, f"No ticket #{raw.lstrip('#')}.")
            return redirect("console:queue")
        messages.info(request, f"No ticket #{number or raw.lstrip('#')}; searched the text "
                      "instead.")
    return _results(request, raw)


def _results(request, text: str):
    page = requested_page(request)
    context = _base(request, query=text, section="search", hits=[], page=page, more=False)
    try:
        context.update(search_results(request, text, page))
    except InvalidInput as error:
        context["problem"] = error.message
        return render(request, "console/search.html", context, status=400)
    return render(request, "console/search.html", context)
