"""Customers read words for the clocks and their zone's name (issue 16): "First response",
not the policy's internal "Callback" or "Assignment", and "US Pacific time" beside the offset.
Agents keep the policy's own labels."""

import pytest

from tests.pages import FG, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def northwind():
    org = organisation(FG, plans=("24x7",), timezone="America/Los_Angeles", country="US",
                       subdivision="CA")
    paula = person(org, role="primary")
    return paula, open_ticket(org, paula, priority="high")


def test_the_customer_reads_words_and_the_zone_name(client, northwind, at_now):
    paula, ticket = northwind
    client.force_login(paula.user)

    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    listing = client.get("/portal/").content.decode()

    assert "First response" in page and "Assigned to an engineer" in page
    assert "Callback" not in page and ">Assignment<" not in page
    assert "UTC\u221208:00 (US Pacific time)" in page
    assert "First response" in listing and "Callback" not in listing


def test_agents_keep_the_policys_labels(client, northwind, at_now):
    _, ticket = northwind
    client.force_login(staff().user)

    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()

    assert "<strong>Callback</strong>" in page and "<strong>Assignment</strong>" in page
