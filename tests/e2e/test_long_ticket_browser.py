"""Issue 20 in a real browser (Chromium): a long ticket opens on its newest messages and
events; "Earlier messages" and "Earlier events" load the older ones in place (htmx), until
the first message and the ticket's creation are on the page, with no script error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pledgedesk.console.selectors import TICKET_PAGE_SIZE
from pledgedesk.tickets.services import ticket_note
from tests.pages import FG, NOW, PASSWORD, as_agent, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db(transaction=True)

NOTES = TICKET_PAGE_SIZE + 5


def test_earlier_messages_and_events_load_in_place(session, at_now):
    org = organisation(FG, plans=("24x7",), timezone="America/Los_Angeles", country="US",
                       subdivision="CA")
    maria = staff(name="Maria Lopez")
    ticket = open_ticket(org, person(org, role="primary"), priority="high",
                         subject="Faxes arrive blank")
    for n in range(NOTES):
        ticket_note(ticket=ticket, actor=as_agent(maria), body=f"Trace step {n:02d}",
                    expected_version=None, now=NOW + timedelta(minutes=n + 1))
    agent = session()
    agent.sign_in_console(maria.user.username, PASSWORD)
    agent.go(f"/console/tickets/{ticket.number}/")

    messages = agent.page.locator("ol.conversation li.message")
    expect(messages).to_have_count(TICKET_PAGE_SIZE)
    expect(messages.first).to_contain_text(f"Trace step {NOTES - 1:02d}")  # newest first
    agent.page.get_by_role("button", name="Earlier messages").click()
    agent.settled()
    expect(messages).to_have_count(NOTES + 1)  # and the request the ticket was opened with
    expect(messages.nth(NOTES - 1)).to_contain_text("Trace step 00")
    expect(messages.last).to_contain_text("It is on fire.")
    expect(agent.page.get_by_role("button", name="Earlier messages")).to_have_count(0)

    history = agent.page.locator("ol.history")
    expect(history).not_to_contain_text("Ticket created via")
    agent.page.get_by_role("button", name="Earlier events").click()
    agent.settled()
    expect(history).to_contain_text("Ticket created via")
    assert agent.errors == []
