"""The console's widget settings (PR-1): an administrator switches the widget on, sees the
secret once, sets origins (errors naming the line) and rotates the secret."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from pledgedesk.channels.models import WidgetSettings
from pledgedesk.channels.widget import widget_token_verify
from tests.channels.widget_helpers import host_token
from tests.pages import NOW, PR, email_of, organisation, person, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, at_now):
    someone = staff(roles=("administrator",))
    client.force_login(someone.user)
    return someone


@pytest.fixture
def org(at_now):
    return organisation(PR, name="Acme Customer")


def secret_in(page: str) -> str:
    return re.search(r'<code class="secret-value">([^<]+)</code>', page).group(1)


def test_switching_the_widget_on_shows_the_secret_once_and_the_embed_code(client, admin,
                                                                          org):
    response = client.post(f"/console/widgets/{org.pk}/",
                           {"origins": "https://app.acme.example\n\nhttp://localhost:3000/"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    widget = WidgetSettings.objects.get(organisation=org)
    assert secret_in(page) == widget.secret
    assert widget.origins == ["http://localhost:3000", "https://app.acme.example"]
    assert f'data-widget="{widget.public_id}"' in page
    assert "http://testserver/static/widget/widget.js" in page

    again = client.get(f"/console/widgets/{org.pk}/").content.decode()
    assert widget.secret not in again and 'class="secret-value"' not in again
    assert "https://app.acme.example" in again


def test_a_bad_origin_is_refused_naming_it_and_nothing_changes(client, admin, org):
    client.post(f"/console/widgets/{org.pk}/", {"origins": "https://app.acme.example"})
    response = client.post(f"/console/widgets/{org.pk}/",
                           {"origins": "https://ok.example\nhttps://*.acme.example"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Origin 2: origin &#x27;https://*.acme.example&#x27;: wildcards" in page
    assert WidgetSettings.objects.get(organisation=org).origins == ["https://app.acme.example"]


def test_rotating_shows_the_new_secret_and_the_old_one_works_for_the_grace(client, admin,
                                                                           org):
    first = secret_in(client.post(f"/console/widgets/{org.pk}/",
                                  {"origins": ""}).content.decode())
    response = client.post(f"/console/widgets/{org.pk}/rotate/", {"grace": "24"})
    assert response.status_code == 200
    second = secret_in(response.content.decode())
    widget = WidgetSettings.objects.get(organisation=org)
    assert second == widget.secret != first
    ana = person(org)
    old = host_token(widget, first, email=email_of(ana), at=NOW)
    assert widget_token_verify(public_id=widget.public_id, token=old, now=NOW).contact == ana


def test_the_list_shows_every_organisation_with_its_widget(client, admin, org):
    other = organisation(PR, name="Beta Co")
    client.post(f"/console/widgets/{org.pk}/", {"origins": "https://app.acme.example"})
    page = client.get("/console/widgets/").content.decode()
    assert "Acme Customer" in page and "Beta Co" in page
    assert "https://app.acme.example" in page
    assert f'href="/console/widgets/{other.pk}/"' in page
    assert 'href="/console/widgets/"' in page  # the navigation link, for administrators


@pytest.mark.parametrize("path", ["/console/widgets/", "/console/widgets/{org}/"])
def test_an_agent_without_the_role_is_refused(client, org, path, at_now):
    client.force_login(staff(roles=("support_lead",)).user)
    response = client.get(path.format(org=org.pk))
    assert response.status_code == 403
    assert "only an administrator" in response.content.decode()
    assert client.post(f"/console/widgets/{org.pk}/",
                       {"origins": "https://x.example"}).status_code == 403
    assert client.post(f"/console/widgets/{org.pk}/rotate/",
                       {"grace": "0"}).status_code == 403
    assert not WidgetSettings.objects.exists()
    assert 'href="/console/widgets/"' not in client.get("/console/").content.decode()


def test_a_contact_is_sent_to_sign_in(client, org, at_now):
    client.force_login(person(org).user)
    response = client.get("/console/widgets/")
    assert response.status_code == 302 and "/console/sign-in/" in response["Location"]


def test_settings_change_only_by_a_post_with_csrf(org, at_now):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff(roles=("administrator",)).user)
    assert strict.post(f"/console/widgets/{org.pk}/",
                       {"origins": "https://x.example"}).status_code == 403
    assert not WidgetSettings.objects.exists()


def test_unknown_organisation_or_rotating_without_a_widget_is_404(client, admin, org):
    assert client.get("/console/widgets/999999/").status_code == 404
    assert client.post(f"/console/widgets/{org.pk}/rotate/", {"grace": "24"}).status_code == 404
