"""The help centre in the portal (issue 18): a plan article is not found by another plan's
customer through listing, search, suggestions or its address; votes from the page; the
suggestion link counts a visit; the article page alone may frame the allowed players; PR-7's
community forum address from the policy is shown with the resources."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pledgedesk.kb.models import ArticleVote, SuggestionVisit
from pledgedesk.kb.services import ArticleInput, article_save
from tests.pages import NOW, PR, RK, organisation, person

pytestmark = pytest.mark.django_db


def write(title, body, **extra):
    extra.setdefault("status", "published")
    return article_save(data=ArticleInput(title=title, body=body, **extra), now=NOW)


@pytest.fixture
def customers(client, at_now):
    gold = person(organisation(RK, plans=("enterprise",)))
    basic = person(organisation(RK, plans=("standard",)))
    write("Dedicated engineer hotline", "Call the engineer hotline.", visibility="plans",
          plans=("enterprise",))
    write("Engineer public guide", "How engineers help.\n\n!video https://youtu.be/abcDEF12345")
    return gold, basic


def page(client, name, *args, **query):
    return client.get(reverse(name, args=args), query)


def test_plan_article_hidden_from_other_plan_everywhere(client, customers):
    gold, basic = customers
    client.force_login(basic.user)
    assert b"Dedicated engineer hotline" not in page(client, "portal:kb").content
    hidden = b"dedicated-engineer-hotline"
    assert hidden not in page(client, "portal:kb", q="engineer hotline").content
    assert hidden not in page(client, "portal:kb_suggest", subject="engineer hotline").content
    assert page(client, "portal:kb_article", "dedicated-engineer-hotline").status_code == 404
    client.force_login(gold.user)
    assert b"Dedicated engineer hotline" in page(client, "portal:kb").content
    assert page(client, "portal:kb_article", "dedicated-engineer-hotline").status_code == 200
    client.logout()
    assert page(client, "portal:kb_article", "dedicated-engineer-hotline").status_code == 404
    assert page(client, "portal:kb_article", "engineer-public-guide").status_code == 200


def test_article_page_alone_frames_the_allowed_players(client, customers):
    response = page(client, "portal:kb_article", "engineer-public-guide")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com https://player.vimeo.com" in csp
    assert b'src="https://www.youtube-nocookie.com/embed/abcDEF12345"' in response.content
    assert "frame-src" not in page(client, "portal:kb").headers["Content-Security-Policy"]


def test_suggestion_visit_and_one_vote_per_person(client, customers):
    gold, _ = customers
    client.force_login(gold.user)
    suggested = page(client, "portal:kb_suggest", subject="engineer guide")
    assert b"?from=portal" in suggested.content
    page(client, "portal:kb_article", "engineer-public-guide", **{"from": "portal"})
    assert SuggestionVisit.objects.filter(contact=gold, source="portal").count() == 1
    url = reverse("portal:kb_vote", args=["engineer-public-guide"])
    assert client.post(url, {"helpful": "yes"}).status_code == 200
    assert client.post(url, {"helpful": "no"}).status_code == 200
    assert list(ArticleVote.objects.values_list("helpful", flat=True)) == [False]
    assert client.post(url, {"helpful": "maybe"}).status_code == 400


def test_anonymous_vote_goes_to_sign_in(client, customers):
    response = client.post(reverse("portal:kb_vote", args=["engineer-public-guide"]),
                           {"helpful": "yes"})
    assert response.status_code == 302 and "sign-in" in response.url
    assert not ArticleVote.objects.exists()


def test_community_forum_is_shown_with_the_resources(client, at_now):
    forum = person(organisation(PR))  # crm-regional: PR-7's Community Forum
    client.force_login(forum.user)
    content = page(client, "portal:kb").content.decode()
    assert "More resources" in content and "Community Forum" in content
