"""Issue 18 in a real browser (Chromium): a customer types a request's subject, opens a
suggested article, votes and leaves without submitting (counted as deflected); an agent finds
an article from the reply box, inserts its link and sends, and the article then shows the
ticket it helped."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pledgedesk.kb.models import ArticleLink, ArticleVote, SuggestionVisit
from pledgedesk.kb.selectors import deflection
from pledgedesk.kb.services import ArticleInput, article_save
from tests.e2e.conftest import Session
from tests.outbox.helpers import drain
from tests.pages import FG, NOW, PASSWORD, email_of, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(at_now):
    org = organisation(FG, plans=("24x7",), timezone="America/Los_Angeles", country="US",
                       subdivision="CA", name="Northwind Fax Co")
    paula = person(org, role="primary", name="Paula Price")
    maria = staff(name="Maria Lopez")
    article = article_save(data=ArticleInput(
        title="Faxes arrive blank", status="published",
        body="Check the **paper tray** first.\n\nThen resend one page."), now=NOW)
    return paula, maria, article


def test_customer_opens_a_suggestion_votes_and_leaves(session, desk):
    paula, _, article = desk
    customer: Session = session()
    customer.sign_in_portal(email_of(paula), PASSWORD)
    customer.page.wait_for_url("**/portal/")
    customer.go("/portal/requests/new/")
    customer.page.locator("#id_subject").press_sequentially("blank faxes", delay=20)
    suggestion = customer.page.locator("#kb-suggestions a", has_text="Faxes arrive blank")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(customer.page.locator("h1")).to_have_text("Faxes arrive blank")
    expect(customer.page.locator("strong", has_text="paper tray")).to_be_visible()
    customer.page.get_by_role("button", name="Yes").click()
    expect(customer.page.locator("#kb-vote")).to_contain_text("Thank you")
    customer.go("/portal/")  # leaves without submitting
    assert SuggestionVisit.objects.filter(article=article, contact=paula).count() == 1
    assert ArticleVote.objects.get(article=article, user=paula.user).helpful is True
    assert deflection(since=NOW - timedelta(days=1), until=NOW + timedelta(days=2))[
        "deflected"] == 1
    assert customer.errors == []


def test_agent_inserts_an_article_link_into_a_reply(session, desk):
    paula, maria, article = desk
    ticket = open_ticket(paula.organisation, paula, priority="high",
                         subject="Every fax is empty")
    agent: Session = session()
    agent.sign_in_console(maria.user.username, PASSWORD)
    agent.go(f"/console/tickets/{ticket.number}/")
    agent.page.get_by_label("Message").fill("This should help:")
    agent.page.get_by_placeholder("Find an article…").press_sequentially("blank", delay=20)
    agent.page.get_by_role("button", name="Insert link").click()
    body = agent.page.get_by_label("Message")
    expect(body).to_have_value(re.compile(
        rf"^This should help: Faxes arrive blank: https?://\S+/portal/help/{article.slug}/$"))
    agent.page.get_by_role("button", name="Send").click()
    expect(agent.page.locator(".flash")).to_contain_text(f"Public reply added to #{ticket.number}.")
    drain(now=NOW + timedelta(minutes=1))
    assert ArticleLink.objects.filter(article=article, ticket=ticket).exists()
    assert agent.errors == []
