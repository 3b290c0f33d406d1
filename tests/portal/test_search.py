"""Search in the portal (issue 16): a customer searches what ``visible_tickets`` lets them see
(their organisation's tickets for an Administrator, their own otherwise), with snippets of the
conversation, never an internal note and never another organisation's ticket."""

from __future__ import annotations

import pytest

from pledgedesk.tickets.services import ticket_note
from tests.pages import NOW, RK, as_agent, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    org = organisation(RK)
    admin = person(org, role="administrator", name="Dana Admin")
    colleague = person(org, name="Carl Colleague")
    mine = open_ticket(org, colleague, subject="Invoice export empty",
                       description="The <b>invoice</b> export has no rows since Monday")
    theirs = open_ticket(org, admin, subject="Invoice layout", description="Logo too big")
    other = organisation(RK)
    foreign = open_ticket(other, person(other, role="administrator"),
                          subject="Invoice export for us too")
    ticket_note(ticket=mine, actor=as_agent(staff()), body="zebracode customer is difficult",
                expected_version=None, now=NOW)
    return admin, colleague, mine, theirs, foreign


def _numbers(html: str) -> list[int]:
    return [int(chunk.split('"', 1)[0]) for chunk in html.split('data-number="')[1:]]


def test_the_administrator_searches_the_organisations_tickets_with_snippets(client, desk,
                                                                           at_now):
    admin, _, mine, theirs, foreign = desk
    client.force_login(admin.user)

    html = client.get("/portal/search/", {"q": "invoice"}).content.decode()

    assert sorted(_numbers(html)) == sorted([mine.number, theirs.number])
    assert foreign.number not in _numbers(html)
    assert "<mark>invoice</mark>" in html.lower()
    assert "<b>" not in html  # the stored markup is escaped (or dropped), never rendered


def test_a_contact_finds_only_their_own_tickets(client, desk, at_now):
    _, colleague, mine, _, _ = desk
    client.force_login(colleague.user)

    html = client.get("/portal/search/", {"q": "invoice"}).content.decode()

    assert _numbers(html) == [mine.number]


def test_internal_notes_are_never_searched_nor_shown(client, desk, at_now):
    admin, colleague, _, _, _ = desk
    for who in (admin, colleague):
        client.force_login(who.user)
        html = client.get("/portal/search/", {"q": "zebracode"}).content.decode()
        assert _numbers(html) == [] and "difficult" not in html
        assert "No ticket matches" in html


def test_the_form_the_bad_query_and_the_signed_out_visitor(client, desk, at_now):
    admin, *_ = desk
    assert client.get("/portal/search/", {"q": "x"})["Location"].startswith("/portal/sign-in/")
    client.force_login(admin.user)

    empty = client.get("/portal/search/")
    too_long = client.get("/portal/search/", {"q": "x" * 201})

    assert empty.status_code == 200 and 'id="search-results"' not in empty.content.decode()
    assert too_long.status_code == 400
    assert "longer than 200 characters" in too_long.content.decode()
    assert 'action="/portal/search/"' in client.get("/portal/").content.decode()
