"""The satisfaction survey over the API (issue 16): a ticket's answer (whoever sees the ticket),
the requester's own answer as the signed-in customer, and for agents the list of answers and
their summary (``csat.selectors``). The signed link of the "solved" mail is answered on the
portal's survey page (``portal.csat``), which needs no sign-in: every API endpoint needs a
bearer token, so the link is not an API credential."""

from __future__ import annotations

from typing import Annotated

from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime, ConfigDict, Field, StringConstraints

from pledgedesk.api import lookup
from pledgedesk.api import schemas as s
from pledgedesk.api.auth import caller_of
from pledgedesk.api.lookup import Number
from pledgedesk.bounds import Id, Text
from pledgedesk.csat import selectors, services
from pledgedesk.csat.models import MAX_COMMENT, RATINGS, SurveyResponse

router = Router(tags=["satisfaction"])


class SurveyIn(s.In):
    rating: int = Field(ge=1, le=5, description="5 very satisfied … 1 very dissatisfied.")
    comment: Annotated[Text, StringConstraints(max_length=MAX_COMMENT)] = ""


class SurveyOut(s.Out):
    ticket: int = Field(description="The ticket's number.")
    rating: int
    label: str = Field(description="The rating in words (\"Satisfied\").")
    comment: str = Field(description="As given: escape it.")
    contact: s.Person | None = Field(description="Who answered (the requester).")
    created_at: s.Instant


class SurveyStateOut(s.Out):
    ticket: int
    open: bool = Field(description="Solved or closed: the survey may be answered.")
    may_answer: bool = Field(description="The caller is the requester and may answer now.")
    answer: SurveyOut | None


class ResponsesQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    since: AwareDatetime | None = Field(default=None,
                                        description="Answers given from this instant.")
    until: AwareDatetime | None = Field(default=None, description="… and before this one.")
    organisation: Id | None = None
    rating: int | None = Field(default=None, ge=1, le=5)
    before: Id | None = Field(default=None, description="next_before of the previous page.")


class ResponsesOut(s.Out):
    items: list[SurveyOut]
    next_before: int | None


class SummaryQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    since: AwareDatetime
    until: AwareDatetime
    organisation: Id | None = None
    group: Id | None = None
    assignee: Id | None = None


class SummaryOut(s.Out):
    answers: int
    average: float | None = Field(description="1 to 5; null when nobody answered.")
    satisfied: int = Field(description="Answers rated 4 or 5.")
    satisfied_share: float | None
    by_rating: dict[int, int]


def _out(answer: SurveyResponse, *, agent: bool) -> SurveyOut:
    contact = answer.contact
    return SurveyOut(
        ticket=answer.ticket.number, rating=answer.rating, label=dict(RATINGS)[answer.rating],
        comment=answer.comment, created_at=answer.created_at,
        contact=None if contact is None else s.Person(
            kind="contact", name=contact.name, id=contact.pk if agent else None))


@router.get("/tickets/{number}/survey", response={200: SurveyStateOut, **s.ERRORS},
            summary="The ticket's satisfaction answer (whoever sees the ticket)")
def ticket_survey(request, number: Number):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    answer = selectors.response_for(ticket=ticket)
    open_now = services.survey_open(ticket)
    return SurveyStateOut(
        ticket=ticket.number, open=open_now, answer=None if answer is None else _out(
            answer, agent=caller.is_agent),
        may_answer=answer is None and open_now and caller.contact is not None
        and caller.contact.pk == ticket.requester_id)


@router.post("/tickets/{number}/survey", response={201: SurveyOut, **s.ERRORS},
             summary="Answer the survey as the ticket's requester (after Solved, once)")
def ticket_survey_answer(request, number: Number, payload: SurveyIn):
    caller = caller_of(request)
    ticket = lookup.ticket(caller, number)
    answer = services.survey_answer_as(principal=caller.principal, ticket=ticket,
                                       rating=payload.rating, comment=payload.comment,
                                       now=caller.now)
    return Status(201, _out(answer, agent=caller.is_agent))


@router.get("/csat/responses", response={200: ResponsesOut, **s.ERRORS},
            summary="Satisfaction answers, newest first (agents)")
def responses(request, params: Query[ResponsesQuery]):
    caller = caller_of(request)
    caller.require_agent("list survey answers")
    page = selectors.responses(since=params.since, until=params.until,
                               organisation_id=params.organisation, rating=params.rating,
                               before=params.before)
    return ResponsesOut(items=[_out(a, agent=True) for a in page.items],
                        next_before=page.before)


@router.get("/csat/summary", response={200: SummaryOut, **s.ERRORS},
            summary="Satisfaction in a window: answers, average, share satisfied (agents)")
def summary(request, params: Query[SummaryQuery]):
    caller = caller_of(request)
    caller.require_agent("report satisfaction")
    found = selectors.csat_summary(since=params.since, until=params.until,
                                   organisation_id=params.organisation,
                                   group_id=params.group, assignee_id=params.assignee)
    return SummaryOut(answers=found.answers, average=found.average, satisfied=found.satisfied,
                      satisfied_share=found.satisfied_share, by_rating=found.by_rating)
