"""rows_insert (pledgedesk/rowput.py) writes what bulk_create writes, in one statement built
once per model and row count (issue 20: Django's INSERT compilation was 16 % of a worker's CPU
on ticket creation): every field's value as the ORM sends it (JSON, aware datetimes, foreign
keys taken from objects saved after the row was built), keys set on the instances. Checked
against the ORM itself, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledgedesk.channels.models import InboundMessage
from pledgedesk.rowput import rows_insert
from pledgedesk.tickets.intake import NewTicket
from pledgedesk.tickets.models import Ticket, TicketEvent
from pledgedesk.tickets.services import ticket_create
from tests.factories import T0, contact, organisation

pytestmark = pytest.mark.django_db


def _values(obj) -> dict:
    return {k: v for k, v in vars(obj).items() if not k.startswith("_") and k != "id"}


@pytest.fixture
def ticket():
    org = organisation("crm-severity-colours", timezone="America/Chicago", country="US")
    return ticket_create(new=NewTicket(organisation=org, subject="Printer", description="On fire",
                                       channel="email", requester=contact(org)), now=T0)


def _events(ticket, n):
    return [TicketEvent(ticket=ticket, at=T0 + timedelta(seconds=i), kind="created",
                        channel="email", new={"n": i, "text": "é\u2603"}, old=None)
            for i in range(n)]


def test_rows_are_stored_as_bulk_create_stores_them_in_one_statement(ticket):
    ours, theirs = _events(ticket, 3), _events(ticket, 3)
    with CaptureQueriesContext(connection) as queries:
        rows_insert(ours)
    TicketEvent.objects.bulk_create(theirs)

    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT INTO")
    assert all(e.pk is not None and not e._state.adding for e in ours)
    stored = {e.pk: e for e in TicketEvent.objects.filter(pk__in=[e.pk for e in ours + theirs])}
    for mine, orm in zip(ours, theirs, strict=True):
        assert _values(stored[mine.pk]) == _values(stored[orm.pk])
        assert stored[mine.pk].new == mine.new


def test_a_foreign_key_saved_after_the_row_was_built_is_taken_from_its_object(ticket):
    fresh = Ticket(**{k: v for k, v in _values(ticket).items()
                      if not k.endswith("_cache") and k != "number"}, number=ticket.number + 1000)
    event = TicketEvent(ticket=fresh, at=T0, kind="created", channel="email", new={})
    rows_insert([fresh])  # the ticket gets its key after the event was built
    rows_insert([event])

    assert TicketEvent.objects.get(pk=event.pk).ticket_id == fresh.pk


def test_models_it_cannot_write_go_through_the_orm():
    # A BinaryField needs the backend's own placeholder: bulk_create writes it.
    [row] = rows_insert([InboundMessage(raw=b"\x00\xff", sha256="0" * 64, message_id="<a@b>",
                                        mailbox="pipe", received_at=T0)])
    assert bytes(InboundMessage.objects.get(pk=row.pk).raw) == b"\x00\xff"
    assert rows_insert([]) == []
