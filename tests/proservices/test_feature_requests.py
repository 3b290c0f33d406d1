"""RL-8 (issue 17): a feature request is a request type. The customer asks for one in the
portal or through the API; the ticket and its feature request are written together and the
ticket goes to the team the policy names; the customer follows its status, never another
organisation's. A policy that takes none offers no form and refuses the request."""

from __future__ import annotations

import pytest

from pledgedesk.proservices.defects import feature_request_set_status
from pledgedesk.proservices.models import FeatureRequest
from pledgedesk.tickets.models import Ticket, TicketEvent
from tests.api.conftest import Api, token_for
from tests.outbox.helpers import drain
from tests.pages import NOW, RL, organisation, person, staff

pytestmark = pytest.mark.django_db
RT = "crm-named-severities"


def test_rl8_the_customer_asks_in_the_portal_and_follows_the_status(client, at_now):
    org = organisation(RL, name="Shop Co")
    buyer, owner = person(org), staff(groups=("product",))
    client.force_login(buyer.user)
    page = client.get("/portal/feature-requests/").content.decode()
    assert "Ask for a feature" in page
    sent = client.post("/portal/feature-requests/", {"summary": "Bulk export of orders",
                                                     "description": "We export by hand."})
    assert sent.status_code == 302
    request = FeatureRequest.objects.select_related("ticket").get()
    ticket = request.ticket
    assert (request.team, request.opened_by, request.status) == ("product", None, "received")
    assert (ticket.subject, ticket.requester) == ("Feature request: Bulk export of orders",
                                                  buyer)
    drain(now=NOW)  # the creation is planned: the ticket goes to the owning team
    assert Ticket.objects.get(pk=ticket.pk).group.key == "product"
    drain(now=NOW)
    assert TicketEvent.objects.filter(ticket=ticket, kind="group_changed").count() == 1
    feature_request_set_status(ticket=ticket, agent=owner, status="planned", now=NOW)
    listed = client.get("/portal/feature-requests/").content.decode()
    assert "Bulk export of orders" in listed and "Planned" in listed
    empty = client.post("/portal/feature-requests/", {"summary": "  "})
    assert empty.status_code == 422 and "summary must be 1 to 300" in empty.content.decode()
    client.force_login(person(organisation(RL)).user)  # another organisation's contact
    assert "Bulk export of orders" not in client.get("/portal/feature-requests/").content.decode()


def test_rl8_a_policy_without_an_owning_team_offers_no_form(client, at_now):
    client.force_login(person(organisation(RT)).user)
    assert "Ask for a feature" not in client.get("/portal/feature-requests/").content.decode()
    refused = client.post("/portal/feature-requests/", {"summary": "Dark mode"})
    assert refused.status_code == 422
    assert "takes no feature requests" in refused.content.decode()
    assert not Ticket.objects.exists()


def test_rl8_through_the_api(at_now):
    org = organisation(RL)
    buyer, colleague = person(org), person(org)
    api = Api(token_for(buyer.user))
    made = api.post("feature-requests", {"summary": "Gift cards", "description": "Please"})
    assert made.status_code == 201, made.content
    assert (made.json()["team"], made.json()["status"]) == ("product", "received")
    assert [f["summary"] for f in api.get("feature-requests").json()] == ["Gift cards"]
    number = made.json()["ticket"]
    assert api.get(f"tickets/{number}/feature-request").json()["status"] == "received"
    assert Api(token_for(colleague.user)).get("feature-requests").json() == []
    agent_api = Api(token_for(staff().user))
    assert [f["ticket"] for f in agent_api.get("feature-requests").json()] == [number]
    assert agent_api.post("feature-requests", {"summary": "x"}).status_code == 403
    bad = api.post("feature-requests", {"summary": ""})
    assert bad.status_code in (400, 422) and bad.json()["field"] == "summary"
    assert Api(None).post("feature-requests", {"summary": "x"}).status_code == 401
