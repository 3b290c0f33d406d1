"""The survey on the portal's ticket page (issue 16): after Solved the requester is offered the
signed link, answers once, and the page then shows the answer; a colleague who sees the
ticket reads the answer but is never asked; before Solved nothing is shown (and nothing is
read)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.accounts.authorization import Principal
from pledgedesk.csat.selectors import survey_state
from pledgedesk.csat.services import survey_answer_as
from pledgedesk.errors import Conflict, PermissionDenied
from pledgedesk.tickets.services import Change, ticket_update
from tests.pages import NOW, RK, as_agent, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    org = organisation(RK)
    requester = person(org, name="Rita Requester")
    admin = person(org, role="administrator", name="Dana Admin")
    ticket = open_ticket(org, requester)
    return ticket, requester, admin, staff(name="Maria")


def _solve(ticket, maria):
    ticket_update(ticket=ticket, actor=as_agent(maria), change=Change(status="solved"),
                  expected_version=None, now=NOW + timedelta(minutes=1))


def test_the_requester_is_offered_the_link_after_solved_and_then_sees_the_answer(
        client, desk, at_now):
    ticket, requester, _, maria = desk
    client.force_login(requester.user)
    page = f"/portal/tickets/{ticket.number}/"
    assert 'id="survey-link"' not in client.get(page).content.decode()  # not solved yet
    _solve(ticket, maria)

    html = client.get(page).content.decode()
    assert 'id="survey-link"' in html
    link = html.split('id="survey-link">', 1)[1].split('href="', 1)[1].split('"', 1)[0]
    answered = client.post(link, {"rating": "2", "comment": "Took <b>long</b>"})
    assert answered.status_code == 200 and 'id="survey-thanks"' in answered.content.decode()

    html = client.get(page).content.decode()
    assert 'id="survey-link"' not in html
    assert "Dissatisfied</strong> (2/5)" in html and "Took &lt;b&gt;long&lt;/b&gt;" in html


def test_a_colleague_reads_the_answer_but_is_never_asked(client, desk, at_now):
    ticket, requester, admin, maria = desk
    _solve(ticket, maria)
    client.force_login(admin.user)
    page = f"/portal/tickets/{ticket.number}/"
    assert 'id="survey-link"' not in client.get(page).content.decode()
    with pytest.raises(PermissionDenied):
        survey_answer_as(principal=Principal(contact=admin), ticket=ticket, rating=5,
                         comment="", now=NOW)

    survey_answer_as(principal=Principal(contact=requester), ticket=ticket, rating=5,
                     comment="", now=NOW)
    assert 'id="survey-answer"' in client.get(page).content.decode()


def test_before_solved_the_state_reads_nothing_and_an_answer_is_refused(
        desk, django_assert_num_queries):
    ticket, requester, _, _ = desk
    with django_assert_num_queries(0):
        state = survey_state(principal=Principal(contact=requester), ticket=ticket)
    assert (state.answer, state.token) == (None, None)
    with pytest.raises(Conflict):
        survey_answer_as(principal=Principal(contact=requester), ticket=ticket, rating=5,
                         comment="", now=NOW)
