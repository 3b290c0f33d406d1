"""``/healthz`` is ready only on a current schema (issue 13: it answered 200 on an empty,
unmigrated database while every API call failed)."""

import json
import subprocess

import pytest
from django.db.migrations.recorder import MigrationRecorder

from pledgedesk.web import health
from tests.foundation.helpers import COMMAND, environment


@pytest.fixture
def unchecked(monkeypatch):
    """A process that has not yet seen the schema current."""
    monkeypatch.setattr(health, "_seen_current", False)


@pytest.mark.django_db
def test_a_migrated_database_is_ready(client, unchecked):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_an_unapplied_migration_makes_it_unavailable_naming_it(client, unchecked):
    app, name = sorted(health._leaf_migrations())[-1]
    MigrationRecorder.Migration.objects.filter(app=app, name=name).delete()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert f"{app}.{name}" in response.json()["reason"]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_once_seen_current_the_schema_is_not_read_again(client, unchecked,
                                                        django_assert_num_queries):
    client.get("/healthz")

    with django_assert_num_queries(1):  # SELECT 1
        response = client.get("/healthz")

    assert response.status_code == 200


def test_an_empty_unmigrated_database_is_unavailable(tmp_path):
    # The real application in its own process, on a data directory nobody has migrated.
    probe = ("import django, json; django.setup(); from django.test import Client; "
             "r = Client().get('/healthz', HTTP_HOST='127.0.0.1'); "
             "print(json.dumps([r.status_code, json.loads(r.content)]))")
    env = environment(tmp_path, DJANGO_SETTINGS_MODULE="pledgedesk.project.settings")
    env.pop("PLEDGEDESK_TEST_REQUIRE_DB", None)

    result = subprocess.run([COMMAND[0], "-c", probe], env=env, capture_output=True, text=True,
                            timeout=120, check=True)

    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 503
    assert body["reason"].startswith("database schema is not current: not applied:")
