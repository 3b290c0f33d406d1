"""Renaming a contact or an organisation reindexes their tickets' search rows (issue 16), in
the rename's own transaction, through any door (admin's change form here, a plain save), and
the search row carries its ticket's organisation (migration 0010_search_speed)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from pledgedesk.accounts.authorization import Principal
from pledgedesk.accounts.models import Contact, Organisation
from pledgedesk.tickets.models import TicketSearch
from pledgedesk.tickets.search import search_tickets
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation
from tests.pages import fixed_clock

pytestmark = pytest.mark.django_db
RK = "crm-severity-colours"


@pytest.fixture
def desk():
    org = organisation(RK, name="Globex Logistics")
    hank = contact(org, role="administrator", name="Hank Scorpio")
    other = organisation(RK, name="Initech")
    bill = contact(other, role="administrator", name="Bill Lumbergh")
    tickets = [ticket_create(new=NewTicket(organisation=o, requester=c, subject=s,
                                           description="", channel="portal"), now=T0)
               for o, c, s in ((org, hank, "Printer jams"), (org, hank, "Login fails"),
                               (other, bill, "Stapler missing"))]
    return org, hank, other, bill, tickets, Principal(agent=agent(name="Erin Engineer"))


def found(principal, text):
    return sorted(h.ticket.number for h in search_tickets(principal=principal, text=text).hits)


def test_the_search_row_carries_its_tickets_organisation(desk):
    org, _, other, _, tickets, _ = desk

    assert [TicketSearch.objects.get(ticket=t).organisation_id for t in tickets] == [
        org.pk, org.pk, other.pk]


def test_a_renamed_contact_is_found_by_the_new_name_only(desk):
    _, hank, _, _, tickets, erin = desk

    hank.name = "Henry Scorpion"
    hank.save()

    assert found(erin, "Henry Scorpion") == [tickets[0].number, tickets[1].number]
    assert found(erin, "Hank") == []


def test_a_renamed_organisation_is_found_by_the_new_name_only(desk):
    org, _, _, bill, tickets, erin = desk

    fresh = Organisation.objects.get(pk=org.pk)
    fresh.name = "Globex Freight"
    fresh.save()

    assert found(erin, "Freight") == [tickets[0].number, tickets[1].number]
    assert found(erin, "Logistics") == []
    assert found(Principal(contact=bill), "Freight") == []  # still never another's tickets


def test_a_rolled_back_rename_leaves_the_index_as_it_was(desk):
    _, hank, _, _, tickets, erin = desk

    with pytest.raises(RuntimeError), transaction.atomic():
        hank.name = "Henry Scorpion"
        hank.save()
        raise RuntimeError("the rename failed after the save")

    assert found(erin, "Henry") == []
    assert found(erin, "Hank") == [tickets[0].number, tickets[1].number]


def test_a_save_that_does_not_rename_writes_nothing_to_the_index(desk, django_assert_num_queries):
    _, hank, _, _, _, _ = desk
    fresh = Contact.objects.get(pk=hank.pk)
    fresh.authorised = not fresh.authorised

    with django_assert_num_queries(1):  # the contact's own UPDATE, no search UPDATE
        fresh.save()


def test_a_contact_renamed_in_admin_is_searchable_by_the_new_name(desk, client, settings):
    _, hank, _, _, tickets, erin = desk
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "x"))
    data = {"organisation": hank.organisation_id, "name": "Henry Scorpion", "user": "",
            "authorised": "on" if hank.authorised else "", "ban": hank.ban_reason,
            "emails-TOTAL_FORMS": "0", "emails-INITIAL_FORMS": "0",
            "phones-TOTAL_FORMS": "0", "phones-INITIAL_FORMS": "0"}

    with fixed_clock():
        response = client.post(f"/admin/accounts/contact/{hank.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert found(erin, "Henry") == [tickets[0].number, tickets[1].number]
