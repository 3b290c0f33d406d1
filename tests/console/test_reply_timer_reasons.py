"""Agents read why a timer has its target in words (issue 16: "timer reasons written for
developers"): the priority and plan labels, the target and the calendar's label, not keys
and a policy path."""

import pytest

from tests.pages import RK, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db


def test_the_ticket_page_says_why_a_timer_has_its_target_in_words(client, at_now):
    org = organisation(RK, timezone="America/Chicago", country="US")
    ticket = open_ticket(org, person(org, role="administrator"), priority="red")
    client.force_login(staff().user)

    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()

    why = page.split('data-metric="first_response"', 1)[1].split("<dt>Why</dt><dd>", 1)[1]
    why = why.split("</dd>", 1)[0]
    assert why.lower().startswith("red priority on the product support plan: ")
    assert why.endswith("on the Business hours calendar")
    assert "metric first_response" not in why and "plans." not in why
