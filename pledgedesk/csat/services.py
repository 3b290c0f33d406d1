"""Answering the survey: the signed link names the ticket; one answer per ticket."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from pledgedesk.channels.outbound import survey_ticket_id
from pledgedesk.csat.models import MAX_COMMENT, RATINGS, SurveyResponse
from pledgedesk.errors import Conflict, InvalidInput, NotFound
from pledgedesk.tickets.models import Ticket


def survey_ticket(*, token: str) -> Ticket:
    """The ticket a survey link is for; NotFound for a link that is not valid or expired."""
    ticket_id = survey_ticket_id(token)
    ticket = (Ticket.objects.select_related("requester", "organisation")
              .filter(pk=ticket_id).first() if ticket_id else None)
    if ticket is None:
        raise NotFound("this survey link is not valid or has expired")
    return ticket


def survey_answer(*, token: str, rating: int, comment: str, now: datetime) -> SurveyResponse:
    ticket = survey_ticket(token=token)
    if rating not in dict(RATINGS):
        raise InvalidInput("rating must be 1 to 5", field="rating")
    if len(comment) > MAX_COMMENT or "\x00" in comment:
        raise InvalidInput(f"comment: at most {MAX_COMMENT} characters", field="comment")
    if ticket.status_category not in ("solved", "closed"):
        raise Conflict(f"ticket {ticket.number} is not solved; the survey waits until it is",
                       field="ticket")
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(
                ticket=ticket, contact=ticket.requester, rating=rating,
                comment=comment.strip(), created_at=now)
    except IntegrityError:
        raise Conflict("this survey was answered already; thank you", field="ticket") from None
