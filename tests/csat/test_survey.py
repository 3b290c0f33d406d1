"""The satisfaction survey (issue 16): a signed link in the "solved" mail (and in a reply
that solves), a form in the portal answered once, the answer shown to agents, averages for
reports."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from pledgedesk.channels.models import OutboundMessage
from pledgedesk.channels.outbound import survey_token
from pledgedesk.csat.models import SurveyResponse
from pledgedesk.csat.selectors import csat_summary
from pledgedesk.tickets.services import Change, ticket_reply, ticket_update
from tests.outbox.helpers import drain
from tests.pages import NOW, RK, as_agent, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def solved():
    org = organisation(RK, timezone="America/Chicago", country="US")
    admin = person(org, role="administrator", name="Dana")
    maria = staff(name="Maria")
    ticket = open_ticket(org, admin)
    ticket_update(ticket=ticket, actor=as_agent(maria), change=Change(status="solved"),
                  expected_version=None, now=NOW + timedelta(minutes=1))
    drain(now=NOW + timedelta(minutes=2))
    return ticket, maria


def _link(mail: OutboundMessage) -> str:
    return re.search(r"http://\S+/survey/(\S+)/", mail.text).group(0)


def test_the_solved_mail_links_to_a_survey_answered_once_and_shown_to_agents(client, solved,
                                                                             at_now):
    ticket, maria = solved
    mail = OutboundMessage.objects.get(ticket=ticket, kind=OutboundMessage.Kind.STATUS)
    link = _link(mail)
    assert link in mail.html  # both parts carry it
    path = link.split("://", 1)[1].split("/", 1)[1]

    page = client.get("/" + path)
    assert page.status_code == 200 and "How satisfied are you" in page.content.decode()
    assert not SurveyResponse.objects.exists()  # opening the link answers nothing
    answered = client.post("/" + path, {"rating": "4", "comment": "Quick, thanks"})
    assert answered.status_code == 200 and 'id="survey-thanks"' in answered.content.decode()
    row = SurveyResponse.objects.get()
    assert (row.ticket_id, row.rating, row.comment) == (ticket.pk, 4, "Quick, thanks")
    again = client.post("/" + path, {"rating": "1", "comment": "changed my mind"})
    assert "Satisfied" in again.content.decode()
    assert SurveyResponse.objects.get().rating == 4  # not overwritten

    client.force_login(maria.user)
    panel = client.get(f"/console/tickets/{ticket.number}/panel/").content.decode()
    assert 'id="csat-rating"><strong>Satisfied</strong> (4/5)' in panel
    assert "Quick, thanks" in panel


def test_a_forged_or_bad_answer_is_refused(client, solved, at_now):
    ticket, _ = solved
    url = reverse("portal:survey", args=[survey_token(ticket)])
    assert client.get(url.rstrip("/") + "x/").status_code == 404
    bad = client.post(url, {"rating": "9"})
    assert bad.status_code == 400 and not SurveyResponse.objects.exists()


def test_a_reply_that_solves_carries_the_link_and_other_replies_do_not(solved):
    ticket, maria = solved
    org = ticket.organisation
    other = open_ticket(org, ticket.requester, subject="Two")
    ticket_reply(ticket=other, actor=as_agent(maria), body="Hello", expected_version=None,
                 now=NOW + timedelta(minutes=3))
    ticket_reply(ticket=other, actor=as_agent(maria), body="Fixed", change=Change(
        status="solved"), expected_version=None, now=NOW + timedelta(minutes=4))
    drain(now=NOW + timedelta(minutes=5))
    replies = list(OutboundMessage.objects.filter(ticket=other, kind=OutboundMessage.Kind.REPLY)
                   .order_by("pk"))
    assert ["/survey/" in m.text for m in replies] == [False, True]


def test_the_summary_averages_answers_in_a_window_by_organisation(solved):
    ticket, _ = solved
    SurveyResponse.objects.create(ticket=ticket, rating=5, created_at=NOW)
    org2 = organisation(RK)
    other = open_ticket(org2, person(org2, role="administrator"))
    SurveyResponse.objects.create(ticket=other, rating=2, created_at=NOW)

    everyone = csat_summary(since=NOW, until=NOW + timedelta(days=1))
    assert (everyone.answers, everyone.average, everyone.satisfied) == (2, 3.5, 1)
    assert everyone.by_rating == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert everyone.satisfied_share == 0.5
    mine = csat_summary(since=NOW, until=NOW + timedelta(days=1),
                        organisation_id=ticket.organisation_id)
    assert (mine.answers, mine.average) == (1, 5.0)
    assert csat_summary(since=NOW + timedelta(days=1), until=NOW + timedelta(days=2)
                        ).average is None
