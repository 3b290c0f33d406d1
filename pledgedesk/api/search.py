"""Full-text search through the API: the same selector as the console (``tickets.search``),
so the same authorisation (``visible_tickets``): contacts search only the tickets they may
see and never internal notes."""

from __future__ import annotations

from typing import Annotated

from ninja import Query, Router, Schema
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from pledgedesk.api import render
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.bounds import storable
from pledgedesk.tickets.search import MAX_PAGES, MAX_QUERY, search_tickets

router = Router(tags=["search"])


class SearchQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUERY),
                 AfterValidator(storable)] = Field(
        description='Web-search syntax: words, "a phrase", or, -excluded.')
    page: int = Field(default=1, ge=1, le=MAX_PAGES)


class HitOut(s.Out):
    ticket: s.TicketSummaryOut
    rank: float
    subject_html: str = Field(description="The subject, escaped, matches in <mark>.")
    snippet_html: str = Field(description="Where the conversation matches, escaped, matches "
                              "in <mark>; empty when only the subject or people match.")
    internal_snippet_html: str | None = Field(
        description="Agents only: where an internal note matches; null for contacts.")


class SearchOut(s.Out):
    query: str
    page: int
    next_page: int | None
    items: list[HitOut]


@router.get("/search", response={200: SearchOut, **s.ERRORS}, summary="Search tickets")
def search(request, params: Query[SearchQuery]):
    """Subjects, conversations, requesters and organisations (and internal notes, for
    agents), best match first, 25 a page."""
    caller = caller_of(request)
    found = search_tickets(principal=caller.principal, text=params.q,
                           page=params.page)
    summaries = render.queue_page_out([h.ticket for h in found.hits], None,
                                      agent=caller.is_agent, now=caller.now).items
    items = [HitOut(ticket=summary, rank=hit.rank, subject_html=str(hit.subject_html),
                    snippet_html=str(hit.public_html),
                    internal_snippet_html=None if hit.internal_html is None
                    else str(hit.internal_html))
             for hit, summary in zip(found.hits, summaries, strict=True)]
    return SearchOut(query=found.query, page=found.page,
                     next_page=found.page + 1 if found.more else None, items=items)
