"""The primary contact's authorised personnel (FG-10) and the policy page (PR-9)."""

import pytest

from pledgedesk.accounts.models import Contact
from pledgedesk.tickets.models import Ticket
from tests.pages import FG, RK, email_of, open_ticket, organisation, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def northwind():
    org = organisation(FG, timezone="America/Chicago", country="US")
    return org, person(org, role="primary"), person(org, authorised=False)


def test_fg10_primary_contact_confirms_a_held_request(client, northwind, at_now):
    org, paula, uma = northwind
    held = open_ticket(org, uma, priority="low")
    client.force_login(paula.user)

    page = client.get("/portal/people/").content.decode()
    client.post(f"/portal/access/{held.number}/", {"decision": "confirm"})

    assert f"#{held.number}" in page
    held.refresh_from_db()
    assert held.hold == ""
    assert held.timers.filter(metric="first_response", state="running").exists()


def test_fg10_primary_contact_rejects_a_held_request(client, northwind, at_now):
    org, paula, uma = northwind
    held = open_ticket(org, uma, priority="low")
    client.force_login(paula.user)

    client.post(f"/portal/access/{held.number}/", {"decision": "reject"})

    held.refresh_from_db()
    assert held.status_category == "closed"


def test_fg10_only_the_primary_contact_sees_the_personnel_page(client, northwind, at_now):
    _org, _, uma = northwind
    client.force_login(uma.user)

    assert client.get("/portal/people/").status_code == 404
    assert client.post(f"/portal/people/{uma.pk}/authorised/",
                       {"authorised": "1"}).status_code == 404


def test_fg10_primary_contact_adds_a_person_who_may_then_open_tickets(client, northwind,
                                                                     at_now):
    _org, paula, _ = northwind
    client.force_login(paula.user)

    client.post("/portal/people/", {"name": "Nina New", "email": "Nina@Northwind.example"})
    nina = Contact.objects.get(name="Nina New")
    client.force_login(nina.user)
    client.post("/portal/requests/new/", {"subject": "Hi", "description": "x",
                                          "priority": "low"})

    assert nina.authorised and not nina.user.has_usable_password()
    assert Ticket.objects.get(requester=nina).hold == ""


def test_an_address_already_in_use_is_refused_on_its_field(client, northwind, at_now):
    _org, paula, uma = northwind
    client.force_login(paula.user)

    response = client.post("/portal/people/", {"name": "Dup", "email": email_of(uma)})

    assert response.status_code == 400
    assert "already belongs to a contact" in response.content.decode()


def test_fg10_primary_contact_removes_and_restores_a_person(client, northwind, at_now):
    org, paula, _ = northwind
    frank = person(org, authorised=True)
    client.force_login(paula.user)

    client.post(f"/portal/people/{frank.pk}/authorised/", {"authorised": "0"})
    frank.refresh_from_db()
    removed = frank.authorised
    client.post(f"/portal/people/{frank.pk}/authorised/", {"authorised": "1"})
    frank.refresh_from_db()

    assert removed is False and frank.authorised is True


def test_pr9_policy_page_is_rendered_from_the_organisations_file(client, at_now):
    org = organisation(RK)
    client.force_login(person(org).user)

    page = client.get("/portal/policy/").content.decode()

    assert "<h1>REthink Product Support Pledge</h1>" in page
    assert "RED" in page and "What we aim for" in page  # RK's targets are goals (issue 21)


def test_published_policies_are_readable_before_signing_in(client, at_now):
    index = client.get("/portal/policy/").content.decode()
    one = client.get("/portal/policy/fax-server-24x7/")

    assert 'href="/portal/policy/crm-regional/"' in index
    assert one.status_code == 200
    assert client.get("/portal/policy/no-such-policy/").status_code == 404
