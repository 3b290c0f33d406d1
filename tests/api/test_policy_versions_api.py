"""A policy's versions over the API (issue 18, PR-9): the version in force, earlier and
upcoming versions with what changed for the customer, for agents (any organisation) and the
organisation's own contacts (any of them, as the portal's policy page); never another
organisation's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.conftest import NOW
from tests.pages import RK
from tests.publishing.conftest import RED_RESOLUTION, draft, policy_dir  # noqa: F401
from tests.publishing.helpers import publish

pytestmark = pytest.mark.django_db

CHANGED = "Resolution, plan standard, priority red: 1 business day → 2 business days"


@pytest.fixture
def published(world, draft):  # noqa: F811 (the fixture imported above)
    world.api("agent").get(f"organisations/{world.org.pk}/policy/versions")  # v2 recorded
    publish(draft(RK, "3", RED_RESOLUTION), now=NOW)
    publish(draft(RK, "4"), now=NOW, effective=NOW + timedelta(days=3))
    return world


def test_the_organisations_contacts_and_agents_read_its_changelog(published):
    world = published
    for role in ("agent", "colleague", "primary"):
        answer = world.api(role).get(f"organisations/{world.org.pk}/policy/versions")
        assert answer.status_code == 200, (role, answer.json())
        log = answer.json()
        assert (log["in_force"]["version"], [e["version"] for e in log["earlier"]],
                [e["version"] for e in log["upcoming"]]) == ("3", ["2"], ["4"])
        assert {"area": "targets", "text": CHANGED} in log["in_force"]["changes"]
        assert log["in_force"]["published_at"] is not None
        assert log["earlier"][0]["changes"] == []


@pytest.mark.parametrize("role", ["outsider", "banned"])
def test_no_one_else_reads_it(published, role):
    answer = published.api(role).get(f"organisations/{published.org.pk}/policy/versions")
    assert answer.status_code == 404
    assert answer.json()["field"] == "org_id"


def test_anonymous_callers_and_unknown_organisations_are_refused(published):
    assert published.api("anonymous").get(
        f"organisations/{published.org.pk}/policy/versions").status_code == 401
    assert published.api("agent").get("organisations/999999/policy/versions").status_code == 404
    assert published.api("agent").get("organisations/0/policy/versions").status_code == 422
