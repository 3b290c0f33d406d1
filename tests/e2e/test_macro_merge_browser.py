"""Issue 16 in Chromium: a macro picked in the reply box fills the text and the fields (htmx,
out-of-band swaps, no inline script) and Send applies both; merging from the side panel lands
on the target with the duplicate's messages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pledgedesk.macros.services import MacroSpec, macro_create
from pledgedesk.tickets.models import Message, Ticket
from tests.pages import FG, NOW, PASSWORD, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(at_now):
    org = organisation(FG, plans=("24x7",), timezone="America/Los_Angeles", country="US",
                       subdivision="CA", name="Northwind Fax Co")
    paula = person(org, role="primary", name="Paula Price")
    maria = staff(name="Maria Lopez")
    ticket = open_ticket(org, paula, priority="high", subject="Faxes arrive blank")
    return org, paula, maria, ticket


def test_a_macro_fills_the_reply_and_the_fields_and_send_applies_them(session, desk):
    _, _, maria, ticket = desk
    macro_create(agent=maria, now=NOW, spec=MacroSpec(
        name="Ask for a sample", status="pending",
        body="Hello {{requester.first_name}}, please send one blank page of #{{ticket.number}}."))
    agent = session()
    agent.sign_in_console(maria.user.username, PASSWORD)
    agent.go(f"/console/tickets/{ticket.number}/")

    agent.page.get_by_label("Macro", exact=True).select_option(label="Ask for a sample (personal)")
    body = agent.page.get_by_label("Message")
    expect(body).to_have_value(
        f"Hello Paula, please send one blank page of #{ticket.number}.")
    expect(agent.page.locator("#ticket_status")).to_have_value("pending")
    agent.shot("macro-filled")
    agent.page.get_by_role("button", name="Send").click()

    expect(agent.page.locator(".flash")).to_contain_text(f"Public reply added to #{ticket.number}")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.status == "pending"
    assert Message.objects.filter(ticket=fresh, author_agent=maria).get().body.startswith(
        "Hello Paula")
    assert agent.errors == []


def test_merging_from_the_side_panel_lands_on_the_target(session, desk):
    org, paula, maria, target = desk
    dup = open_ticket(org, paula, subject="Blank faxes again",
                      description="Every second page is blank since Monday.")
    agent = session()
    agent.sign_in_console(maria.user.username, PASSWORD)
    agent.go(f"/console/tickets/{dup.number}/")

    agent.page.get_by_label("Merge into ticket number").fill(str(target.number))
    agent.page.get_by_role("button", name="Merge", exact=True).click()

    agent.page.wait_for_url(f"**/console/tickets/{target.number}/")
    expect(agent.page.locator(".flash")).to_contain_text(
        f"#{dup.number} merged into #{target.number}")
    # The duplicate's message is in the target's conversation now.
    expect(agent.page.locator(".body", has_text="Every second page is blank")).to_be_visible()
    agent.shot("merged")
    assert Ticket.objects.get(pk=dup.pk).merged_into_id == target.pk
    assert agent.errors == []
