"""The outbox's rules: written with the change, delivered once per claim, retried, visible."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from pledgedesk.errors import Conflict, NotFound
from pledgedesk.outbox import registry
from pledgedesk.outbox.models import Delivery
from pledgedesk.outbox.registry import Handler, PermanentFailure, Planned
from pledgedesk.outbox.selectors import backlog, failed_deliveries, ticket_deliveries
from pledgedesk.outbox.services import claim_due, deliver_due, enqueue, retry
from pledgedesk.tickets.intake import NewTicket
from pledgedesk.tickets.services import ticket_create
from tests.factories import T0, contact, organisation
from tests.outbox.helpers import drain

pytestmark = pytest.mark.django_db(transaction=True)
S = timedelta(seconds=1)


@pytest.fixture
def delivered(monkeypatch):
    """A probe topic whose handler records what it was given, and can be told to fail."""
    seen: list[tuple[str, int]] = []
    failures: list[Exception] = []

    def deliver(row, *, now):
        if failures:
            raise failures.pop(0)
        seen.append((row.key, row.attempts))

    monkeypatch.setitem(registry._handlers, "probe",
                        Handler("probe", deliver, max_attempts=3, backoff_seconds=10,
                                max_backoff_seconds=25))
    return seen, failures


def test_enqueue_is_idempotent_on_its_key(delivered):
    seen, _ = delivered
    with transaction.atomic():
        enqueue(topic="probe", key="once", payload={"n": 1}, now=T0)
        enqueue(topic="probe", key="once", payload={"n": 2}, now=T0)
    assert Delivery.objects.get(key="once").payload == {"n": 1}
    assert drain(now=T0) == 1
    assert seen == [("once", 0)]
    assert Delivery.objects.get(key="once").state == Delivery.State.DELIVERED


def test_a_row_written_in_a_rolled_back_transaction_never_exists(delivered):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(topic="probe", key="rolled-back", payload={}, now=T0)
        raise RuntimeError("the change failed")
    assert not Delivery.objects.filter(key="rolled-back").exists()


def test_not_before_holds_a_row_until_its_instant(delivered):
    seen, _ = delivered
    enqueue(topic="probe", key="later", payload={}, now=T0, not_before=T0 + 60 * S)
    assert drain(now=T0 + 59 * S) == 0
    assert drain(now=T0 + 60 * S) == 1
    assert seen == [("later", 0)]


def test_a_failure_is_retried_with_doubling_backoff_then_fails_visibly(delivered):
    seen, failures = delivered
    failures += [OSError("connection refused")] * 3
    enqueue(topic="probe", key="flaky", payload={}, now=T0, ticket_id=7, organisation_id=3)
    drain(now=T0)
    row = Delivery.objects.get(key="flaky")
    assert (row.state, row.attempts, row.next_attempt_at) == ("pending", 1, T0 + 10 * S)
    assert "OSError: connection refused" in row.last_error
    assert drain(now=T0 + 9 * S) == 0
    drain(now=T0 + 10 * S)
    row.refresh_from_db()
    assert (row.attempts, row.next_attempt_at) == (2, T0 + 30 * S)  # 10 s, then 20 s
    drain(now=T0 + 30 * S)
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("failed", 3)
    assert list(failed_deliveries(organisation_ids=[3])) == [row]
    assert list(failed_deliveries(organisation_ids=[4])) == []
    assert list(ticket_deliveries(7)) == [row]
    assert {"topic": "probe", "state": "failed", "count": 1} in backlog()
    assert seen == []


def test_a_permanent_failure_is_not_retried(delivered):
    _, failures = delivered
    failures.append(PermanentFailure("550 no such mailbox"))
    enqueue(topic="probe", key="bounced", payload={}, now=T0)
    drain(now=T0)
    row = Delivery.objects.get(key="bounced")
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.last_error == "PermanentFailure: 550 no such mailbox"


def test_retry_puts_a_failed_row_back_and_it_is_delivered(delivered):
    seen, failures = delivered
    failures.append(PermanentFailure("receiver said 410"))
    enqueue(topic="probe", key="again", payload={}, now=T0, organisation_id=3)
    drain(now=T0)
    row = Delivery.objects.get(key="again")
    with pytest.raises(NotFound):
        retry(delivery_id=row.pk, now=T0 + S, organisation_ids=[4])  # another tenant's row
    retry(delivery_id=row.pk, now=T0 + S, organisation_ids=[3])
    drain(now=T0 + S)
    row.refresh_from_db()
    assert row.state == "delivered" and seen == [("again", 0)]
    with pytest.raises(Conflict, match="only a failed delivery"):
        retry(delivery_id=row.pk, now=T0 + 2 * S)


def test_a_topic_nobody_handles_waits_and_is_not_lost():
    enqueue(topic="nobody-handles-this", key="orphan", payload={}, now=T0)
    drain(now=T0)
    row = Delivery.objects.get(key="orphan")
    assert row.state == "pending" and row.attempts == 1
    assert "no handler is registered for the topic 'nobody-handles-this'" in row.last_error


def test_a_claim_is_held_until_its_lease_ends(delivered):
    seen, _ = delivered
    enqueue(topic="probe", key="leased", payload={}, now=T0)
    held = claim_due(now=T0, worker="killed-worker", limit=10)
    assert [r.key for r in held] == ["leased"]
    assert deliver_due(now=T0 + 60 * S, worker="other", limit=10) == 0  # still claimed
    assert deliver_due(now=T0 + 301 * S, worker="other", limit=10) == 1  # the lease ended
    assert seen == [("leased", 0)]


def test_an_outcome_after_the_claim_was_lost_does_not_overwrite_the_new_one(delivered):
    seen, _ = delivered
    enqueue(topic="probe", key="slow", payload={}, now=T0)
    [stale] = claim_due(now=T0, worker="slow-worker", limit=10)
    drain(now=T0 + 301 * S)  # another worker took it over and delivered it
    from pledgedesk.outbox.services import deliver_one
    deliver_one(stale, now=T0 + 302 * S)  # the slow worker finishes late
    row = Delivery.objects.get(key="slow")
    assert (row.state, row.attempts, row.delivered_at) == ("delivered", 1, T0 + 301 * S)
    assert len(seen) == 2  # at least once: the receiver deduplicates on the key


def test_every_ticket_event_is_fanned_out_to_the_planners(delivered, monkeypatch):
    seen, _ = delivered
    notices = []

    def plan(notice, *, now):
        notices.append(notice)
        return [Planned("probe", f"probe:{notice.event_id}", {"kind": notice.kind})]

    monkeypatch.setitem(registry._planners, "probe-planner", plan)
    org = organisation("crm-severity-colours")
    ticket = ticket_create(new=NewTicket(organisation=org, requester=contact(org),
                                         channel="portal", subject="Exports are empty",
                                         description="x"), now=T0)
    events = list(ticket.events.order_by("id"))
    fanout = Delivery.objects.filter(topic="ticket.event", ticket_id=ticket.pk)
    assert sorted(r.key for r in fanout) == sorted(f"event:{e.pk}" for e in events)
    drain(now=T0)
    assert [n.kind for n in notices] == [e.kind for e in events]
    assert {n.organisation_id for n in notices} == {org.pk}
    assert sorted(k for k, _ in seen) == sorted(f"probe:{e.pk}" for e in events)
    # Planning again (a worker died after planning) adds nothing twice.
    Delivery.objects.filter(topic="ticket.event").update(state="pending")
    drain(now=T0 + S)
    assert Delivery.objects.filter(topic="probe").count() == len(events)


def test_a_planner_that_fails_retries_the_whole_event_without_doubling(delivered, monkeypatch):
    seen, _ = delivered
    calls = []

    def good(notice, *, now):
        return [Planned("probe", f"good:{notice.event_id}")]

    def flaky(notice, *, now):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("template missing")
        return [Planned("probe", f"flaky:{notice.event_id}")]

    monkeypatch.setitem(registry._planners, "a-good", good)
    monkeypatch.setitem(registry._planners, "b-flaky", flaky)
    enqueue(topic="ticket.event", key="event:999", now=T0,
            payload={"event_id": 999, "ticket_id": 1, "organisation_id": None,
                     "kind": "created"})
    drain(now=T0)
    assert Delivery.objects.filter(topic="probe").count() == 0  # nothing half-planned
    drain(now=T0 + 10 * S)
    assert sorted(k for k, _ in seen) == ["flaky:999", "good:999"]
