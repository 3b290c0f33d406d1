"""Ticket numbers (tickets.numbers): unique and in order on both databases. PostgreSQL takes
them from a sequence, so creators in concurrent transactions never wait on each other for a
number; SQLite keeps one counter row (its single writer makes that free) and stays dense.
These tests commit for real, on separate connections where two transactions are involved."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.numbers import number_next, numbers_continue_after, uses_sequence
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, contact, organisation

pytestmark = pytest.mark.django_db(transaction=True)

RL = "ecommerce-platform"


def _create(org, person, subject="Numbered"):
    return ticket_create(new=NewTicket(organisation=org, requester=person, subject=subject,
                                       description="x", channel="portal"), now=T0)


def test_numbers_are_unique_and_follow_one_another():
    org = organisation(RL)
    person = contact(org)

    numbers = [_create(org, person, f"T{i}").number for i in range(5)]

    assert numbers == list(range(numbers[0], numbers[0] + 5))


def test_a_number_is_taken_without_waiting_for_another_open_creation():
    """PostgreSQL: a second transaction gets its number while the first is still open (with a
    lock timeout, a wait would be an error). SQLite: the second writer waits for the first,
    then gets the next number; no number is handed out twice either way."""
    number_next()  # the counter row or the sequence exists before the race
    first_has_number = threading.Event()
    first_may_finish = threading.Event()
    got: dict[str, int] = {}
    errors: list[BaseException] = []

    def first():
        try:
            with transaction.atomic():
                got["first"] = number_next()
                first_has_number.set()
                first_may_finish.wait(timeout=10)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            first_has_number.set()
            connections.close_all()

    def second():
        try:
            with transaction.atomic():
                if uses_sequence(connection.vendor):
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = '500ms'")
                got["second"] = number_next()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    one = threading.Thread(target=first)
    one.start()
    assert first_has_number.wait(timeout=10)
    two = threading.Thread(target=second)
    two.start()
    if uses_sequence(connection.vendor):
        two.join(timeout=10)
        assert not two.is_alive(), "the second creation waited for the first"
        assert errors == []
        first_may_finish.set()
        one.join(timeout=10)
    else:
        two.join(timeout=0.3)
        assert two.is_alive(), "SQLite admitted a second writer while the first was open"
        first_may_finish.set()
        one.join(timeout=10)
        two.join(timeout=10)
        assert errors == []
    assert got["second"] == got["first"] + 1


def test_a_rolled_back_creation_leaves_a_gap_only_on_postgresql():
    org = organisation(RL)
    person = contact(org)
    before = _create(org, person).number

    with pytest.raises(RuntimeError), transaction.atomic():
        number_next()
        raise RuntimeError("the creation failed after taking its number")
    after = _create(org, person).number

    expected_gap = 1 if uses_sequence(connection.vendor) else 0
    assert after == before + 1 + expected_gap


def test_numbering_continues_after_tickets_loaded_with_their_own_numbers():
    org = organisation(RL)
    person = contact(org)
    loaded_up_to = _create(org, person).number + 1000

    numbers_continue_after(loaded_up_to)
    assert _create(org, person).number == loaded_up_to + 1

    numbers_continue_after(5)  # never backwards
    assert _create(org, person).number == loaded_up_to + 2


def test_the_migration_continues_numbering_after_every_number_already_used():
    """Migrating a PostgreSQL database that numbered with the counter row: the sequence starts
    above both the counter and the highest number present (a ticket imported with its own). On
    SQLite the migration changes nothing: the counter row goes on where it was."""
    org = organisation(RL)
    person = contact(org)
    counted = _create(org, person).number
    imported = _create(org, person)
    Ticket.objects.filter(pk=imported.pk).update(number=counted + 5000)

    executor = MigrationExecutor(connection)
    executor.migrate([("tickets", "0003_ticket_queue_status_priority")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    expected = counted + 5001 if uses_sequence(connection.vendor) else counted + 2
    assert _create(org, person).number == expected
