"""Issue 14 (PR-1): an organisation's primary contact sets where their product may embed the
widget from the portal, through the console's and the API's service
(channels.widget.widget_set_origins); nobody else of theirs may, nor of another
organisation; the secret is never shown in the portal."""

from __future__ import annotations

import pytest

from pledgedesk.channels import widget as w
from pledgedesk.channels.models import WidgetSettings
from pledgedesk.errors import PermissionDenied
from tests.pages import NOW, PR, organisation, person, staff

pytestmark = pytest.mark.django_db

URL = "/portal/widget-settings/"


@pytest.fixture
def pr(at_now):
    org = organisation(PR, timezone="Europe/Berlin", country="DE", name="Piperocks Client")
    primary = person(org, role="primary", name="Pia Primary")
    issued = w.widget_create(agent=staff(roles=("administrator",)), organisation=org,
                             origins=["https://app.example.com"], now=NOW)
    return org, primary, issued


def test_the_primary_contact_sees_and_changes_the_origins(client, pr):
    org, primary, issued = pr
    client.force_login(primary.user)

    page = client.get(URL).content.decode()
    saved = client.post(URL, {"origins": "https://NEW.example.com:443/\n\nhttp://localhost:8123"},
                        follow=True)

    assert 'aria-current="page">Support widget</a>' in page
    assert "https://app.example.com" in page and issued.widget.public_id in page
    assert issued.secret not in page
    assert "Saved: only these origins" in saved.content.decode()
    assert WidgetSettings.objects.get(organisation=org).origins == [
        "http://localhost:8123", "https://new.example.com"]


def test_a_bad_origin_is_refused_naming_it_and_nothing_changes(client, pr):
    org, primary, _ = pr
    client.force_login(primary.user)

    response = client.post(URL, {"origins": "https://ok.example.com\nhttps://*.example.com"})

    assert response.status_code == 400
    assert "wildcards are not allowed" in response.content.decode()
    assert WidgetSettings.objects.get(organisation=org).origins == ["https://app.example.com"]


@pytest.mark.parametrize("role", ["administrator", None])
def test_other_contacts_of_the_organisation_cannot(client, pr, role):
    org, _, _ = pr
    someone = person(org, role=role) if role else person(org)
    client.force_login(someone.user)

    assert client.get(URL).status_code == 404
    assert client.post(URL, {"origins": "https://evil.example.com"}).status_code == 404
    assert "Support widget" not in client.get("/portal/").content.decode()
    assert WidgetSettings.objects.get(organisation=org).origins == ["https://app.example.com"]


def test_another_organisations_primary_contact_cannot_through_the_service(pr):
    org, _, _ = pr
    other = person(organisation(PR, name="Other"), role="primary")
    with pytest.raises(PermissionDenied):
        w.widget_set_origins(contact=other, organisation=org, origins=[], now=NOW)


def test_without_a_widget_the_page_says_to_ask_the_support_team(client, at_now):
    primary = person(organisation(PR, name="No Widget Co"), role="primary")
    client.force_login(primary.user)

    page = client.get(URL)

    assert page.status_code == 200
    assert "not switched on for No Widget Co" in page.content.decode()
    assert client.post(URL, {"origins": "https://app.example.com"}).status_code == 200
    assert not WidgetSettings.objects.exists()
