"""Issue 18 in the widget (PR-1): while the subject is typed, the articles that may answer it,
chosen by the portal's selector under the visibility of the session's contact; one opens in
the frame, which counts the visit; leaving without submitting is deflected, submitting is
not, in the same figure as the portal's (kb.selectors.deflection)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from pledgedesk.channels import widget as w
from pledgedesk.kb.models import SuggestionVisit
from pledgedesk.kb.selectors import deflection
from pledgedesk.kb.services import ArticleInput, article_save
from tests.channels.widget_helpers import host_token
from tests.pages import NOW, RK, contact, email_of, organisation, person, staff

pytestmark = pytest.mark.django_db

HOST = "https://app.example.com"


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)  # the widget never relies on Django's CSRF cookie


def write(title, body, **extra):
    return article_save(data=ArticleInput(title=title, body=body, status="published", **extra),
                        now=NOW)


@pytest.fixture
def desk(at_now):
    gold_org = organisation(RK, plans=("enterprise",), name="Gold Co")
    basic_org = organisation(RK, plans=("standard",), name="Basic Co")
    admin = staff(roles=("administrator",))
    widgets = {org.pk: w.widget_create(agent=admin, organisation=org, origins=[HOST], now=NOW)
               for org in (gold_org, basic_org)}
    write("Dedicated engineer hotline", "Call the engineer hotline.", visibility="plans",
          plans=("enterprise",))
    write("Engineer public guide", "How engineers help with exports.")
    write("Staff only engineer notes", "Internal.", visibility="agents")
    return {"gold": person(gold_org), "basic": person(basic_org), "widgets": widgets}


def session_of(client, desk, who):
    issued = desk["widgets"][who.organisation_id]
    token = host_token(issued.widget, issued.secret, email=email_of(who), at=NOW)
    page = client.post(f"/portal/widget/{issued.widget.public_id}/start/",
                       {"host_token": token, "host_origin": HOST}).content.decode()
    return issued.widget, re.search(r'name="session" value="([^"]+)"', page).group(1), page


def suggest(client, widget, session, subject, **headers):
    return client.post(f"/portal/widget/{widget.public_id}/suggest/",
                       {"session": session, "subject": subject}, **headers)


def open_article(client, widget, session, slug):
    return client.post(f"/portal/widget/{widget.public_id}/article/",
                       {"session": session, "slug": slug})


def test_the_form_carries_the_suggestion_box_and_no_inline_script(client, desk):
    widget, _, page = session_of(client, desk, desk["gold"])

    assert f'data-suggest-url="/portal/widget/{widget.public_id}/suggest/"' in page
    assert f'data-article-url="/portal/widget/{widget.public_id}/article/"' in page
    assert 'data-subject="id_subject"' in page
    assert re.findall(r"<script[^>]*>", page) == [
        '<script src="/static/widget/widget-frame.js" defer>']


def test_suggestions_follow_the_contacts_visibility(client, desk):
    gold_widget, gold, _ = session_of(client, desk, desk["gold"])
    basic_widget, basic, _ = session_of(client, desk, desk["basic"])

    for_gold = suggest(client, gold_widget, gold, "engineer").content.decode()
    for_basic = suggest(client, basic_widget, basic, "engineer").content.decode()

    assert 'data-article="dedicated-engineer-hotline"' in for_gold
    assert 'data-article="engineer-public-guide"' in for_gold
    assert "dedicated-engineer-hotline" not in for_basic  # a plan article: enterprise only
    assert 'data-article="engineer-public-guide"' in for_basic
    assert "staff-only" not in for_gold + for_basic  # agents only
    assert open_article(client, basic_widget, basic, "dedicated-engineer-hotline"
                        ).status_code == 404
    assert not SuggestionVisit.objects.exists()


def test_short_or_refused_requests_suggest_nothing(client, desk):
    widget, session, _ = session_of(client, desk, desk["gold"])

    assert suggest(client, widget, session, "en").content.strip() == b""
    assert suggest(client, widget, "forged", "engineer").status_code == 403
    assert suggest(client, widget, session, "engineer",
                   HTTP_ORIGIN="https://evil.example").status_code == 403
    other_widget = desk["widgets"][desk["basic"].organisation_id].widget
    assert suggest(client, other_widget, session, "engineer").status_code == 403


def test_opening_an_article_counts_a_visit_and_leaving_is_deflected(client, desk):
    widget, session, _ = session_of(client, desk, desk["gold"])

    opened = open_article(client, widget, session, "engineer-public-guide")

    assert opened.status_code == 200
    assert "How engineers help with exports." in opened.content.decode()
    assert "frame-ancestors https://app.example.com" in opened["Content-Security-Policy"]
    visit = SuggestionVisit.objects.get()
    assert (visit.contact, visit.source, visit.at) == (desk["gold"], "widget", NOW)
    assert deflection(since=NOW, until=NOW + timedelta(days=1)) == {
        "opened": 1, "deflected": 1, "submitted": 0}


def test_a_request_submitted_after_the_article_is_not_deflected(client, desk):
    widget, session, _ = session_of(client, desk, desk["gold"])
    open_article(client, widget, session, "engineer-public-guide")

    filed = client.post(f"/portal/widget/{widget.public_id}/request/", {
        "session": session, "host_origin": HOST, "subject": "Exports still empty",
        "description": "The guide did not help.", "priority": "yellow"})

    assert filed.status_code == 200, filed.content.decode()
    assert deflection(since=NOW, until=NOW + timedelta(days=1)) == {
        "opened": 1, "deflected": 0, "submitted": 1}


def test_a_contact_without_a_login_is_counted_like_any_other(client, desk):
    # Issue 18: a visit belongs to the contact, so a widget user with no portal login counts.
    no_login = contact(organisation(RK, plans=("standard",)))
    issued = w.widget_create(agent=staff(roles=("administrator",)),
                             organisation=no_login.organisation, origins=[HOST], now=NOW)
    desk["widgets"][no_login.organisation_id] = issued
    widget, session, _ = session_of(client, desk, no_login)

    assert open_article(client, widget, session, "engineer-public-guide").status_code == 200
    assert SuggestionVisit.objects.get().contact == no_login
    assert deflection(since=NOW, until=NOW + timedelta(days=1)) == {
        "opened": 1, "deflected": 1, "submitted": 0}
