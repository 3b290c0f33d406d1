"""The knowledge base through the API (issue 18): the same selector as the portal (a plan
article never reaches another plan's customer through listing, search or its address), one
vote per person, writing and the report for agents only."""

from __future__ import annotations

from pledgedesk.kb.models import ArticleVote
from pledgedesk.kb.services import ArticleInput, article_save
from tests.api.conftest import NOW


def _plan_world(world):
    world.org.plans = ["enterprise"]
    world.org.save(update_fields=["plans"])
    article_save(data=ArticleInput(title="Enterprise escalation desk", body="Call the desk.",
                                   status="published", visibility="plans",
                                   plans=("enterprise",)), now=NOW)
    article_save(data=ArticleInput(title="Public desk hours", body="The desk opens at 8.",
                                   status="published"), now=NOW)


def test_plan_article_reaches_only_its_plan(world):
    _plan_world(world)
    slug = "enterprise-escalation-desk"
    inside, outside = world.api("requester"), world.api("outsider")
    assert {a["slug"] for a in inside.get("kb/articles").json()} == {slug, "public-desk-hours"}
    assert [a["slug"] for a in outside.get("kb/articles").json()] == ["public-desk-hours"]
    assert [h["article"]["slug"] for h in outside.get("kb/search", {"q": "desk"}).json()] == [
        "public-desk-hours"]
    assert outside.get(f"kb/articles/{slug}").status_code == 404
    found = inside.get(f"kb/articles/{slug}").json()
    assert found["helpful"] is None and "<p>Call the desk.</p>" in found["body_html"]
    hits = inside.get("kb/search", {"q": "escalation"}).json()
    assert "<mark>" in hits[0]["title_html"]


def test_one_vote_per_person_and_report_for_agents(world):
    _plan_world(world)
    api = world.api("requester")
    for helpful in (True, False):
        response = api.post("kb/articles/public-desk-hours/vote", {"helpful": helpful})
        assert response.status_code == 200, response.content
    assert list(ArticleVote.objects.values_list("helpful", flat=True)) == [False]
    assert world.api("agent").get("kb/articles/public-desk-hours").json()["not_helpful"] == 1
    assert api.get("kb/report").status_code == 403
    report = world.api("agent").get("kb/report").json()
    assert [a["slug"] for a in report["least_helpful"]] == ["public-desk-hours"]
    assert world.api("anonymous").get("kb/articles").status_code == 401


def test_agents_write_articles_and_bad_input_names_the_field(world):
    made = world.api("agent").post("kb/articles", {
        "title": "Newcomers guide", "body": "**x**", "status": "published", "visibility": "plans",
        "plans": ["enterprise"]})
    assert made.status_code == 201, made.content
    assert made.json()["plans"] == ["enterprise"]
    bad = world.api("agent").post("kb/articles", {"title": "Other", "body": "",
                                                  "visibility": "plans"})
    assert bad.status_code == 422 and "plans" in bad.content.decode()
    assert world.api("requester").post("kb/articles", {"title": "x", "body": ""}) \
        .status_code == 403
