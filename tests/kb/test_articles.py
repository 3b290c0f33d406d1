"""Knowledge base (issue 18): Markdown cleaned, video players only from allowed hosts, search
ranked with marked snippets on both databases, visibility through search, listing and a
direct link, one vote per person, least-helpful list, deflection figure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from pledgedesk.accounts.authorization import ANONYMOUS, Principal
from pledgedesk.errors import InvalidInput, NotFound
from pledgedesk.kb.models import ArticleVote
from pledgedesk.kb.render import article_html
from pledgedesk.kb.search import search_articles
from pledgedesk.kb.selectors import (
    article_for,
    deflection,
    least_helpful,
    visible_articles,
    vote_counts,
)
from pledgedesk.kb.services import ArticleInput, article_save, article_vote, suggestion_opened
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db
RK = "crm-severity-colours"


def write(title, body, **extra):
    extra.setdefault("status", "published")
    return article_save(data=ArticleInput(title=title, body=body, **extra), now=T0)


@pytest.fixture
def people():
    gold = organisation(RK, plans=("enterprise",))
    basic = organisation(RK, plans=("standard",))
    return (Principal(contact=contact(gold, login=True)),
            Principal(contact=contact(basic, login=True)), Principal(agent=agent()))


def slugs(principal, text):
    return [h.article.slug for h in search_articles(principal=principal, text=text)]


def test_markdown_is_cleaned_and_videos_come_only_from_allowed_hosts():
    html = article_html("# Reset\n\n<script>alert(1)</script> **bold** [x](javascript:alert(1))\n"
                        "!video https://www.youtube.com/watch?v=dQw4w9WgXcQ\n"
                        "!video https://evil.example/embed/1\n")
    assert "<script>" not in html and 'href="javascript' not in html
    assert "<h3>Reset</h3>" in html and "<strong>bold</strong>" in html
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html
    assert "evil.example" in html and 'src="https://evil.example' not in html


def test_search_ranks_title_matches_first_and_marks_snippets(people):
    _, _, staff = people
    write("Printing invoices", "How to print an invoice from the billing screen.")
    write("Billing overview", "Mentions invoices once among many other words about billing.")
    hits = search_articles(principal=staff, text="invoice")
    assert [h.article.slug for h in hits] == ["printing-invoices", "billing-overview"]
    assert "<mark>" in hits[0].title_html and "<mark>" in hits[1].snippet_html
    write("Escaping", "a <b>tag</b> invoice")
    snippet = search_articles(principal=staff, text="escaping tag")[0].snippet_html
    assert "<b>" not in snippet and "<mark>tag</mark>" in snippet  # never raw markup


def test_plan_article_never_reaches_another_plans_customer(people):
    gold, basic, staff = people
    write("Dedicated engineer line", "Call your dedicated engineer.", visibility="plans",
          plans=("enterprise",))
    write("Engineer handbook", "Internal engineer notes.", visibility="agents")
    write("Engineer draft", "Not yet engineer ready.", status="draft")
    assert slugs(gold, "engineer") == ["dedicated-engineer-line"]
    assert slugs(basic, "engineer") == []
    assert slugs(ANONYMOUS, "engineer") == []
    assert sorted(slugs(staff, "engineer")) == ["dedicated-engineer-line", "engineer-draft",
                                                "engineer-handbook"]
    assert not visible_articles(basic).exists()
    with pytest.raises(NotFound):
        article_for(basic, "dedicated-engineer-line")
    with pytest.raises(NotFound):
        article_for(gold, "engineer-handbook")
    assert article_for(gold, "dedicated-engineer-line").title == "Dedicated engineer line"


def test_one_vote_per_person_and_least_helpful(people):
    gold, basic, _ = people
    good, bad = write("Good", "good"), write("Bad", "bad")
    article_vote(article=bad, user_id=gold.contact.user_id, helpful=True, now=T0)
    article_vote(article=bad, user_id=gold.contact.user_id, helpful=False, now=T0)  # changed
    article_vote(article=bad, user_id=basic.contact.user_id, helpful=False, now=T0)
    article_vote(article=good, user_id=basic.contact.user_id, helpful=True, now=T0)
    assert vote_counts([good.pk, bad.pk]) == {good.pk: (1, 0), bad.pk: (0, 2)}
    assert [a.slug for a in least_helpful()] == ["bad"]
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleVote.objects.create(article=bad, user_id=gold.contact.user_id, helpful=True, at=T0)


def test_bad_input_names_the_field():
    with pytest.raises(InvalidInput) as error:
        write("Plans", "x", visibility="plans")
    assert error.value.field == "plans"
    with pytest.raises(InvalidInput) as error:
        search_articles(principal=ANONYMOUS, text="x" * 201)
    assert error.value.field == "q"


def test_deflection_counts_visits_not_followed_by_a_request(people):
    gold, basic, _ = people
    article = write("Reset a password", "Use the link.")
    suggestion_opened(article=article, contact=gold.contact, source="portal", now=T0)
    suggestion_opened(article=article, contact=basic.contact, source="widget", now=T0)
    ticket_create(new=NewTicket(organisation=basic.contact.organisation,
                                requester=basic.contact, subject="Still stuck",
                                description="", channel="portal"),
                  now=T0 + timedelta(minutes=5))
    assert deflection(since=T0, until=T0 + timedelta(days=1)) == {
        "opened": 2, "deflected": 1, "submitted": 1}
