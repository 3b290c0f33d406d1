"""The console's account panels (issue 12: every service has a door): RL-6 identity
verification, the FG-4 account look-up, RK-2 CCs, the topic (RK-9), who an escalation reaches
(PR-5, PR-6) with the queue's escalation filter, and RL-7 bans by the support lead."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledgedesk.accounts.models import AgentGroup, Contact, Organisation
from pledgedesk.accounts.services import contact_create
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import (
    Actor,
    NewTicket,
    ticket_create,
    ticket_request_escalation,
)
from tests.pages import FG, NOW, PR, RK, RL, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db


def page_of(client, ticket) -> str:
    return client.get(f"/console/tickets/{ticket.number}/").content.decode()


def post(client, ticket, action, data):
    ticket.refresh_from_db()
    return client.post(f"/console/tickets/{ticket.number}/{action}/",
                       {"version": ticket.version, **data})


# --- RL-6 -------------------------------------------------------------------------------------


@pytest.fixture
def rl_ticket():
    org = organisation(RL, timezone="America/Toronto", country="CA", subdivision="ON")
    return open_ticket(org, person(org), priority="normal", subject="Invoice looks wrong")


def test_rl6_the_page_asks_for_verification_before_billing_information(client, rl_ticket,
                                                                       at_now):
    client.force_login(staff().user)

    page = page_of(client, rl_ticket)

    assert "Not verified" in page and "billing information, revenue information" in page
    assert f'action="/console/tickets/{rl_ticket.number}/identity/"' in page


def test_rl6_an_agent_records_the_verification_with_its_method(client, rl_ticket, at_now):
    agent = staff(name="Vera Verifier")
    client.force_login(agent.user)

    response = post(client, rl_ticket, "identity", {"method": "last four digits of the card"})

    assert response.status_code == 302
    rl_ticket.refresh_from_db()
    assert rl_ticket.identity_verified is True
    event = rl_ticket.events.get(kind="identity_verified")
    assert (event.new, event.actor_agent) == ({"method": "last four digits of the card"}, agent)
    page = page_of(client, rl_ticket)
    assert "Verified" in page and "last four digits of the card" in page
    assert "Vera Verifier" in page


def test_rl6_a_stale_page_is_a_conflict_and_nothing_is_recorded(client, rl_ticket, at_now):
    client.force_login(staff().user)

    response = client.post(f"/console/tickets/{rl_ticket.number}/identity/",
                           {"method": "call back", "version": rl_ticket.version + 3})

    assert response.status_code == 409
    assert "changed since you loaded it" in response.content.decode()
    rl_ticket.refresh_from_db()
    assert rl_ticket.identity_verified is False


def test_rl6_an_empty_method_is_refused_naming_the_field(client, rl_ticket, at_now):
    client.force_login(staff().user)

    response = post(client, rl_ticket, "identity", {"method": ""})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    rl_ticket.refresh_from_db()
    assert rl_ticket.identity_verified is False


def test_the_panels_are_for_agents_only(client, rl_ticket, at_now):
    customer = rl_ticket.requester
    client.force_login(customer.user)

    response = post(client, rl_ticket, "identity", {"method": "I say so"})

    assert response.status_code == 302 and "/console/sign-in/" in response["Location"]
    rl_ticket.refresh_from_db()
    assert rl_ticket.identity_verified is False


# --- FG-4 -------------------------------------------------------------------------------------


@pytest.fixture
def voicemail():
    org = organisation(FG, plans=("24x7",), timezone="America/Chicago", country="US")
    ticket = ticket_create(new=NewTicket(organisation=org, caller_number="+19525550199",
                                         subject="Voicemail", description="",
                                         channel="voicemail"), now=NOW)
    return org, ticket


def test_fg4_the_page_offers_the_look_up_and_suggests_who_has_the_number_now(
        client, voicemail, at_now):
    org, ticket = voicemail
    contact_create(organisation=org, name="Pat Caller", phones=["(952) 555-0199"], now=NOW)
    client.force_login(staff().user)

    page = page_of(client, ticket)

    assert "Account look-up" in page
    assert "That number belongs to <strong>Pat Caller</strong>" in page


def test_fg4_an_agent_finds_the_caller_by_a_number_typed_in_any_format(client, voicemail,
                                                                       at_now):
    org, ticket = voicemail
    pat = contact_create(organisation=org, name="Pat Caller", phones=["+1 952 555 0100"],
                         now=NOW)
    client.force_login(staff().user)

    response = post(client, ticket, "requester", {"contact": "", "number": "952.555.0100"})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.requester, ticket.hold) == (pat, "")
    assert "Account look-up" not in page_of(client, ticket)


def test_fg4_an_agent_picks_the_contact_and_the_clocks_keep_the_voicemails_start(
        client, voicemail, at_now):
    org, ticket = voicemail
    due = {t.metric: t.due_at for t in ticket.timers.all()}
    frank = person(org, name="Frank Ford", authorised=True)
    client.force_login(staff().user)

    response = post(client, ticket, "requester", {"contact": str(frank.pk), "number": ""})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.requester == frank
    assert {t.metric: t.due_at for t in ticket.timers.all()} == due


def test_fg4_a_number_nobody_in_the_organisation_has_is_refused_on_the_number(
        client, voicemail, at_now):
    _, ticket = voicemail
    elsewhere = organisation(FG)
    contact_create(organisation=elsewhere, name="Other", phones=["952 555 0111"], now=NOW)
    client.force_login(staff().user)

    response = post(client, ticket, "requester", {"contact": "", "number": "952-555-0111"})

    assert response.status_code == 422
    assert "no contact of this organisation has the number" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.requester is None and ticket.hold == Ticket.Hold.NEEDS_ACCOUNT_LOOKUP


def test_fg4_neither_contact_nor_number_is_a_form_error(client, voicemail, at_now):
    _, ticket = voicemail
    client.force_login(staff().user)

    response = post(client, ticket, "requester", {"contact": "", "number": ""})

    assert response.status_code == 400
    assert "Choose a contact or type a phone number." in response.content.decode()


# --- RK-2 and RK-9 ----------------------------------------------------------------------------


@pytest.fixture
def rk_desk():
    org = organisation(RK, timezone="America/Chicago", country="US")
    admin = person(org, role="administrator", name="Ada Admin")
    requester = person(org, name="Rita Requester")
    return org, admin, open_ticket(org, requester, priority="yellow")


def test_rk2_copying_the_administrator_in_from_the_console_clears_the_flag(client, rk_desk,
                                                                          at_now):
    _, admin, ticket = rk_desk
    assert ticket.administrator_not_included
    client.force_login(staff().user)
    assert "The Administrator is not included" in page_of(client, ticket)

    response = post(client, ticket, "cc", {"cc": [str(admin.pk)]})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert list(ticket.cc.all()) == [admin]
    assert ticket.administrator_not_included is False and ticket.exclusions == []
    page = page_of(client, ticket)
    assert "Ada Admin (Administrator)" in page
    assert "The Administrator is not included" not in page


def test_rk2_a_contact_of_another_organisation_is_not_a_choice(client, rk_desk, at_now):
    _, _, ticket = rk_desk
    stranger = person(organisation(RK), name="Sid Stranger")
    client.force_login(staff().user)

    response = post(client, ticket, "cc", {"cc": [str(stranger.pk)]})

    assert response.status_code == 400
    assert ticket.cc.count() == 0


def test_rk9_an_agent_sets_an_out_of_scope_topic_and_it_routes(client, rk_desk, at_now):
    AgentGroup.objects.create(key="product_services", name="Product Services")
    _, _, ticket = rk_desk
    client.force_login(staff().user)
    assert "Creating a new field" in page_of(client, ticket)

    response = post(client, ticket, "topic", {"topic": "Creating a new field"})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.topic, ticket.out_of_scope, ticket.group.key) == (
        "Creating a new field", True, "product_services")
    assert "Out of scope for this customer" in page_of(client, ticket)


def test_rk9_a_topic_the_policy_does_not_list_is_refused(client, rk_desk, at_now):
    _, _, ticket = rk_desk
    client.force_login(staff().user)

    response = post(client, ticket, "topic", {"topic": "Anything I like"})

    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.topic == ""


# --- PR-5, PR-6 -------------------------------------------------------------------------------


def _escalated_pr_ticket(*, representative=None):
    org = organisation(PR, plans=("enterprise",), timezone="Europe/Berlin", country="DE")
    if representative is not None:
        Organisation.objects.filter(pk=org.pk).update(dedicated_representative=representative)
        org.refresh_from_db()
    requester = person(org)
    ticket = open_ticket(org, requester, channel="widget", subject="Import fails")
    ticket_request_escalation(ticket=ticket, actor=Actor("widget", contact=requester),
                              reason="Month-end close", now=NOW)
    return org, ticket


def test_pr5_the_page_shows_the_dedicated_representative_an_escalation_reaches(client,
                                                                              at_now):
    rep = staff(name="Dana Representative")
    staff(name="Sam Senior", groups=["senior"])
    _, ticket = _escalated_pr_ticket(representative=rep)
    client.force_login(staff().user)

    page = page_of(client, ticket)

    assert "Dedicated representative</dt><dd>Dana Representative" in page
    assert "Reaches</dt><dd><strong>Dana Representative</strong>" in page


def test_pr6_without_a_representative_the_page_shows_the_senior_technicians(client, at_now):
    staff(name="Sam Senior", groups=["senior"])
    _, ticket = _escalated_pr_ticket()
    client.force_login(staff().user)

    page = page_of(client, ticket)

    assert "Senior technicians</dt>" in page
    assert "Reaches</dt><dd><strong>Sam Senior</strong>" in page
    assert "reviewed by a senior technician" in page


def test_pr6_the_queue_filters_escalated_tickets(client, at_now):
    org, escalated = _escalated_pr_ticket()
    calm = open_ticket(org, person(org), channel="widget", subject="Quiet question")
    client.force_login(staff().user)

    everything = client.get("/console/").content.decode()
    only = client.get("/console/", {"escalated": "1"}).content.decode()

    assert f">#{calm.number}</a>" in everything and f">#{escalated.number}</a>" in everything
    assert f">#{escalated.number}</a>" in only and f">#{calm.number}</a>" not in only
    assert 'name="escalated" value="1" checked' in only


# --- RL-7 -------------------------------------------------------------------------------------


def test_rl7_the_support_lead_bans_the_requester_with_a_reason(client, rl_ticket, at_now):
    client.force_login(staff(roles=["support_lead"]).user)
    assert "Ban this requester" in page_of(client, rl_ticket)

    response = client.post(f"/console/tickets/{rl_ticket.number}/ban/",
                           {"target": "requester", "reason": "threatened staff"})

    assert response.status_code == 302
    banned = Contact.objects.get(pk=rl_ticket.requester_id)
    assert banned.is_banned and banned.ban_reason == "threatened staff"
    page = page_of(client, rl_ticket)
    assert "threatened staff" in page and "Lift the ban on this requester" in page


def test_rl7_the_support_lead_bans_and_lifts_an_organisation(client, rl_ticket, at_now):
    client.force_login(staff(roles=["support_lead"]).user)
    url = f"/console/tickets/{rl_ticket.number}/ban/"

    client.post(url, {"target": "organisation", "reason": "scam shop"})
    assert Organisation.objects.get(pk=rl_ticket.organisation_id).ban_reason == "scam shop"
    client.post(url, {"target": "organisation", "lift": "1"})

    assert Organisation.objects.get(pk=rl_ticket.organisation_id).is_banned is False


def test_rl7_an_engineer_is_refused_with_403_and_sees_no_ban_form(client, rl_ticket, at_now):
    client.force_login(staff(roles=["engineer"]).user)
    assert "Ban this requester" not in page_of(client, rl_ticket)

    response = client.post(f"/console/tickets/{rl_ticket.number}/ban/",
                           {"target": "requester", "reason": "I do not like them"})

    assert response.status_code == 403
    assert "only the support lead may ban" in response.content.decode()
    assert Contact.objects.get(pk=rl_ticket.requester_id).is_banned is False


def test_rl7_a_ban_without_a_reason_is_refused_on_the_reason(client, rl_ticket, at_now):
    client.force_login(staff(roles=["support_lead"]).user)

    response = client.post(f"/console/tickets/{rl_ticket.number}/ban/",
                           {"target": "requester", "reason": "  "})

    assert response.status_code == 422
    assert "a ban needs a reason" in response.content.decode()


def test_a_ticket_of_no_visible_number_is_not_found(client, at_now):
    client.force_login(staff(roles=["support_lead"]).user)

    response = client.post("/console/tickets/999999/ban/",
                           {"target": "requester", "reason": "x"})

    assert response.status_code == 404


def _statements(client, ticket) -> int:
    with CaptureQueriesContext(connection) as captured:
        page_of(client, ticket)
    return len(captured.captured_queries)


def test_the_panels_read_the_same_whatever_the_organisations_size(client, rl_ticket, at_now):
    """The contact choices are one bounded query, never one per contact."""
    client.force_login(staff(roles=["support_lead"]).user)
    page_of(client, rl_ticket)
    small = _statements(client, rl_ticket)
    for i in range(20):
        person(rl_ticket.organisation, name=f"Colleague {i}")

    assert _statements(client, rl_ticket) == small

