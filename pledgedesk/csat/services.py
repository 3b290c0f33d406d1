"""Answering the survey (issue 16), once per ticket, after Solved: through the signed link in
the "solved" mail (the link is the credential, no sign-in) or as the signed-in requester (the
portal's ticket page, the API). Both end in ``_answer``: the same checks, the same row."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from pledgedesk.accounts.authorization import Principal, ticket_visible
from pledgedesk.accounts.models import Contact
from pledgedesk.channels.outbound import survey_ticket_id
from pledgedesk.csat.models import ANSWERABLE, MAX_COMMENT, RATINGS, SurveyResponse
from pledgedesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
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
    """The answer given through the signed link: recorded as the requester's."""
    ticket = survey_ticket(token=token)
    return _answer(ticket, ticket.requester, rating, comment, now)


def survey_answer_as(*, principal: Principal, ticket: Ticket, rating: int, comment: str,
                     now: datetime) -> SurveyResponse:
    """The answer given by the signed-in customer: the ticket's requester only (the survey
    asks how *their* request was handled; a colleague who sees the ticket may read the
    answer, not give it). A ticket the principal may not see is NotFound."""
    if not ticket_visible(principal, ticket):
        raise NotFound(f"ticket {ticket.number} not found")
    ticket = Ticket.objects.get(pk=ticket.pk)  # its status now, not as the caller read it
    contact = principal.contact
    if contact is None or contact.pk != ticket.requester_id:
        raise PermissionDenied("only the ticket's requester answers its survey",
                               field="ticket")
    return _answer(ticket, contact, rating, comment, now)


def survey_open(ticket: Ticket) -> bool:
    """Whether the survey may be answered now (ignoring whether it was): after Solved."""
    return ticket.status_category in ANSWERABLE


def _answer(ticket: Ticket, contact: Contact | None, rating, comment: str,
            now: datetime) -> SurveyResponse:
    if isinstance(rating, bool) or rating not in dict(RATINGS):
        raise InvalidInput("rating must be 1 to 5", field="rating")
    comment = comment or ""
    if len(comment) > MAX_COMMENT or "\x00" in comment:
        raise InvalidInput(f"comment: at most {MAX_COMMENT} characters", field="comment")
    if not survey_open(ticket):
        raise Conflict(f"ticket {ticket.number} is not solved; the survey waits until it is",
                       field="ticket")
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(
                ticket=ticket, contact=contact, rating=rating, comment=comment.strip(),
                created_at=now)
    except IntegrityError:
        raise Conflict("this survey was answered already; thank you", field="ticket") from None
