"""Survey answers: one ticket's, and averages for reports (issue 19 reads ``csat_summary``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Q

from pledgedesk.csat.models import SurveyResponse
from pledgedesk.tickets.models import Ticket


def response_for(*, ticket: Ticket) -> SurveyResponse | None:
    return SurveyResponse.objects.filter(ticket=ticket).first()


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
