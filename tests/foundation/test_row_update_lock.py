"""rowput.row_update writes a saved row back as ``save()`` does, in one statement built once;
RowGet(lock=True) locks the root row as ``select_for_update(of=("self",))`` does. On SQLite
and PostgreSQL."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from pledgedesk.rowget import RowGet
from pledgedesk.rowput import row_update
from pledgedesk.tickets.intake import NewTicket
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import ticket_create
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db

LOCKED = RowGet(Ticket, related=("organisation", "assignee"), equal=("id",), lock=True)


def _values(obj) -> dict:
    return {k: v for k, v in vars(obj).items() if not k.startswith("_")}


@pytest.fixture
def ticket():
    org = organisation("crm-severity-colours", timezone="America/Chicago", country="US")
    return ticket_create(new=NewTicket(organisation=org, subject="Printer", description="On fire",
                                       channel="email", requester=contact(org)), now=T0)


def test_row_update_stores_every_column_as_save_does(ticket):
    twin = Ticket.objects.get(pk=ticket.pk)
    for row in (ticket, twin):
        row.subject, row.tags, row.exclusions = "Printer é\u2603", ["b", "a"], ["x"]
        row.assignee, row.version = agent(), row.version + 1
    with CaptureQueriesContext(connection) as queries:
        row_update(ticket)
    assert len(queries.captured_queries) == 1
    mine = _values(Ticket.objects.get(pk=ticket.pk))
    twin.assignee = ticket.assignee
    twin.save()
    assert mine == _values(Ticket.objects.get(pk=ticket.pk))
    assert mine["tags"] == ["b", "a"] and mine["assignee_id"] == ticket.assignee.pk


def test_row_update_of_a_deleted_row_fails(ticket):
    gone = Ticket.objects.get(pk=ticket.pk)
    Ticket.objects.filter(pk=ticket.pk).delete()
    with pytest.raises(DatabaseError):
        row_update(gone)


def test_the_locking_get_locks_where_the_backend_locks_rows(ticket):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        row = LOCKED.get(id=ticket.pk)
    assert row.pk == ticket.pk and row.organisation == ticket.organisation
    assert row.assignee is None
    sql = queries.captured_queries[0]["sql"]
    if connection.features.has_select_for_update_of:
        assert sql.endswith('FOR UPDATE OF "r0"')
    else:
        assert "FOR UPDATE" not in sql


@pytest.mark.django_db(transaction=True)  # a test's own transaction would hide autocommit
def test_the_locking_get_outside_a_transaction_is_refused_where_it_would_lock(ticket):
    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            LOCKED.get(id=ticket.pk)
    else:
        assert LOCKED.get(id=ticket.pk).pk == ticket.pk
