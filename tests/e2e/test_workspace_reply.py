"""Issue 16 in a real browser (Chromium): the agent's Send goes through when the customer
wrote meanwhile, with a notice of what they wrote; a draft survives a reload; at 390 px
neither the ticket page nor the queue scrolls sideways (screenshots in a tmp directory the
test prints, not in the repository)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pledgedesk.tickets.models import Message, Ticket
from pledgedesk.tickets.services import Actor, ticket_customer_reply
from tests.e2e.conftest import Session
from tests.pages import FG, NOW, PASSWORD, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(at_now):
    org = organisation(FG, plans=("24x7",), timezone="America/Los_Angeles", country="US",
                       subdivision="CA", name="Northwind Fax Co")
    paula = person(org, role="primary", name="Paula Price")
    maria = staff(name="Maria Lopez")
    ticket = open_ticket(org, paula, priority="high", subject="Faxes arrive blank")
    return paula, maria, ticket


def test_send_goes_through_when_the_customer_wrote_meanwhile(session, desk):
    paula, maria, ticket = desk
    agent = session()
    agent.sign_in_console(maria.user.username, PASSWORD)
    agent.go(f"/console/tickets/{ticket.number}/")
    agent.page.get_by_label("Message").fill("Please resend one page so we can trace it.")

    ticket_customer_reply(ticket=Ticket.objects.get(pk=ticket.pk),
                          actor=Actor(channel="portal", contact=paula),
                          body="Update: it only happens on the second tray.", now=NOW)
    agent.page.get_by_role("button", name="Send").click()

    flash = agent.page.locator(".flash")
    expect(flash).to_contain_text(f"Public reply added to #{ticket.number}.")
    expect(flash).to_contain_text("Meanwhile, Paula Price wrote")
    expect(flash).to_contain_text("it only happens on the second tray")
    assert Message.objects.filter(ticket=ticket, author_agent=maria).count() == 1
    assert agent.errors == []


def test_a_draft_survives_a_reload(session, desk):
    _, maria, ticket = desk
    agent = session()
    agent.sign_in_console(maria.user.username, PASSWORD)
    agent.go(f"/console/tickets/{ticket.number}/")

    agent.page.get_by_label("Message").press_sequentially("Half-written answer", delay=10)
    expect(agent.page.locator("#draft-state")).to_contain_text("Draft saved")
    agent.page.reload()

    expect(agent.page.get_by_label("Message")).to_have_value("Half-written answer")
    assert agent.errors == []


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    yield Session(context, live_server.url)
    context.close()


def sideways_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_phone_layout_at_390_px_has_no_sideways_scroll(phone, desk, tmp_path):
    _, maria, ticket = desk
    phone.go("/console/sign-in/")
    phone.page.get_by_label("Username or email").fill(maria.user.username)
    phone.page.get_by_label("Password").fill(PASSWORD)
    phone.page.get_by_role("button", name="Sign in").click()
    phone.page.wait_for_url("**/console/")
    shots = tmp_path / "phone"
    shots.mkdir()
    print(f"\nphone screenshots: {shots}")

    # The queue: rows are cards with the SLA badge first; the menu is collapsed.
    nav = phone.page.locator("#main-nav")
    expect(nav).to_be_hidden()
    first = phone.page.locator("#queue-rows tr").first
    badge_y = first.locator("td.sla-cell").bounding_box()["y"]
    subject_y = first.locator("td.subject").bounding_box()["y"]
    assert badge_y < subject_y
    assert sideways_overflow(phone.page) <= 0
    phone.page.screenshot(path=str(shots / "queue.png"), full_page=True)
    phone.page.get_by_role("button", name="Menu").click()
    expect(nav).to_be_visible()
    expect(phone.page.get_by_role("button", name="Menu")).to_have_attribute(
        "aria-expanded", "true")
    phone.page.screenshot(path=str(shots / "menu-open.png"), full_page=True)

    phone.go(f"/console/tickets/{ticket.number}/")
    assert sideways_overflow(phone.page) <= 0
    topbar = phone.page.locator(".topbar").bounding_box()
    assert topbar["height"] < 844 / 8  # not a quarter of the screen
    phone.page.screenshot(path=str(shots / "ticket.png"), full_page=True)
    assert phone.errors == []
