"""The knowledge base in the console (issue 18): agents write articles (Markdown, plans,
files), see votes and the least helpful, find an article from the reply box and insert its
link; a public reply's article links are recorded through the outbox, so an article shows the
tickets it helped (RK-12)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pledgedesk.kb.links import linked_slugs
from pledgedesk.kb.models import Article, ArticleLink
from pledgedesk.kb.services import ArticleInput, article_save, article_vote
from pledgedesk.tickets.services import ticket_reply
from tests.outbox.helpers import drain
from tests.pages import NOW, RK, as_agent, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, at_now):
    engineer = staff()
    client.force_login(engineer.user)
    return engineer


def test_agent_writes_an_article_with_plans_and_a_file(client, desk):
    response = client.post(reverse("console:kb_new"), {
        "title": "Rotate the API key", "body": "# Steps\n\n1. Open *Settings*", "status":
        "published", "visibility": "plans", "plans": "enterprise premium", "category": "API",
        "language": "english", "attachments": SimpleUploadedFile("steps.txt", b"one two")})
    assert response.status_code == 302
    article = Article.objects.get(slug="rotate-the-api-key")
    assert sorted(article.plans.values_list("plan", flat=True)) == ["enterprise", "premium"]
    assert article.attachments.get().size == 7
    page = client.get(reverse("console:kb_article", args=[article.slug])).content.decode()
    assert "<h3>Steps</h3>" in page and "<em>Settings</em>" in page
    bad = client.post(reverse("console:kb_new"), {"title": "", "body": "x", "status": "draft",
                                                  "visibility": "public", "language": "english"})
    assert bad.status_code == 400 and "title:" in bad.content.decode()


def test_counts_and_least_helpful_shown_to_agents(client, desk):
    article = article_save(data=ArticleInput(title="Confusing", body="x", status="published"),
                           now=NOW)
    voter = person(organisation(RK))
    article_vote(article=article, user_id=voter.user_id, helpful=False, now=NOW)
    page = client.get(reverse("console:kb")).content.decode()
    assert "Least helpful" in page and "1 not helpful, 0 helpful" in page


def test_reply_box_picker_and_recorded_links(client, desk):
    article = article_save(data=ArticleInput(title="Reset a password", body="Use the link.",
                                             status="published"), now=NOW)
    customer = person(organisation(RK))
    ticket = open_ticket(customer.organisation, customer)
    page = client.get(reverse("console:ticket", args=[ticket.number])).content.decode()
    assert f'hx-get="{reverse("console:kb_pick")}"' in page
    picks = client.get(reverse("console:kb_pick"), {"kb_q": "password"}).content.decode()
    link = f"/portal/help/{article.slug}/"
    assert 'data-kb-link="http' in picks and link in picks
    ticket_reply(ticket=ticket, actor=as_agent(desk), body=f"See https://desk.example{link} "
                 "and https://desk.example/portal/help/no-such-article/", expected_version=None,
                 now=NOW)
    drain(now=NOW + timedelta(minutes=1))
    drain(now=NOW + timedelta(minutes=2))  # a second delivery records nothing new
    assert list(ArticleLink.objects.values_list("article__slug", "ticket_id")) == [
        (article.slug, ticket.pk)]
    shown = client.get(reverse("console:kb_article", args=[article.slug])).content.decode()
    assert f"#{ticket.number}" in shown


def test_links_are_found_in_any_host():
    assert linked_slugs("a http://x/portal/help/one/ b /portal/help/two/?from=portal "
                        "/portal/help/") == ["one", "two"]
