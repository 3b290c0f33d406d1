"""End to end in a real browser: a customer, an agent and a primary contact using the desk.

The clock is fixed at Monday 2026-01-05 16:00 UTC (08:00 in Los Angeles, 10:00 in Chicago),
so the promises the pages show are exact."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import pairwise

import pytest
from playwright.sync_api import expect

from pledgedesk.tickets.models import Ticket
from tests.pages import FG, NOW, PASSWORD, email_of, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def northwind(at_now):
    """FG-8: a 24x7 contract, so an Urgent portal request is answered within 30 minutes at
    any hour; the organisation is in Los Angeles."""
    org = organisation(FG, plans=("24x7",), timezone="America/Los_Angeles", country="US",
                       subdivision="CA", name="Northwind Fax Co")
    paula = person(org, role="primary", name="Paula Price")
    uma = person(org, authorised=False, name="Uma Underwood")
    maria = staff(name="Maria Lopez")
    # Older, less urgent work already in the queue.
    open_ticket(org, paula, priority="medium", subject="Cover page logo is blurry",
                at=NOW - timedelta(hours=3))
    return org, paula, uma, maria


def test_customer_request_agent_reply_customer_reopens(session, northwind, at_now):
    """FG-2, FG-7, RK-7: submit an Urgent request with an attachment and see the promised
    response time; the agent finds it at the top of the queue and replies, meeting the first
    response; the customer sees the reply and reopens the ticket after it is Solved."""
    _, paula, _, maria = northwind
    customer = session()
    customer.sign_in_portal(email_of(paula), PASSWORD)
    customer.shot("portal-my-tickets")

    page = customer.page
    page.get_by_role("link", name="Submit a request").first.click()
    page.get_by_label("Brief description").fill("Outbound faxing stopped")
    page.check("input[name=priority][value=urgent]")
    page.get_by_label("Detailed description").fill("Every fax fails since 07:30.")
    page.set_input_files("#id_attachments", files=[{
        "name": "faxserver.log", "mimeType": "text/plain", "buffer": b"ERR line down\n"}])
    customer.shot("portal-submit")
    page.get_by_role("button", name="Submit request").click()

    ticket = Ticket.objects.get(subject="Outbound faxing stopped")
    expect(page.get_by_text(f"Request #{ticket.number} submitted.")).to_be_visible()
    expect(page.locator(".promise")).to_contain_text(
        "Expect a first response by Mon 5 Jan 2026, 08:30 UTC\u221208:00")
    expect(page.get_by_role("link", name="faxserver.log")).to_be_visible()
    customer.shot("portal-ticket-submitted")

    agent = session()
    agent.sign_in_console(maria.user.username, PASSWORD)
    first_row = agent.page.locator("#queue-rows tr").first
    expect(first_row).to_have_attribute("data-number", str(ticket.number))
    agent.shot("console-queue")
    first_row.locator("td.subject a").click()
    agent.page.get_by_label("Message").fill("We are on it: restarting the fax modem pool.")
    agent.page.get_by_role("button", name="Send").click()
    expect(agent.page.locator('[data-metric="first_response"]')).to_have_attribute(
        "data-state", "met")
    agent.shot("console-ticket-replied")
    agent.page.locator("#ticket_status").select_option("solved")
    agent.page.get_by_role("button", name="Save changes").click()
    expect(agent.page.locator(".ticket-head .badge").first).to_have_text("Solved")

    customer.go(f"/portal/tickets/{ticket.number}/")
    expect(customer.page.get_by_text("restarting the fax modem pool")).to_be_visible()
    customer.page.get_by_role("button", name="Reopen this ticket").click()
    expect(customer.page.locator(".ticket-head .badge").first).to_have_text("Open")
    customer.shot("portal-ticket-reopened")
    assert customer.errors == [] and agent.errors == []


def test_fg10_unauthorised_request_is_held_until_the_primary_contact_confirms(
        session, northwind, at_now):
    _, paula, uma, _ = northwind
    requester = session()
    requester.sign_in_portal(email_of(uma), PASSWORD)
    requester.go("/portal/requests/new/")
    requester.page.get_by_label("Brief description").fill("Please add a fax line")
    requester.page.check("input[name=priority][value=low]")
    requester.page.get_by_label("Detailed description").fill("For the new team.")
    requester.page.get_by_role("button", name="Submit request").click()
    expect(requester.page.locator(".ticket-head")).to_contain_text("Awaiting authorisation")
    held = Ticket.objects.get(subject="Please add a fax line")

    primary = session()
    primary.sign_in_portal(email_of(paula), PASSWORD)
    primary.page.get_by_role("link", name="Authorised personnel").click()
    expect(primary.page.get_by_role("link", name=re.compile("Please add a fax line"))
           ).to_be_visible()
    primary.shot("portal-authorised-personnel")
    primary.page.get_by_role("button", name=re.compile("Confirm temporary access")).click()
    expect(primary.page.get_by_text(f"Request #{held.number} confirmed.")).to_be_visible()

    held.refresh_from_db()
    assert held.hold == ""
    requester.page.reload()
    expect(requester.page.locator(".promise")).to_contain_text("Expect a first response by")


PAYLOADS = [
    '<img src=x onerror="window.__xss=1;alert(1)">',
    "<script>window.__xss=2;alert(2)</script>",
    '<svg onload="window.__xss=3"></svg><a href="javascript:window.__xss=4">click</a>',
    '"><iframe src="javascript:alert(5)"></iframe>',
]


def test_script_and_html_in_ticket_text_never_run(session, northwind, at_now):
    """Sanitised on output (nh3), escaped elsewhere, and a CSP without unsafe-inline behind
    both: nothing from the ticket runs in the portal or the console."""
    _, paula, _, maria = northwind
    customer = session()
    customer.sign_in_portal(email_of(paula), PASSWORD)
    customer.go("/portal/requests/new/")
    customer.page.get_by_label("Brief description").fill(PAYLOADS[1])
    customer.page.check("input[name=priority][value=high]")
    customer.page.get_by_label("Detailed description").fill("\n".join(PAYLOADS))
    customer.page.get_by_role("button", name="Submit request").click()
    customer.page.get_by_label("Your reply").fill(PAYLOADS[0])
    customer.page.get_by_role("button", name="Send reply").click()
    ticket = Ticket.objects.get(priority="high")

    response = customer.go(f"/portal/tickets/{ticket.number}/")
    agent = session()
    agent.sign_in_console(maria.user.username, PASSWORD)
    agent.go(f"/console/tickets/{ticket.number}/")
    links = agent.page.locator(".message a")
    if links.count():
        links.first.click()

    for who in (customer, agent):
        assert who.page.evaluate("window.__xss") is None
        assert who.dialogs == []
        expect(who.page.locator("h1")).to_contain_text("<script>")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]


def test_queue_refreshes_itself_without_a_page_load(session, northwind, at_now, monkeypatch):
    from pledgedesk.console import views

    org, paula, _, maria = northwind
    monkeypatch.setattr(views, "QUEUE_REFRESH_SECONDS", 1)
    agent = session()
    agent.sign_in_console(maria.user.username, PASSWORD)
    agent.page.evaluate("window.__loaded = true")

    arrived = open_ticket(org, paula, priority="urgent", subject="Arrived while watching")

    expect(agent.page.locator("#queue-rows tr").first).to_have_attribute(
        "data-number", str(arrived.number), timeout=8_000)
    assert agent.page.evaluate("window.__loaded") is True
    assert agent.errors == []  # htmx runs under the CSP: no inline style, no eval


def test_keyboard_next_ticket_reply_and_assign_to_me(session, northwind, at_now):
    org, paula, _, maria = northwind
    urgent = open_ticket(org, paula, priority="urgent", subject="Keyboard one")
    agent = session()
    agent.sign_in_console(maria.user.username, PASSWORD)
    page = agent.page

    page.keyboard.press("j")
    expect(page.locator("#queue-rows tr.selected")).to_have_attribute(
        "data-number", str(urgent.number))
    page.keyboard.press("o")
    page.wait_for_url(f"**/console/tickets/{urgent.number}/")
    page.keyboard.press("a")
    expect(page.get_by_text(f"#{urgent.number} is assigned to you.")).to_be_visible()
    page.keyboard.press("r")
    expect(page.get_by_label("Message")).to_be_focused()
    page.get_by_label("Message").press("Escape")
    page.locator("body").click(position={"x": 5, "y": 300})
    with page.expect_navigation():
        page.keyboard.press("n")
    page.wait_for_url(re.compile(r"/console/tickets/\d+/$"))
    assert f"/tickets/{urgent.number}/" not in page.url
    urgent.refresh_from_db()
    assert urgent.assignee == maria


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length)
                && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id)"""
HEADINGS = """() => [...document.querySelectorAll('h1,h2,h3,h4')]
  .filter(h => !h.closest('dialog')).map(h => Number(h.tagName[1]))"""


def test_pages_label_every_field_and_keep_a_sensible_heading_order(session, northwind,
                                                                   at_now):
    org, paula, _, maria = northwind
    ticket = open_ticket(org, paula, priority="high", subject="Accessibility check")
    customer = session()
    customer.sign_in_portal(email_of(paula), PASSWORD)
    agent = session()
    agent.sign_in_console(maria.user.username, PASSWORD)
    pages = [(customer, "/portal/sign-in/"), (customer, "/portal/"),
             (customer, "/portal/requests/new/"), (customer, f"/portal/tickets/{ticket.number}/"),
             (customer, "/portal/people/"), (customer, "/portal/policy/"),
             (agent, "/console/"), (agent, f"/console/tickets/{ticket.number}/"),
             (agent, "/console/preferences/")]

    for who, path in pages:
        who.go(path)
        assert who.page.evaluate(UNLABELLED) == [], path
        levels = who.page.evaluate(HEADINGS)
        assert levels.count(1) == 1, path
        assert all(b - a <= 1 for a, b in pairwise(levels)), (path, levels)
    customer.go("/portal/policy/")
    customer.shot("portal-policy")


def test_the_portal_is_keyboard_navigable(session, northwind, at_now):
    _, paula, _, _ = northwind
    customer = session()
    page = customer.page
    customer.go("/portal/policy/")
    page.keyboard.press("Tab")
    skip = page.evaluate("document.activeElement.textContent")

    customer.go("/portal/sign-in/")
    # The email field takes the focus by itself (autofocus); under load that can land after
    # the load event, so wait for it rather than type into nothing.
    expect(page.locator("input[autocomplete=username]")).to_be_focused()
    page.keyboard.type(email_of(paula))
    page.keyboard.press("Tab")
    expect(page.locator("input[type=password]")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    assert skip == "Skip to main content"
    page.wait_for_url("**/portal/")
    for _ in range(4):  # skip link, brand, My tickets, Submit a request
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/portal/requests/new/")
