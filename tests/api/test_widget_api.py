"""The widget's settings through the API (PR-1): administrators only; the secret only in the
answer that made it; origin errors naming the entry; rotation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.channels.models import WidgetSettings
from pledgedesk.channels.widget import widget_token_verify
from tests.api.conftest import NOW, Api, token_for
from tests.channels.widget_helpers import host_token
from tests.factories import agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(world) -> Api:
    return Api(token_for(agent(roles=("administrator",)).user))


def path(org) -> str:
    return f"organisations/{org.pk}/widget"


def test_switching_on_answers_201_with_the_secret_and_never_again(world, admin):
    response = admin.put(path(world.org), {"origins": ["https://app.acme.example/"]})
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    widget = WidgetSettings.objects.get(organisation=world.org)
    assert body["secret"] == widget.secret
    assert body["widget_id"] == widget.public_id
    assert body["origins"] == ["https://app.acme.example"]
    assert body["script_url"] == "http://testserver/static/widget/widget.js"
    assert body["frame_url"] == f"http://testserver/portal/widget/{widget.public_id}/"

    read = admin.get(path(world.org))
    changed = admin.put(path(world.org), {"origins": ["https://b.acme.example"]})
    assert read.status_code == 200 and changed.status_code == 200
    for later in (read, changed):
        assert "secret" not in later.json() and widget.secret not in later.content.decode()
    assert changed.json()["origins"] == ["https://b.acme.example"]


def test_a_bad_origin_is_a_422_naming_the_entry_and_nothing_is_written(world, admin):
    response = admin.put(path(world.org),
                         {"origins": ["https://ok.example", "https://app.example/path"]})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "origins.1" and "must not have a path" in body["message"]
    assert body["errors"][0]["field"] == "origins.1"
    assert not WidgetSettings.objects.exists()


def test_origins_must_be_a_list_of_strings(world, admin):
    response = admin.put(path(world.org), {"origins": "https://app.example"})
    assert response.status_code == 422
    assert admin.put(path(world.org), {"origins": [5]}).status_code == 422
    assert admin.put(path(world.org), {"origins": [], "secret": "mine"}).status_code == 422


def test_rotation_returns_a_new_secret_and_the_old_works_for_the_grace(world, admin):
    first = admin.put(path(world.org), {"origins": []}).json()["secret"]
    response = admin.post(f"{path(world.org)}/secret", {"grace_hours": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["secret"] != first
    assert body["previous_secret_until"] == (NOW + timedelta(hours=1)).isoformat()
    widget = WidgetSettings.objects.get(organisation=world.org)
    requester = world.people["requester"]
    email = requester.emails.first().address
    old = host_token(widget, first, email=email, at=NOW)
    assert widget_token_verify(public_id=widget.public_id, token=old,
                               now=NOW).contact == requester
    assert admin.post(f"{path(world.org)}/secret", {"grace_hours": 169}).status_code == 422


@pytest.mark.parametrize("role", ["agent", "requester", "administrator", "outsider"])
def test_only_desk_administrators_see_or_change_widget_settings(world, admin, role):
    """An engineer and every contact, the organisation's own Administrator included, are
    refused (403) and nothing is written."""
    admin.put(path(world.org), {"origins": []})
    api = world.api(role)
    for response in (api.get(path(world.org)),
                     api.put(path(world.org), {"origins": ["https://evil.example"]}),
                     api.post(f"{path(world.org)}/secret", {})):
        assert response.status_code == 403, response.content
        assert "secret" not in response.json()
    assert WidgetSettings.objects.get(organisation=world.org).origins == []


def test_a_contact_learns_nothing_of_other_organisations(world):
    outsider = world.api("outsider")
    known = outsider.get(path(world.org))
    unknown = outsider.get("organisations/999999/widget")
    assert known.status_code == unknown.status_code == 403
    assert known.json() == unknown.json()


def test_anonymous_is_401_and_unknown_organisation_or_widget_is_404(world, admin):
    assert world.api("anonymous").get(path(world.org)).status_code == 401
    assert admin.get("organisations/999999/widget").status_code == 404
    missing = admin.get(path(world.org))
    assert missing.status_code == 404 and "not switched on" in missing.json()["message"]
    assert admin.post(f"{path(world.org)}/secret", {}).status_code == 404


def test_each_organisation_has_its_own_widget_and_secret(world, admin):
    ours = admin.put(path(world.org), {"origins": ["https://a.example"]}).json()
    theirs = admin.put(path(world.other_org), {"origins": ["https://b.example"]}).json()
    assert ours["widget_id"] != theirs["widget_id"] and ours["secret"] != theirs["secret"]
    assert admin.get(path(world.org)).json()["origins"] == ["https://a.example"]
