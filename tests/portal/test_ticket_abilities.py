"""The portal's ticket page offers what the services accept (issue 12), and a request it would
not have offered, sent anyway, is refused by the service with the reason on the page."""

import pytest

from pledgedesk.tickets.services import Change, ticket_update
from tests.pages import FG, NOW, PR, RK, agent, as_agent, open_ticket, organisation, person

pytestmark = pytest.mark.django_db


def _page(client, ticket) -> str:
    return client.get(f"/portal/tickets/{ticket.number}/").content.decode()


def test_fg10_a_held_request_takes_no_reply_from_the_portal(client, at_now):
    org = organisation(FG, timezone="America/Chicago", country="US")
    person(org, role="primary")
    newcomer = person(org)  # not on the authorised list: held for the primary contact
    ticket = open_ticket(org, newcomer)
    client.force_login(newcomer.user)

    page = _page(client, ticket)
    response = client.post(f"/portal/tickets/{ticket.number}/reply/", {"body": "Any news?"})

    assert "Send reply" not in page
    assert response.status_code == 400
    assert "held until the primary contact" in response.content.decode()
    assert not ticket.messages.filter(body="Any news?").exists()


def test_pr6_no_escalation_once_solved_and_a_forced_request_says_why(client, at_now):
    org = organisation(PR, timezone="Europe/Berlin", country="DE")
    ines = person(org)
    ticket = open_ticket(org, ines, channel="widget", priority="normal")
    ticket_update(ticket=ticket, actor=as_agent(agent()), change=Change(status="solved"),
                  expected_version=None, now=NOW)
    client.force_login(ines.user)

    page = _page(client, ticket)
    response = client.post(f"/portal/tickets/{ticket.number}/escalate/",
                           {"reason": "Still broken"})

    assert "Request escalation" not in page and "Reopen this ticket" in page
    assert response.status_code == 400
    assert "reopen it to ask for escalation" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.escalation_requested_at is None


def test_pr6_a_forced_escalation_under_a_policy_without_it_says_why(client, at_now):
    org = organisation(RK, timezone="America/Chicago", country="US")
    bob = person(org)
    ticket = open_ticket(org, bob)
    client.force_login(bob.user)

    response = client.post(f"/portal/tickets/{ticket.number}/escalate/", {"reason": "Now"})

    assert response.status_code == 400
    assert "does not offer customer escalation" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.escalation_requested_at is None
