"""versions.policies after publication (PR-9, issue 18): the version in force is chosen by
time from the key's versions, kept per process, so a version becoming effective at an instant
is picked up at that instant without a restart and without a file change; a publication by
another process is seen within RECHECK_SECONDS. These tests commit for real
(transaction=True), because the cache keeps only versions known to be committed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from pledgedesk.publishing import services
from pledgedesk.versions import policies
from pledgedesk.versions.models import PolicyVersion
from pledgedesk.versions.policies import policy_version_current
from tests.factories import T0
from tests.versions import test_policies

pytestmark = pytest.mark.django_db(transaction=True)

RK = "crm-severity-colours"  # the key test_policies' policy_dir copies
policy_dir = test_policies.policy_dir  # its fixture, found by name
TOMORROW = T0 + timedelta(days=1)


def _publish(path: Path, version: str, effective, now=T0):
    text = path.read_text().replace('version = "2"', f'version = "{version}"', 1)
    draft = services.policy_draft(key=RK, source=text, filename=path.name, effective=effective,
                                  now=now)
    return services.policy_publish(draft=draft, by="Pat", now=now).version


def test_a_version_becoming_effective_is_picked_up_by_time_from_the_cache(
        policy_dir, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(policies, "RECHECK_SECONDS", 3600.0)  # a loaded machine stays under
    before = policy_version_current(RK, now=T0)
    published = _publish(policy_dir, "3", TOMORROW)
    policy_version_current(RK, now=T0)  # reads the key's versions once after publication

    with django_assert_num_queries(0):
        today = policy_version_current(RK, now=T0)
        at_the_instant = policy_version_current(RK, now=TOMORROW)

    assert today.pk == before.pk
    assert at_the_instant.pk == published.pk


def test_a_publication_by_another_process_is_seen_after_the_recheck(policy_dir, monkeypatch):
    policy_version_current(RK, now=T0)
    text = policy_dir.read_text().replace('version = "2"', 'version = "9"', 1)
    other = PolicyVersion.objects.create(  # as another process's publication writes it
        key=RK, version="9", digest="x" * 64, source=text, loaded_at=T0, effective_at=T0,
        published_at=T0, published_by="someone else")

    monkeypatch.setattr(policies, "RECHECK_SECONDS", 3600.0)
    assert policy_version_current(RK, now=T0).pk != other.pk
    monkeypatch.setattr(policies, "RECHECK_SECONDS", 0.0)
    assert policy_version_current(RK, now=T0).pk == other.pk


def test_an_unchanged_published_key_reads_nothing_and_ignores_file_edits(
        policy_dir, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(policies, "RECHECK_SECONDS", 3600.0)
    published = _publish(policy_dir, "3", None)
    policy_version_current(RK, now=T0)
    policy_dir.write_text(policy_dir.read_text() + "\n# an edit nobody published\n")

    with django_assert_num_queries(0):
        again = policy_version_current(RK, now=T0 + timedelta(minutes=1))

    assert again.pk == published.pk
