"""timers_recompute writes only the timers whose verdict changed, in place (ids kept), in one
statement, and what it leaves stored is exactly the engine's verdict over the whole history,
on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from pledgedesk.tickets.models import SlaTimer, Ticket
from pledgedesk.tickets.services import (
    Actor,
    NewTicket,
    ticket_create,
    ticket_customer_reply,
    ticket_reply,
)
from pledgedesk.tickets.timers import _verdict, timers_recompute
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)
COLUMNS = ("metric", "state", "due_at", "late_at", "goal_at", "warn_at", "met_at",
           "breached_by_minutes", "used_seconds", "paused_seconds", "reason")


def stored(ticket: Ticket) -> dict:
    return {t.metric: t for t in SlaTimer.objects.filter(ticket=ticket)}


def values(timer: SlaTimer) -> tuple:
    return tuple(getattr(timer, name) for name in COLUMNS)


@pytest.fixture
def ticket():
    org = organisation("crm-severity-colours", timezone="America/Chicago", country="US")
    return ticket_create(new=NewTicket(organisation=org, subject="Printer", description="On fire",
                                       channel="email", requester=contact(org)), now=T0)


def test_a_reply_keeps_every_timer_row_and_stores_the_full_verdict(ticket):
    before = {metric: t.pk for metric, t in stored(ticket).items()}
    ticket_reply(ticket=ticket, actor=Actor(channel="portal", agent=agent()), body="On it",
                 expected_version=None, now=T0 + H)
    ticket_customer_reply(ticket=ticket, actor=Actor(channel="email", contact=ticket.requester),
                          body="Thanks", now=T0 + 2 * H)
    after = stored(ticket)
    assert {metric: t.pk for metric, t in after.items()} == before
    fresh = Ticket.objects.get(pk=ticket.pk)
    expected = _verdict(fresh, list(fresh.events.order_by("at", "id")), T0 + 2 * H)
    assert {t.metric: values(t) for t in expected} == {m: values(t) for m, t in after.items()}
    assert any(t.met_at is not None for t in after.values())  # the reply met first response


def test_the_returned_rows_are_saved_and_match_the_stored_ones(ticket):
    fresh = Ticket.objects.select_related("policy_version", "organisation").get(pk=ticket.pk)
    with transaction.atomic():
        rows = timers_recompute(fresh, now=T0 + H)
    assert {r.metric: (r.pk, values(r)) for r in rows} == {
        m: (t.pk, values(t)) for m, t in stored(ticket).items()}


def test_an_unchanged_verdict_writes_nothing_and_a_changed_one_one_update(ticket):
    fresh = Ticket.objects.select_related("policy_version", "organisation").get(pk=ticket.pk)
    with transaction.atomic():
        timers_recompute(fresh, now=T0 + H)
        with CaptureQueriesContext(connection) as same:
            timers_recompute(fresh, now=T0 + H)
        with CaptureQueriesContext(connection) as later:
            timers_recompute(fresh, now=T0 + 3 * H)
    writes = [q["sql"] for q in same.captured_queries if not q["sql"].startswith("SELECT")]
    assert writes == []
    writes = [q["sql"] for q in later.captured_queries if not q["sql"].startswith("SELECT")]
    assert len(writes) == 1 and writes[0].startswith("UPDATE")


def test_a_metric_the_verdict_lost_is_deleted_and_a_new_one_inserted(ticket):
    kept = stored(ticket)
    gone, other = sorted(kept)[:2]
    SlaTimer.objects.filter(ticket=ticket, metric=other).delete()
    SlaTimer.objects.create(ticket=ticket, metric="no-such-metric", state="running")
    fresh = Ticket.objects.select_related("policy_version", "organisation").get(pk=ticket.pk)
    with transaction.atomic():
        timers_recompute(fresh, now=T0 + H)
    after = stored(ticket)
    assert set(after) == set(kept)
    assert after[gone].pk == kept[gone].pk
    assert after[other].pk != kept[other].pk
