"""versions.policies.policy_version_current: which recorded version of a policy file is in
force, kept per process while the file is unchanged. These tests commit for real
(transaction=True), because the cache keeps only versions known to be committed."""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import NewTicket, ticket_create
from pledgedesk.versions.models import PolicyVersion
from pledgedesk.versions.policies import policy_version_current
from tests.factories import T0, contact, organisation

pytestmark = pytest.mark.django_db(transaction=True)

RK = "crm-severity-colours"


@pytest.fixture
def policy_dir(tmp_path, settings):
    source = Path(settings.PLEDGEDESK_POLICY_DIR) / f"{RK}.toml"
    shutil.copy(source, tmp_path / source.name)
    settings.PLEDGEDESK_POLICY_DIR = str(tmp_path)
    return tmp_path / source.name


def _bump(path: Path, marker: str) -> None:
    """An edit as a team makes it: a comment line added, so the content (and size) change."""
    path.write_text(path.read_text(encoding="utf-8") + f"\n# {marker}\n", encoding="utf-8")


def test_unchanged_file_is_answered_without_reading_the_database(
        policy_dir, django_assert_num_queries):
    first = policy_version_current(RK, now=T0)
    with django_assert_num_queries(0):
        again = policy_version_current(RK, now=T0)
    assert again.pk == first.pk
    assert PolicyVersion.objects.filter(key=RK).count() == 1


def test_an_edited_file_is_recorded_again_and_applies_to_new_tickets_only(policy_dir):
    org = organisation(RK)
    someone = contact(org)
    before = ticket_create(new=NewTicket(organisation=org, requester=someone, subject="one",
                                         description="", channel="portal"), now=T0)
    _bump(policy_dir, "response targets reviewed")
    after = ticket_create(new=NewTicket(organisation=org, requester=someone, subject="two",
                                        description="", channel="portal"), now=T0)

    assert after.policy_version_id != before.policy_version_id
    assert Ticket.objects.get(pk=before.pk).policy_version_id == before.policy_version_id
    assert PolicyVersion.objects.filter(key=RK).count() == 2
    assert "response targets reviewed" in PolicyVersion.objects.get(
        pk=after.policy_version_id).source


def test_an_edit_that_keeps_the_size_is_seen_by_its_modification_time(policy_dir):
    first = policy_version_current(RK, now=T0)
    text = policy_dir.read_text(encoding="utf-8")
    policy_dir.write_text(text + "\n# aaaa\n", encoding="utf-8")
    middle = policy_version_current(RK, now=T0)
    stat = policy_dir.stat()
    policy_dir.write_text(text + "\n# bbbb\n", encoding="utf-8")  # same size
    os.utime(policy_dir, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    last = policy_version_current(RK, now=T0)

    assert len({first.digest, middle.digest, last.digest}) == 3
    assert "bbbb" in last.source


def test_a_version_recorded_in_a_rolled_back_transaction_is_not_kept(policy_dir):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        rolled_back = policy_version_current(RK, now=T0)
        raise Abort
    assert not PolicyVersion.objects.filter(pk=rolled_back.pk).exists()

    current = policy_version_current(RK, now=T0)
    assert PolicyVersion.objects.filter(pk=current.pk).exists()


def test_a_flushed_database_forgets_the_versions_it_held(policy_dir):
    first = policy_version_current(RK, now=T0)
    call_command("flush", interactive=False, verbosity=0)
    assert not PolicyVersion.objects.exists()

    again = policy_version_current(RK, now=T0)
    assert PolicyVersion.objects.filter(pk=again.pk).exists()
    assert again.digest == first.digest


def test_a_removed_file_is_an_error_naming_the_policy(policy_dir):
    from pledgedesk.errors import InvalidInput

    policy_version_current(RK, now=T0)
    policy_dir.unlink()
    with pytest.raises(InvalidInput, match=RK):
        policy_version_current(RK, now=T0)
