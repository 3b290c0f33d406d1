"""Professional Services through the API (issue 17), per promise: RK-10 banks and cases,
RK-11 courtesy, RL-11 exceptions, FG-12 engagements (the permission matrix is in
test_permissions.py)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pledgedesk.proservices.models import Engagement
from tests.api.conftest import FG, NOW, Api, token_for
from tests.factories import agent, contact, organisation

pytestmark = pytest.mark.django_db


def test_rk10_buy_a_bank_make_a_case_and_draw_it_down(world):
    api, n = world.api("agent"), world.ticket.number
    bought = api.post(f"organisations/{world.org.pk}/hour-banks",
                      {"tier": "Silver", "starts_on": "2026-01-05"})
    assert bought.status_code == 201 and bought.json()["ends_on"] == "2027-01-05"
    bad = api.post(f"organisations/{world.org.pk}/hour-banks",
                   {"tier": "Bronze", "starts_on": "2026-01-05"})
    assert bad.status_code == 422 and bad.json()["field"] == "tier"
    assert api.post(f"tickets/{n}/ps-case", {"reason": "Paid training"}).status_code == 201
    logged = api.post(f"tickets/{n}/time", {"minutes": 490, "worked_on": "2026-01-05",
                                            "billable": True, "note": "Training"})
    assert logged.status_code == 201 and logged.json()["replenish_notice"] is True
    listed = api.get(f"tickets/{n}/time").json()
    assert listed["total_minutes"] == 490 and listed["ps_case"] is True
    [bank] = world.api("primary").get(f"organisations/{world.org.pk}/hour-banks").json()
    assert (bank["balance"], bank["below_line"]) == ("1 h 50 min", True)
    assert [e["note"] for e in bank["statement"]] == ["Training"]
    assert [x["crossing"] for x in bank["notices"]] == [1]


def test_rk11_courtesy_warns_and_is_reported_rl11_exceptions_are_listed(world):
    api, n = world.api("agent"), world.ticket.number
    body = {"minutes": 25, "worked_on": "2026-01-05", "courtesy_reason": "Small tweak"}
    assert api.post(f"tickets/{n}/time", body).json()["warning"] is None
    warned = api.post(f"tickets/{n}/time", body).json()
    assert "50 minutes, past the policy's typical 30 minutes" in warned["warning"]
    assert api.post(f"tickets/{n}/time", {**body, "billable": True}).status_code == 422
    [row] = api.get("reports/courtesy").json()
    assert (row["organisation"], row["minutes"], row["tickets"]) == (world.org.pk, 50, 1)
    none = api.post(f"organisations/{world.org.pk}/exceptions",
                    {"kind": "priority", "reason": ""})
    assert none.status_code == 422 and none.json()["field"] == "reason"
    made = api.post(f"organisations/{world.org.pk}/exceptions",
                    {"kind": "priority", "reason": "Red for a demo day", "ticket": n})
    assert made.status_code == 201 and made.json()["ticket"] == n
    agent_id = world.people["agent"].pk
    assert [e["reason"] for e in api.get("exceptions", {"agent": agent_id}).json()] == [
        "Red for a demo day"]
    assert api.get("exceptions", {"organisation": world.other_org.pk}).json() == []
    assert world.api("primary").get("exceptions").status_code == 403


def test_fg12_the_pipeline_through_the_api(db, fixed_clock):
    org = organisation(FG, timezone="America/Chicago", country="US")
    primary = contact(org, role="primary", login=True)
    pm = agent(roles=("project_manager",))
    customer, staff = Api(token_for(primary.user)), Api(token_for(pm.user))
    asked = customer.post("engagements", {"kind": "health_check", "title": "Yearly check"})
    assert asked.status_code == 201 and asked.json()["stage"] == "requested"
    eid = asked.json()["id"]
    skip = staff.client.post(f"/api/v1/engagements/{eid}/moves", {"stage": "scheduled",
                             "scheduled_at": "2026-02-01T15:00:00+00:00"},
                             headers=staff._headers())
    assert skip.status_code == 409 and skip.json()["field"] == "stage"
    signed = customer.client.post(f"/api/v1/engagements/{eid}/moves", {
        "stage": "quote_signed", "po_number": "PO-5",
        "document": SimpleUploadedFile("signed.pdf", b"%PDF")}, headers=customer._headers())
    assert signed.status_code == 200, signed.content
    scheduled = staff.client.post(f"/api/v1/engagements/{eid}/moves", {
        "stage": "scheduled", "scheduled_at": "2026-02-01T15:00:00+00:00"},
        headers=staff._headers())
    assert scheduled.status_code == 200
    moves = staff.get(f"engagements/{eid}").json()["moves"]
    assert [(m["to_stage"], m["agent"], m["contact"]) for m in moves] == [
        ("requested", None, primary.name), ("quote_signed", None, primary.name),
        ("scheduled", pm.name, None)]
    assert all(m["at"] == NOW.isoformat() for m in moves[1:])
    assert Engagement.objects.get(pk=eid).po_number == "PO-5"


def test_rk5_defect_and_rl8_feature_request_through_the_api(world):
    from tests.factories import agent as make_agent
    api, n = world.api("agent"), world.ticket.number
    make_agent(groups=("development",))
    assert api.post(f"tickets/{n}/defect", {"reference": ""}).status_code == 422
    made = api.post(f"tickets/{n}/defect", {"reference": "DEV-1", "workaround": ""})
    assert made.status_code == 201 and made.json()["priority"] == "high"
    detail = api.get(f"tickets/{n}").json()
    assert detail["status"] == "on_hold"
    assert world.api("requester").post(f"tickets/{n}/defect",
                                       {"reference": "x"}).status_code == 403


def test_rl8_the_customer_sees_the_feature_request_status(db, fixed_clock):
    from pledgedesk.tickets.services import NewTicket, ticket_create
    org = organisation("ecommerce-platform")
    requester = contact(org, login=True)
    ticket = ticket_create(new=NewTicket(organisation=org, requester=requester,
                                         subject="Please add bulk export", description="x",
                                         channel="portal"), now=NOW)
    staff, customer = Api(token_for(agent(groups=("product",)).user)), \
        Api(token_for(requester.user))
    outsider = Api(token_for(contact(organisation("ecommerce-platform"), login=True).user))
    n = ticket.number
    assert customer.get(f"tickets/{n}/feature-request").status_code == 404
    assert staff.post(f"tickets/{n}/feature-request",
                      {"summary": "Bulk export"}).json()["team"] == "product"
    assert staff.post(f"tickets/{n}/feature-request/status",
                      {"status": "planned"}).json()["status"] == "planned"
    assert customer.get(f"tickets/{n}/feature-request").json()["status"] == "planned"
    assert customer.post(f"tickets/{n}/feature-request/status",
                         {"status": "shipped"}).status_code == 403
    assert outsider.get(f"tickets/{n}/feature-request").status_code == 404
