"""Publishing from Django admin (PR-9, issue 18): the same services as the CLI, from an
uploaded or pasted file; a refusal is shown on its field and writes nothing; the dry run lists
what would move and applying with its plan moves exactly that (Zammad#534, #4353,
osTicket#5160)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from pledgedesk.tickets.models import Ticket
from pledgedesk.versions.models import PolicyVersion
from tests.factories import T0, contact, organisation
from tests.pages import RK, open_ticket
from tests.publishing.conftest import RED_RESOLUTION

pytestmark = pytest.mark.django_db

URL = "/admin/versions/policyversion/publish/"


@pytest.fixture
def boss(client):
    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "x"))
    return client


def test_an_uploaded_file_is_published_by_the_signed_in_admin(boss, draft, at_now):
    path = draft(RK, "3", RED_RESOLUTION)

    response = boss.post(URL, {"file": SimpleUploadedFile(path.name, path.read_bytes()),
                               "open_tickets": "keep"})

    assert response.status_code == 302
    version = PolicyVersion.objects.get(key=RK, version="3")
    assert version.published_by == "boss"
    listing = boss.get("/admin/versions/policyversion/").content.decode()
    assert "Publish a version" in listing


def test_a_pasted_broken_file_is_refused_on_the_form_and_nothing_is_written(boss, policy_dir,
                                                                             at_now):
    response = boss.post(URL, {"text": "[policy]\nname = \nversion = \"3\"\n", "key": RK,
                               "open_tickets": "keep"})

    assert response.status_code == 200
    assert f"{RK}.toml:line 2: TOML syntax error" in response.content.decode()
    assert not PolicyVersion.objects.exists()


def test_the_dry_run_lists_the_moves_and_apply_with_its_plan_moves_them(boss, draft, at_now):
    org = organisation(RK)
    ticket = open_ticket(org, contact(org, role="administrator"), at=T0, priority="red")
    text = draft(RK, "3", RED_RESOLUTION).read_text()

    dry = boss.post(URL, {"text": text, "key": RK, "open_tickets": "dry_run"}).content.decode()
    digest = dry.split("(plan ")[1].split(")")[0]
    assert f"#{ticket.number}" in dry and "resolution: running, due" in dry
    assert not PolicyVersion.objects.filter(version="3").exists()
    applied = boss.post(URL, {"text": text, "key": RK, "open_tickets": "apply",
                              "expected": digest})

    assert applied.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).policy_version.version == "3"


def test_only_a_superuser_publishes(client, policy_dir):
    staff = get_user_model().objects.create_user("clerk", is_staff=True)
    client.force_login(staff)

    assert client.get(URL).status_code in (302, 403)
    assert not PolicyVersion.objects.exists()
