"""Bulk actions and search in a real browser (issue 16): tick rows in the queue, choose a
change in the action bar, see a result per row (one row stale since the queue loaded fails
alone); ticks survive the queue's live refresh; the top bar's box searches text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pledgedesk.tickets.models import Ticket
from tests.pages import FG, NOW, PASSWORD, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(at_now):
    org = organisation(FG, plans=("24x7",), timezone="America/Los_Angeles", country="US",
                       subdivision="CA", name="Northwind Fax Co")
    paula = person(org, role="primary", name="Paula Price")
    tickets = [open_ticket(org, paula, priority="medium", subject=f"Toner streaks {i}",
                           at=NOW - timedelta(minutes=10 - i)) for i in range(3)]
    return org, paula, staff(name="Maria Lopez"), tickets


def test_bulk_change_shows_a_result_per_row(session, desk, monkeypatch):
    from pledgedesk.console import views

    _, _, maria, tickets = desk
    monkeypatch.setattr(views, "QUEUE_REFRESH_SECONDS", 1)
    agent = session()
    agent.sign_in_console(maria.user.username, PASSWORD)
    expect(agent.page.locator("#bulk-form")).to_be_visible()

    first, stale = (agent.page.get_by_label(f"Select ticket #{t.number}") for t in tickets[:2])
    first.check()
    stale.check()
    # The queue refreshes itself every second here: the ticks must survive it.
    with agent.page.expect_response(lambda r: r.url.endswith("/console/") or "/console/?" in
                                    r.url):
        pass
    expect(first).to_be_checked()
    Ticket.objects.filter(pk=tickets[1].pk).update(version=tickets[1].version + 1)
    agent.page.locator("#bulk-priority").select_option(label="Urgent")
    agent.page.get_by_label("Add tags").fill("streaks")
    agent.page.get_by_role("button", name="Apply to selected").click()

    expect(agent.page.locator("#bulk-results")).to_be_visible()
    expect(agent.page.get_by_role("status")).to_have_text("1 changed · 1 not changed")
    expect(agent.page.locator(f'tr[data-number="{tickets[1].number}"]')).to_contain_text(
        "changed since you loaded it")
    agent.shot("bulk-results")
    changed = Ticket.objects.get(pk=tickets[0].pk)
    assert (changed.priority, changed.tags) == ("urgent", ["streaks"])
    assert Ticket.objects.get(pk=tickets[2].pk).priority == "medium"  # not ticked
    assert agent.errors == []


def test_the_top_bar_searches_text_and_jumps_to_a_number(session, desk):
    _, _, maria, tickets = desk
    agent = session()
    agent.sign_in_console(maria.user.username, PASSWORD)

    box = agent.page.get_by_label("Search tickets, or go to a ticket number")
    box.fill("toner")
    box.press("Enter")
    expect(agent.page.locator(".search-hit")).to_have_count(3)
    expect(agent.page.locator(".search-hit mark").first).to_have_text("Toner")
    agent.shot("search-results")

    box = agent.page.get_by_label("Search tickets, or go to a ticket number")
    box.fill(f"#{tickets[0].number}")
    box.press("Enter")
    agent.page.wait_for_url(f"**/console/tickets/{tickets[0].number}/")
    assert agent.errors == []
