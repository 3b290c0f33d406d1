"""How many statements the hot API paths send. Issue 5 sets throughput and latency targets
(benchmarks/desk_bench.py measures them); these budgets keep a later change from quietly
adding a query per request, or one per row of a page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0

# Savepoints and BEGIN/COMMIT are transaction control, not work: counted apart.
CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


def _work(queries) -> list[str]:
    return [q["sql"] for q in queries if not q["sql"].upper().startswith(CONTROL)]


def _count(call) -> list[str]:
    call()  # the token's last_used_at is written at most every few minutes: not counted
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code in (200, 201), response.content
    return _work(captured.captured_queries)


def test_agent_creates_a_ticket_in_nine_statements_plus_the_policy_version(world):
    body = {"subject": "Export fails", "description": "Every CSV is empty",
            "organisation": world.org.pk, "requester": world.people["requester"].pk}

    sql = _count(lambda: world.api("agent").post("tickets", body))

    # token+user+agent, requester+organisation, number, ticket, events, the events' outbox rows
    # (one INSERT for all: what the change calls for, written with it), message, its search row
    # (tickets.search: full text kept in step in the same transaction), timers; plus
    # the policy version, read twice here because the test's own transaction keeps it out of
    # the per-process cache (tests/versions/test_policies.py: no query once cached).
    policy_reads = [q for q in sql if "tickets_policyversion" in q.split(" FROM ")[-1][:40]]
    assert len(sql) - len(policy_reads) <= 9, "\n".join(sql)


def test_queue_page_costs_three_statements_whatever_its_size(world):
    for i in range(30):
        ticket_create(new=NewTicket(organisation=world.org, requester=world.people["requester"],
                                    subject=f"t{i}", description="", channel="portal"), now=T0)

    small = _count(lambda: world.api("agent").get("tickets", {"limit": 2}))
    full = _count(lambda: world.api("agent").get("tickets", {"limit": 30}))

    assert len(small) == len(full) == 3, "\n".join(full)  # token+user+agent, page, timers


@pytest.mark.parametrize(("role", "budget"), [("agent", 4), ("requester", 5)])
def test_ticket_detail_costs_four_statements_for_an_agent(world, role, budget):
    sql = _count(lambda: world.api(role).get(f"tickets/{world.ticket.number}"))
    # token+user+agent, the ticket, its timers, its CCs; a contact's roles take one more (the
    # token lookup joins only the agent: most API callers are agents).
    assert len(sql) <= budget, "\n".join(sql)
