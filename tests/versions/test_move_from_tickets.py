"""PolicyVersion moved from the tickets app to the versions app (tickets 0006, versions 0001).
A database migrated up to the old leaf, with tickets and policy versions in it, reaches the new
leaf with the same table, the same rows, tickets still pointing at their versions, and the
model's content type (same id) now under the new app. Runs on SQLite and PostgreSQL; commits
for real, since migrations cannot run inside the test's transaction."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import NewTicket, ticket_create
from pledgedesk.versions.models import PolicyVersion
from tests.factories import T0, contact, organisation

pytestmark = pytest.mark.django_db(transaction=True)

OLD_LEAF = [("tickets", "0005_drop_redundant_fk_indexes"), ("versions", None)]


def _migrate(targets):
    """Migrates to ``targets`` (an app at None: none of its migrations applied); returns the
    historical models there."""
    MigrationExecutor(connection).migrate(targets)
    nodes = [target for target in targets if target[1] is not None]
    return MigrationExecutor(connection).loader.project_state(nodes).apps


def _leaf():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _old_ticket(old, *, version, number: int):
    """A ticket written as the old code wrote it, through the old leaf's historical models."""
    return old.get_model("tickets", "Ticket").objects.create(
        number=number, policy_version=version, subject="Opened before the move", channel="api",
        plan="standard", priority="normal", priority_rank=3, status="new",
        status_category="new", received_at=T0, updated_at=T0)


def test_an_existing_database_keeps_its_versions_and_tickets_across_the_move():
    # given: a database at the old leaf, holding versions and tickets written at both leaves
    org = organisation("ecommerce-platform")
    opened = ticket_create(new=NewTicket(organisation=org, requester=contact(org),
                                         subject="Before", description="x", channel="portal"),
                           now=T0)
    content_type_id = ContentType.objects.get(app_label="versions", model="policyversion").pk
    old = _migrate(OLD_LEAF)
    assert not old.is_installed("pledgedesk.versions")
    OldVersion = old.get_model("tickets", "PolicyVersion")
    assert OldVersion._meta.db_table == PolicyVersion._meta.db_table == "tickets_policyversion"
    assert OldVersion.objects.filter(pk=opened.policy_version_id).exists()
    assert ContentType.objects.filter(
        app_label="tickets", model="policyversion", pk=content_type_id).exists()
    written_old = OldVersion.objects.create(
        key="legacy", version="7", digest="d" * 64, source="# kept verbatim\n",
        loaded_at=T0 - timedelta(days=30))
    legacy_ticket = _old_ticket(old, version=written_old, number=opened.number + 100)

    # when
    _migrate(_leaf())

    # then: same rows, tickets still point at them, the content type moved under its id
    moved = PolicyVersion.objects.get(pk=written_old.pk)
    assert (moved.key, moved.version, moved.digest, moved.source, moved.loaded_at) == (
        "legacy", "7", "d" * 64, "# kept verbatim\n", T0 - timedelta(days=30))
    assert Ticket.objects.get(pk=legacy_ticket.pk).policy_version == moved
    assert Ticket.objects.get(pk=opened.pk).policy_version_id == opened.policy_version_id
    assert ContentType.objects.filter(app_label="versions", model="policyversion").get().pk \
        == content_type_id
    assert not ContentType.objects.filter(app_label="tickets", model="policyversion").exists()


def test_the_new_leaf_still_refuses_a_duplicate_version_and_protects_a_used_one():
    """The table's unique constraint and the tickets' PROTECT foreign key came along."""
    from django.db import IntegrityError, transaction
    from django.db.models import ProtectedError

    org = organisation("ecommerce-platform")
    opened = ticket_create(new=NewTicket(organisation=org, requester=contact(org),
                                         subject="Protected", description="x", channel="portal"),
                           now=T0)
    version = opened.policy_version
    _migrate(OLD_LEAF)
    _migrate(_leaf())

    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.create(key=version.key, version="again", digest=version.digest,
                                     source="", loaded_at=T0, effective_at=T0)
    with pytest.raises(ProtectedError):
        PolicyVersion.objects.get(pk=version.pk).delete()
