"""API handlers show what the service returned (issue 12): the ticket is read once to check the
caller may see it and once, locked, by the service; never a third time to render it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def ticket_reads(queries) -> int:
    return sum(1 for q in queries if q["sql"].lstrip().upper().startswith("SELECT")
               and 'FROM "tickets_ticket"' in q["sql"])


@pytest.mark.parametrize(("role", "method", "path", "body"), [
    ("agent", "post", "replies", {"body": "On it"}),
    ("requester", "post", "replies", {"body": "Thanks"}),
    ("agent", "post", "notes", {"body": "Internal"}),
    ("agent", "post", "calls", {"summary": "Called"}),
    ("agent", "patch", "", {"priority": "red", "version": 1}),
    ("agent", "post", "exclusions", {"reason": "peak_period"}),
])
def test_a_change_is_shown_from_what_the_service_returned(world, role, method, path, body):
    url = f"tickets/{world.ticket.number}" + (f"/{path}" if path else "")

    with CaptureQueriesContext(connection) as queries:
        response = getattr(world.api(role), method)(url, body)

    assert response.status_code in (200, 201), response.content
    assert ticket_reads(queries.captured_queries) == 2
    shown = response.json().get("ticket", response.json())
    assert shown["version"] == world.fresh().version == 2


def test_an_upload_is_a_change_that_moves_the_version(world):
    response = world.api("requester").upload(f"tickets/{world.ticket.number}/attachments")

    assert response.status_code == 201, response.content
    assert world.fresh().version == 2
