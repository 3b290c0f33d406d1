"""PostgreSQL finds the newest candidates three ways (tickets.search, issue 16: the 1M-ticket
target): a backward walk for common words, every GIN match for few, and GIN matches inside a
window of the newest ids in between. Whichever the estimate picks, the page is the same; a
window that holds too few matches is searched again without it; and a contact's search by the
row's organisation column still shows only what ``visible_tickets`` lets them see."""

from __future__ import annotations

import pytest
from django.db import connection

from pledgedesk.accounts.authorization import Principal
from pledgedesk.tickets import search
from pledgedesk.tickets.models import TicketSearch
from pledgedesk.tickets.search import search_tickets
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation

# The shapes are PostgreSQL's; SQLite's FTS5 path is tests/tickets/test_search.py.
pytestmark = [pytest.mark.django_db, pytest.mark.postgresql]
RK = "crm-severity-colours"


@pytest.fixture
def desk():
    org = organisation(RK, name="Globex")
    admin = contact(org, role="administrator", name="Hank Scorpio")
    other = organisation(RK, name="Initech")
    outsider = contact(other, role="administrator", name="Bill Lumbergh")
    tickets = []
    for n in range(12):
        words = "printer jams" if n % 3 else "printer jams paper tray"
        owner, who = (org, admin) if n % 4 else (other, outsider)
        tickets.append(ticket_create(new=NewTicket(
            organisation=owner, requester=who, subject=f"Case {n} {words}",
            description=f"the {words} again " * (1 + n % 2), channel="portal"), now=T0))
    return admin, outsider, tickets, Principal(agent=agent(name="Erin"))


def _page(principal, text):
    return [(h.ticket.number, round(h.rank, 6))
            for h in search_tickets(principal=principal, text=text).hits]


def _forced(monkeypatch, matches, rows):
    monkeypatch.setattr(search, "_estimate", lambda *a, **k: (matches, rows))


@pytest.mark.parametrize("text", ["printer", "paper tray", "printer -tray", '"jams paper"'])
def test_every_shape_gives_the_same_page(desk, monkeypatch, text):
    *_, erin = desk
    expected = _page(erin, text)
    assert expected  # the words are there
    for matches, rows in ((1_000, 1_000), (2, 1_000_000), (5_000, 1_000_000)):
        _forced(monkeypatch, matches, rows)  # walk, every match, window (then again)
        assert _page(erin, text) == expected, (matches, rows)


def test_a_window_with_enough_matches_ranks_only_the_newest(desk, monkeypatch):
    *_, tickets, erin = desk
    monkeypatch.setattr(search, "CANDIDATES", 3)
    _forced(monkeypatch, 2, 1_000_000)  # every match: the newest 3 of them ranked
    everything = _page(erin, "printer")
    newest = sorted((t.pk for t in tickets), reverse=True)[:3]
    monkeypatch.setattr(search, "_window", lambda cursor, matches: min(newest))
    _forced(monkeypatch, 5_000, 1_000_000)

    assert _page(erin, "printer") == everything
    assert {n for n, _ in everything} == {t.number for t in tickets if t.pk in newest}


def test_a_window_with_too_few_matches_is_searched_again_without_it(desk, monkeypatch):
    *_, tickets, erin = desk
    expected = _page(erin, "printer")
    newest = max(t.pk for t in tickets)
    monkeypatch.setattr(search, "_window", lambda cursor, matches: newest)  # one ticket
    _forced(monkeypatch, 5_000, 1_000_000)

    assert _page(erin, "printer") == expected and len(expected) > 1


def test_a_contact_searches_by_the_organisation_column_and_sees_only_their_own(desk,
                                                                             monkeypatch):
    admin, outsider, tickets, _ = desk
    mine = {t.number for t in tickets if t.organisation_id == admin.organisation_id}
    for matches, rows in ((1_000, 1_000), (2, 1_000_000)):
        _forced(monkeypatch, matches, rows)
        assert {n for n, _ in _page(Principal(contact=admin), "printer")} == mine
    # A search row whose organisation column were wrong is never shown for it: the tickets
    # are read through visible_tickets.
    theirs = next(t for t in tickets if t.organisation_id == outsider.organisation_id)
    TicketSearch.objects.filter(ticket=theirs).update(organisation_id=admin.organisation_id)
    assert theirs.number not in {n for n, _ in _page(Principal(contact=admin), "printer")}


@pytest.mark.usefixtures("desk")
def test_the_estimate_comes_from_the_planner():
    with connection.cursor() as cursor:
        matches, rows = search._estimate(cursor, "agent_doc", (search._QUERY, ["printer"]),
                                         "", [])
    assert matches > 0 and rows > 0


def test_the_search_is_never_prepared_so_each_run_is_planned_for_its_words(desk):
    *_, erin = desk
    connection.ensure_connection()
    raw = connection.connection
    before = raw.prepare_threshold
    for _ in range(8):  # past psycopg's prepare threshold (pledgedesk.config: 5)
        search_tickets(principal=erin, text="printer")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements "
                       "WHERE statement LIKE '%%websearch_to_tsquery%%'")
        assert cursor.fetchone()[0] == 0
    assert before is not None and raw.prepare_threshold == before  # the setting is back


def test_a_phrase_or_an_exclusion_ranks_what_matches_of_its_words_newest_candidates(
        desk, monkeypatch):
    # The rule (tickets.search): the candidates of a phrase or an exclusion are the newest
    # CANDIDATES matches of its words; those that match it exactly are ranked.
    admin, *_, erin = desk

    def made(subject):
        return ticket_create(new=NewTicket(organisation=admin.organisation, requester=admin,
                                           subject=subject, description="", channel="portal"),
                             now=T0).number

    oldest = made("Gasket only")
    seal = made("Seal gasket")
    made("Gasket seal ring")
    assert [n for n, _ in _page(erin, '"seal gasket"')] == [seal]
    assert [n for n, _ in _page(erin, "gasket -ring")] == [seal, oldest]

    monkeypatch.setattr(search, "CANDIDATES", 1)  # the newest match of the words: "ring"
    assert _page(erin, '"seal gasket"') == [] and _page(erin, "gasket -ring") == []
    monkeypatch.setattr(search, "CANDIDATES", 2)
    assert [n for n, _ in _page(erin, "gasket -ring")] == [seal]


def test_an_exclusion_with_only_stop_words_besides_is_searched_whole(desk):
    # "the" is a stop word: the words leave no candidates' query, so the whole is searched.
    *_, tickets, erin = desk
    without = {t.number for t in tickets if "tray" not in t.subject}
    assert without and {n for n, _ in _page(erin, "the -tray")} == without
