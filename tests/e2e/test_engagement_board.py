"""FG-12 in a real browser: a project manager works an engagement from the console board while
the customer's primary contact returns the signed quote with its PO in the portal. The
manager's page, loaded before the customer's upload, is told the engagement changed; after a
reload the manager moves it on, and the board shows it in its new column."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pledgedesk.proservices.engagements import engagement_request
from pledgedesk.proservices.models import Engagement, EngagementMove
from pledgedesk.tickets.services import Actor
from tests.pages import FG, NOW, PASSWORD, organisation, person, staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(at_now):
    org = organisation(FG, timezone="America/Chicago", country="US", name="Northwind Fax Co")
    paula = person(org, role="primary", name="Paula Price")
    pam = staff(roles=("project_manager",), name="Pam Manager")
    made = engagement_request(organisation=org, kind="upgrade", title="Upgrade to RightFax 21",
                              ticket=None, actor=Actor(channel="portal", contact=paula),
                              now=NOW)
    return paula, pam, made


def test_a_manager_moves_the_engagement_while_the_customer_signs(session, desk, tmp_path):
    paula, pam, made = desk
    signed = tmp_path / "signed-quote.pdf"
    signed.write_bytes(b"%PDF-1.4 signed by Paula")

    manager = session()
    manager.sign_in_console(pam.user.username, PASSWORD)
    manager.go("/console/engagements/")
    requested = manager.page.locator('section[data-stage="requested"]')
    expect(requested).to_contain_text("Upgrade to RightFax 21")
    requested.get_by_role("link", name="Upgrade to RightFax 21").click()
    expect(manager.page.get_by_role("heading", name="Move to Quoted")).to_be_visible()

    customer = session()
    customer.sign_in_portal(paula.emails.get().address, PASSWORD)
    customer.go("/portal/engagements/")
    customer.page.get_by_role("link", name="Upgrade to RightFax 21").click()
    customer.page.get_by_label("Purchase order number").fill("PO-2026-17")
    customer.page.get_by_label("Signed quote").set_input_files(str(signed))
    customer.page.get_by_role("button", name="Send").click()
    expect(customer.page.get_by_text("your signed quote and purchase order are in")).to_be_visible()
    expect(customer.page.locator('li[aria-current="step"]')).to_contain_text(
        "Quote signed with purchase order")
    customer.shot("engagement-portal-signed")

    # The manager's form was loaded before the customer signed: refused, nothing half-written.
    form = manager.page.locator("form", has=manager.page.get_by_role(
        "heading", name="Move to Quoted"))
    form.get_by_label("Document").set_input_files(str(signed))
    form.get_by_role("button", name="Move to Quoted").click()
    expect(manager.page.locator("#move-error")).to_contain_text("changed since you loaded it")

    manager.go(f"/console/engagements/{made.pk}/")  # reloaded (a GET, not a re-POST)
    expect(manager.page.get_by_role("heading", name="Move to Quoted")).to_have_count(0)
    pm_form = manager.page.locator("form", has=manager.page.get_by_role(
        "heading", name="Move to Project manager assigned"))
    pm_form.get_by_label("Project manager").select_option(label="Pam Manager")
    pm_form.get_by_role("button", name="Move to Project manager assigned").click()
    expect(manager.page.get_by_text("quote_signed → pm_assigned by Pam Manager")).to_be_visible()

    manager.go("/console/engagements/")
    expect(manager.page.locator('section[data-stage="pm_assigned"]')).to_contain_text(
        "Upgrade to RightFax 21")
    expect(manager.page.locator('section[data-stage="requested"]')).not_to_contain_text(
        "Upgrade to RightFax 21")
    manager.shot("engagement-board")

    fresh = Engagement.objects.get(pk=made.pk)
    assert (fresh.stage, fresh.po_number, fresh.project_manager) == ("pm_assigned",
                                                                     "PO-2026-17", pam)
    moves = EngagementMove.objects.filter(engagement=made).order_by("pk")
    assert [(m.to_stage, m.contact_id, m.agent_id) for m in moves] == [
        ("requested", paula.pk, None), ("quote_signed", paula.pk, None),
        ("pm_assigned", None, pam.pk)]
    # The one refused move is the only error the manager's browser saw.
    assert [e for e in manager.errors if "422" not in e] == [] and len(manager.errors) == 1
    assert customer.errors == []
