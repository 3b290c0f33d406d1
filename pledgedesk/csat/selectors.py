"""Survey answers: one ticket's, and averages for reports (issue 19 reads ``csat_summary``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Q

from pledgedesk.accounts.authorization import Principal
from pledgedesk.channels.outbound import survey_token
from pledgedesk.csat.models import ANSWERABLE, SurveyResponse
from pledgedesk.tickets.models import Ticket


def response_for(*, ticket: Ticket) -> SurveyResponse | None:
    return SurveyResponse.objects.filter(ticket=ticket).first()


@dataclass(frozen=True)
class SurveyState:
    answer: SurveyResponse | None
    token: str | None  # the signed survey token, offered to the requester while unanswered


def survey_state(*, principal: Principal, ticket: Ticket) -> SurveyState:
    """What a ticket's page shows of the survey: nothing before Solved (and no query); after,
    the answer if there is one, else the signed link's token for the ticket's requester (a
    colleague who sees the ticket is not asked). The caller has checked the ticket is
    visible to ``principal``."""
    if ticket.status_category not in ANSWERABLE:
        return SurveyState(answer=None, token=None)
    answer = response_for(ticket=ticket)
    contact = principal.contact
    asked = answer is None and contact is not None and contact.pk == ticket.requester_id
    return SurveyState(answer=answer, token=survey_token(ticket) if asked else None)


PAGE_SIZE = 50


@dataclass(frozen=True)
class ResponsePage:
    items: list[SurveyResponse]
    before: int | None  # the id to pass for the next (older) page; None on the last


def responses(*, since: datetime | None = None, until: datetime | None = None,
              organisation_id: int | None = None, rating: int | None = None,
              before: int | None = None, size: int = PAGE_SIZE) -> ResponsePage:
    """Answers, newest first, for agents' lists and reports: optionally given in [since,
    until), for one organisation or one rating; a keyset page of ``size`` older than the
    answer ``before``. One query (with the ticket, its organisation and the contact)."""
    rows = SurveyResponse.objects.select_related("ticket", "ticket__organisation", "contact")
    for field, value in (("created_at__gte", since), ("created_at__lt", until),
                         ("ticket__organisation_id", organisation_id), ("rating", rating),
                         ("pk__lt", before)):
        if value is not None:
            rows = rows.filter(**{field: value})
    found = list(rows.order_by("-pk")[:size + 1])
    return ResponsePage(items=found[:size],
                        before=found[size - 1].pk if len(found) > size else None)


@dataclass(frozen=True)
class CsatSummary:
    answers: int
    average: float | None  # 1..5, None when nobody answered
    satisfied: int  # answers rated 4 or 5
    by_rating: dict[int, int]

    @property
    def satisfied_share(self) -> float | None:
        return self.satisfied / self.answers if self.answers else None


def csat_summary(*, since: datetime, until: datetime, organisation_id: int | None = None,
                 group_id: int | None = None, assignee_id: int | None = None) -> CsatSummary:
    """Answers given in [since, until), optionally for one organisation, group or assignee:
    one aggregate query."""
    rows = SurveyResponse.objects.filter(created_at__gte=since, created_at__lt=until)
    for field, value in (("ticket__organisation_id", organisation_id),
                         ("ticket__group_id", group_id), ("ticket__assignee_id", assignee_id)):
        if value is not None:
            rows = rows.filter(**{field: value})
    found = rows.aggregate(answers=Count("id"), average=Avg("rating"),
                           satisfied=Count("id", filter=Q(rating__gte=4)),
                           **{f"r{n}": Count("id", filter=Q(rating=n)) for n in range(1, 6)})
    average = found["average"]
    return CsatSummary(answers=found["answers"],
                       average=round(float(average), 2) if average is not None else None,
                       satisfied=found["satisfied"],
                       by_rating={n: found[f"r{n}"] for n in range(1, 6)})
