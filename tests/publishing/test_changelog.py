"""The customer's policy page (PR-9, issue 18): the version in force (number, effective since,
in the customer's zone), a changelog of earlier versions with what changed for the customer,
computed from the two compiled policies (policy.diff), and a published future version
announced as "changes on DATE" with its changes. Only the contact's own policy's versions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.pages import FG, NOW, RK, organisation, person
from tests.publishing.conftest import RED_RESOLUTION
from tests.publishing.helpers import publish

pytestmark = pytest.mark.django_db

CHANGED_TARGET = "Resolution, plan standard, priority red: 1 business day → 2 business days"


@pytest.fixture
def acme(policy_dir):
    return person(organisation(RK, name="Acme"))


def _page(client, who, path="/portal/policy/") -> str:
    client.force_login(who.user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_changelog_shows_a_changed_target(acme, draft, client, at_now):
    client.force_login(acme.user)
    client.get("/portal/policy/")  # version 2 read from the file, in force
    publish(draft(RK, "3", RED_RESOLUTION), now=NOW)

    page = _page(client, acme)

    assert "In force: <strong>version 3</strong>, effective since" in page
    assert "5 January 2026, 10:00</time> (America/Chicago)" in page
    assert "What changed in version 3" in page
    assert CHANGED_TARGET in page
    assert "<strong>Version 2</strong>" in page and "the first version recorded" in page


def test_a_future_version_is_announced_with_its_date_and_changes(acme, draft, client, at_now):
    publish(draft(RK, "3", RED_RESOLUTION), now=NOW, effective=NOW + timedelta(days=3))

    page = _page(client, acme)

    assert "In force: <strong>version 2</strong>" in page
    assert "Changes on 8 January 2026, 10:00 (America/Chicago): version 3" in page
    assert CHANGED_TARGET in page


def test_a_customer_sees_only_their_own_policys_versions(acme, draft, client, at_now):
    publish(draft(RK, "3", RED_RESOLUTION), now=NOW)
    faxco = person(organisation(FG, name="Faxco"))

    own = _page(client, faxco)
    other = _page(client, faxco, f"/portal/policy/{RK}/")
    client.logout()
    visitor = client.get(f"/portal/policy/{RK}/").content.decode()

    assert "Versions of this policy" in own and CHANGED_TARGET not in own
    assert "Versions of this policy" not in other
    assert "Versions of this policy" not in visitor
