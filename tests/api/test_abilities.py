"""The API's side of issue 12: a ticket carries what its caller may do on it (the selector the
pages read), documented in the schema, and the escalation endpoint refuses what the policy does
not offer (PR-6) instead of recording it."""

from __future__ import annotations

import pytest
from django.test import Client

from pledgedesk.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

ACTIONS = {"reply", "reopen", "escalate", "authorise", "note", "log_call", "change",
           "set_exclusion", "verify_identity", "identify_requester", "set_cc"}


def test_escalation_under_a_policy_without_it_is_refused_naming_why(world):
    # RK offers no customer escalation: this request used to be recorded (and a test said so).
    response = world.api("requester").post(f"tickets/{world.ticket.number}/escalation",
                                           {"reason": "Blocking"})

    assert response.status_code == 403
    assert response.json()["code"] == "escalation_not_offered"
    assert world.fresh().escalation_requested_at is None
    assert not TicketEvent.objects.filter(kind="escalation_requested").exists()


def test_a_ticket_says_what_its_caller_may_do(pr_world):
    n = pr_world.ticket.number

    contact = pr_world.api("requester").get(f"tickets/{n}").json()["abilities"]
    agent = pr_world.api("agent").get(f"tickets/{n}").json()["abilities"]

    assert set(contact) == set(agent) == ACTIONS
    assert {k for k, v in contact.items() if v} == {"reply", "escalate"}
    assert {k for k, v in agent.items() if v} == ACTIONS - {"reopen", "escalate", "authorise"}


def test_the_answer_follows_the_ticket(pr_world):
    n, api = pr_world.ticket.number, pr_world.api("requester")

    asked = api.post(f"tickets/{n}/escalation", {"reason": "Month-end"}).json()
    pr_world.api("agent").patch(f"tickets/{n}", {"status": "solved",
                                                 "version": asked["version"]})
    solved = api.get(f"tickets/{n}").json()

    assert asked["abilities"]["escalate"]  # asking again is accepted and changes nothing
    assert (solved["abilities"]["escalate"], solved["abilities"]["reopen"]) == (False, True)


def test_the_schema_documents_every_ability():
    components = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]

    abilities = components["AbilitiesOut"]
    assert set(abilities["properties"]) == ACTIONS
    assert set(abilities["required"]) == ACTIONS
    assert all(p["type"] == "boolean" and p["description"]
               for p in abilities["properties"].values())
    assert "abilities" in components["TicketOut"]["required"]
