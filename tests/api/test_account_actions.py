"""The API's doors for issue 12's services: RL-6 identity verification, the FG-4 account
look-up, RK-2 CCs, and who an escalation reaches (PR-5, PR-6) in the internal block."""

from __future__ import annotations

import pytest

from pledgedesk.accounts.models import Organisation
from pledgedesk.accounts.services import contact_create
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import (
    Actor,
    NewTicket,
    ticket_create,
    ticket_request_escalation,
)
from tests.api.conftest import FG, NOW, Api, token_for
from tests.factories import agent, contact, organisation

PR = "crm-regional"


def test_rl6_an_agent_records_identity_verification_with_its_method(world):
    number = world.ticket.number

    response = world.api("agent").post(f"tickets/{number}/identity",
                                       {"method": "last four digits of the card",
                                        "version": world.ticket.version})

    assert response.status_code == 200, response.content
    assert response.json()["internal"]["identity_verified"] is True
    events = world.api("agent").get(f"tickets/{number}/events").json()
    assert events[-1]["kind"] == "identity_verified"
    assert events[-1]["new"] == {"method": "last four digits of the card"}


def test_rl6_a_stale_version_is_a_conflict(world):
    response = world.api("agent").post(f"tickets/{world.ticket.number}/identity",
                                       {"method": "call back", "version": 99})

    assert response.status_code == 409
    assert response.json()["field"] == "version"
    assert world.fresh().identity_verified is False


def test_rl6_an_empty_method_is_a_422_naming_it(world):
    response = world.api("agent").post(f"tickets/{world.ticket.number}/identity",
                                       {"method": ""})

    assert response.status_code == 422
    assert response.json()["field"] == "method"


def test_rl6_the_requester_cannot_verify_themselves(world):
    response = world.api("requester").post(f"tickets/{world.ticket.number}/identity",
                                           {"method": "trust me"})

    assert response.status_code == 403
    assert world.fresh().identity_verified is False


# --- FG-4 -------------------------------------------------------------------------------------


@pytest.fixture
def voicemail(db, fixed_clock):
    org = organisation(FG, plans=("24x7",), timezone="America/Chicago", country="US")
    ticket = ticket_create(new=NewTicket(organisation=org, caller_number="+19525550199",
                                         subject="Voicemail", description="",
                                         channel="voicemail"), now=NOW)
    return org, ticket, Api(token_for(agent().user))


def test_fg4_the_look_up_finds_the_caller_by_a_number_in_any_format(voicemail):
    org, ticket, api = voicemail
    pat = contact_create(organisation=org, name="Pat", phones=["952-555-0100"], now=NOW)

    response = api.post(f"tickets/{ticket.number}/requester", {"phone": "(952) 555-0100"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["requester"] == {"id": pat.pk, "name": "Pat"}
    assert body["hold"] == ""


def test_fg4_the_look_up_names_a_contact_by_id(voicemail):
    org, ticket, api = voicemail
    frank = contact(org, authorised=True)

    response = api.post(f"tickets/{ticket.number}/requester",
                        {"requester": frank.pk, "version": ticket.version})

    assert response.status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).requester == frank


@pytest.mark.parametrize(("body", "field"), [
    ({}, "requester"),
    ({"requester": 1, "phone": "+19525550100"}, "requester"),
    ({"phone": "+1 952 555 0177"}, "phone"),
])
def test_fg4_a_look_up_that_finds_nobody_names_the_field(voicemail, body, field):
    _, ticket, api = voicemail

    response = api.post(f"tickets/{ticket.number}/requester", body)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert Ticket.objects.get(pk=ticket.pk).hold == Ticket.Hold.NEEDS_ACCOUNT_LOOKUP


def test_fg4_a_contact_of_another_organisation_is_not_the_caller(voicemail):
    _, ticket, api = voicemail
    elsewhere = contact_create(organisation=organisation(FG), name="Other",
                               phones=["+19525550100"], now=NOW)

    by_id = api.post(f"tickets/{ticket.number}/requester", {"requester": elsewhere.pk})
    by_phone = api.post(f"tickets/{ticket.number}/requester", {"phone": "+19525550100"})

    assert (by_id.status_code, by_phone.status_code) == (422, 422)


# --- RK-2 -------------------------------------------------------------------------------------


def test_rk2_an_agent_copies_the_administrator_in_and_the_flag_clears(world):
    administrator = world.people["administrator"]
    assert world.fresh().administrator_not_included is True

    response = world.api("agent").put(f"tickets/{world.ticket.number}/cc",
                                      {"cc": [administrator.pk, world.people["cc"].pk]})

    assert response.status_code == 200, response.content
    body = response.json()
    assert {c["id"] for c in body["cc"]} == {administrator.pk, world.people["cc"].pk}
    assert body["internal"]["administrator_not_included"] is False
    assert "administrator_not_included" not in body["internal"]["exclusions"]


def test_rk2_a_contact_of_another_organisation_cannot_be_copied(world):
    response = world.api("agent").put(f"tickets/{world.ticket.number}/cc",
                                      {"cc": [world.people["outsider"].pk]})

    assert response.status_code == 422
    assert response.json()["field"] == "cc"
    assert [c.pk for c in world.fresh().cc.all()] == [world.people["cc"].pk]


# --- PR-5, PR-6 -------------------------------------------------------------------------------


@pytest.fixture
def escalated(db, fixed_clock):
    rep = agent(name="Dana Rep")
    senior = agent(name="Sam Senior", groups=["senior"])
    org = organisation(PR, plans=("enterprise",), timezone="Europe/Berlin", country="DE")
    Organisation.objects.filter(pk=org.pk).update(dedicated_representative=rep)
    requester = contact(org, login=True)
    ticket = ticket_create(new=NewTicket(organisation=org, requester=requester,
                                         subject="Import fails", description="x",
                                         channel="widget"), now=NOW)
    ticket_request_escalation(ticket=ticket, actor=Actor("widget", contact=requester),
                              reason="Month-end close", now=NOW)
    return ticket, rep, senior, requester


def test_pr5_the_internal_block_says_who_the_escalation_reaches(escalated):
    ticket, rep, senior, _ = escalated

    body = Api(token_for(senior.user)).get(f"tickets/{ticket.number}").json()

    escalation = body["internal"]["escalation"]
    assert escalation["reaches"] == [{"id": rep.pk, "name": "Dana Rep"}]
    assert escalation["representative"] == {"id": rep.pk, "name": "Dana Rep"}
    assert escalation["team"] == {"key": "senior", "name": "Senior"}
    assert escalation["team_agents"] == [{"id": senior.pk, "name": "Sam Senior"}]
    assert escalation["reviewer"] == "a senior technician"


def test_pr6_the_customer_never_sees_who_it_reaches(escalated):
    ticket, _, _, requester = escalated

    body = Api(token_for(requester.user)).get(f"tickets/{ticket.number}").json()

    assert body["internal"] is None


def test_a_ticket_without_escalation_has_none_in_its_internal_block(world):
    body = world.api("agent").get(f"tickets/{world.ticket.number}").json()

    assert body["internal"]["escalation"] is None
