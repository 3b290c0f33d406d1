"""The console's search box, saved views and bulk actions (issue 16): text searches with
marked snippets and a number still jumps; views saved from the queue's filters, personal or
shared; ticked rows changed each at its own version, with a result per row."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from pledgedesk.queues.models import SavedView
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import ticket_note
from tests.pages import NOW, RK, as_agent, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    org = organisation(RK, timezone="America/Chicago", country="US")
    return org, person(org, role="administrator"), staff(name="Maria", groups=("support",))


def numbers(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-number="(\d+)"', page)]


def test_text_in_the_search_box_searches_with_marked_snippets(client, desk, at_now):
    org, admin, maria = desk
    hit = open_ticket(org, admin, subject="Scanner <i>offline</i>",
                      description="The <script>x()</script> scanner dropped off the network")
    open_ticket(org, admin, subject="Unrelated")
    ticket_note(ticket=hit, actor=as_agent(maria), body="flaky scanner firmware",
                expected_version=None, now=NOW)
    client.force_login(maria.user)

    page = client.get("/console/go/", {"q": "scanner"}).content.decode()

    assert numbers(page) == [hit.number]
    assert "<mark>Scanner</mark> &lt;i&gt;offline&lt;/i&gt;" in page
    assert "<mark>scanner</mark> dropped" in page and "<script>x()" not in page
    assert "Internal note</span> flaky <mark>scanner</mark>" in page


def test_a_number_in_the_search_box_still_jumps(client, desk, at_now):
    org, admin, maria = desk
    ticket = open_ticket(org, admin)
    client.force_login(maria.user)

    for query in ({"q": f"#{ticket.number}"}, {"q": f" {ticket.number} "},
                  {"number": str(ticket.number)}):
        response = client.get("/console/go/", query)
        assert response.status_code == 302, query
        assert response["Location"] == f"/console/tickets/{ticket.number}/"


def test_a_number_that_is_no_ticket_searches_the_text(client, desk, at_now):
    org, admin, maria = desk
    ticket = open_ticket(org, admin, subject="Error 40404 on login")
    client.force_login(maria.user)

    page = client.get("/console/go/", {"q": "40404"}, follow=True).content.decode()

    assert numbers(page) == [ticket.number] and "searched the text instead" in page


def test_a_bad_search_is_a_400_that_says_why(client, desk, at_now):
    client.force_login(desk[2].user)
    response = client.get("/console/go/", {"q": "x" * 201})
    assert response.status_code == 400 and "longer than 200" in response.content.decode()


def test_contacts_cannot_use_the_console_search(client, desk, at_now):
    org, admin, _ = desk
    open_ticket(org, admin)
    client.force_login(admin.user)
    response = client.get("/console/go/", {"q": "printer"})
    assert response.status_code == 302 and "/console/sign-in/" in response["Location"]


def test_the_queue_offers_views_and_the_bulk_bar_as_fragments(client, desk, at_now):
    org, admin, maria = desk
    open_ticket(org, admin, priority="red")
    client.force_login(maria.user)

    queue = client.get("/console/", {"priority": "red"}).content.decode()
    menu = client.get("/console/views/menu/", {"priority": "red", "view": "mine"}).content \
        .decode()
    bar = client.get("/console/bulk/bar/").content.decode()

    assert 'hx-get="/console/views/menu/?priority=red"' in queue
    assert 'form="bulk-form" name="row"' in queue
    assert 'name="priority" value="red"' in menu and 'name="view" value="mine"' in menu
    assert 'id="bulk-form"' in bar and "Apply to selected" in bar


def test_saving_the_queues_filters_as_a_view_and_sharing_it(client, desk, at_now):
    org, admin, maria = desk
    red = open_ticket(org, admin, priority="red")
    open_ticket(org, admin, priority="yellow")
    client.force_login(maria.user)

    response = client.post("/console/views/new/", {
        "name": "Reds", "priority": "red", "view": "unassigned", "sort": "sla_due",
        "columns": ["subject", "sla", "number"]})

    view = SavedView.objects.get(name="Reds")
    assert response["Location"] == f"/console/views/{view.pk}/"
    assert view.filters == {"priority": "red", "assignee": "unassigned"}
    assert not view.shared and view.columns == ["number", "subject", "sla"]
    page = client.get(f"/console/views/{view.pk}/").content.decode()
    assert numbers(page) == [red.number] and 'id="view-count">1<' in page

    other = staff(name="Olek")
    client.force_login(other.user)
    assert client.get(f"/console/views/{view.pk}/").status_code == 404
    client.force_login(maria.user)
    client.post(f"/console/views/{view.pk}/edit/", {"name": "Reds", "sort": "sla_due",
                                                     "columns": ["subject"], "shared": "1"})
    client.force_login(other.user)
    assert numbers(client.get(f"/console/views/{view.pk}/").content.decode()) == [red.number]
    assert "Reds" in client.get("/console/views/menu/").content.decode()
    assert client.post(f"/console/views/{view.pk}/delete/").status_code == 302
    assert SavedView.objects.filter(pk=view.pk).exists()  # only its owner deletes it
    client.force_login(maria.user)
    client.post(f"/console/views/{view.pk}/delete/")
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_a_view_page_costs_the_same_whatever_its_size(client, desk, at_now,
                                                      django_assert_max_num_queries):
    org, admin, maria = desk
    client.force_login(maria.user)
    client.post("/console/views/new/", {"name": "All", "sort": "sla_due"})
    view = SavedView.objects.get(name="All")
    for n in range(20):
        open_ticket(org, admin, at=NOW - timedelta(minutes=n))
    # session+user+agent, preference, the view, the page (timers, then tickets without one),
    # timers, policy versions, the capped count, the bar's agents, groups, policies and
    # organisations.
    with django_assert_max_num_queries(16):
        assert client.get(f"/console/views/{view.pk}/").status_code == 200


def test_bulk_changes_each_ticked_row_and_shows_a_result_per_row(client, desk, at_now):
    org, admin, maria = desk
    tickets = [open_ticket(org, admin, subject=f"Row {i}") for i in range(3)]
    stale = tickets[2]
    Ticket.objects.filter(pk=stale.pk).update(version=stale.version + 1)
    client.force_login(maria.user)

    response = client.post("/console/bulk/", {
        "row": [f"{t.number}:{t.version}" for t in tickets], "priority": "red",
        "add_tags": "vip, billing", "assignee": str(maria.pk), "back": "/console/"})

    page = response.content.decode()
    assert response.status_code == 200 and "2 changed · 1 not changed" in page
    assert f'data-number="{stale.number}" data-ok="false"' in page
    assert "changed since you loaded it" in page
    for t in tickets[:2]:
        fresh = Ticket.objects.get(pk=t.pk)
        assert (fresh.priority, fresh.tags, fresh.assignee_id) == ("red", ["billing", "vip"],
                                                                   maria.pk)


@pytest.mark.parametrize("rows", [[], ["x:1"], ["1:"], ["1:2:3"]])
def test_a_bulk_request_that_cannot_be_read_changes_nothing(client, desk, at_now, rows):
    client.force_login(desk[2].user)
    response = client.post("/console/bulk/", {"row": rows, "priority": "red",
                                              "back": "https://evil.example/"})
    page = response.content.decode()
    assert response.status_code == 400 and "Nothing was changed" in page
    assert 'href="https://evil.example/' not in page
