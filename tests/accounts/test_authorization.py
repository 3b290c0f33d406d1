"""accounts.authorization: the one visibility rule, for every kind of person."""

import pytest
from django.contrib.auth.models import AnonymousUser

from pledgedesk.accounts.authorization import (
    ANONYMOUS,
    Principal,
    principal_for,
    sees_internal_notes,
    ticket_for,
    visible_tickets,
)
from pledgedesk.errors import NotFound
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    org = organisation("crm-named-severities")
    people = {
        "primary": contact(org, role="primary", login=True),
        "administrator": contact(org, role="administrator", login=True),
        "requester": contact(org, login=True),
        "copied": contact(org, login=True),
        "colleague": contact(org, login=True),
    }
    other_org = organisation("crm-named-severities")
    people["outsider"] = contact(other_org, role="primary", login=True)
    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=people["requester"], cc=[people["copied"]],
        subject="Reports", description="x", channel="portal"), now=T0)
    return ticket, people


EXPECTED = {
    "primary": True, "administrator": True, "requester": True, "copied": True,
    "colleague": False, "outsider": False,
}


@pytest.mark.parametrize(("who", "sees"), EXPECTED.items())
def test_contacts_see_only_what_the_rule_allows(world, who, sees):
    ticket, people = world
    principal = principal_for(people[who].user)

    visible = list(visible_tickets(principal, Ticket.objects.all()))

    assert (ticket in visible) is sees


@pytest.mark.parametrize(("who", "sees"), EXPECTED.items())
def test_a_ticket_not_visible_is_not_found_exactly_like_a_missing_one(world, who, sees):
    ticket, people = world
    principal = principal_for(people[who].user)

    if sees:
        assert ticket_for(principal, ticket.number, Ticket.objects.all()) == ticket
    else:
        with pytest.raises(NotFound) as hidden:
            ticket_for(principal, ticket.number, Ticket.objects.all())
        with pytest.raises(NotFound) as missing:
            ticket_for(principal, 999_999, Ticket.objects.all())
        assert hidden.value.status == missing.value.status == 404
        assert hidden.value.message.replace(str(ticket.number), "N") == \
            missing.value.message.replace("999999", "N")


def test_agents_see_everything_including_internal_notes(world):
    ticket, _ = world
    principal = principal_for(agent().user)

    assert list(visible_tickets(principal, Ticket.objects.all())) == [ticket]
    assert sees_internal_notes(principal)


def test_anonymous_sees_nothing(world):
    assert principal_for(AnonymousUser()) == ANONYMOUS
    assert list(visible_tickets(ANONYMOUS, Ticket.objects.all())) == []
    assert not sees_internal_notes(ANONYMOUS)


def test_a_banned_contact_is_treated_as_anonymous(world):
    _, people = world
    person = people["requester"]
    person.banned_at, person.ban_reason = T0, "spam"
    person.save()

    assert principal_for(person.user) == ANONYMOUS


def test_an_inactive_agent_sees_nothing(world):
    engineer = agent()
    engineer.active = False
    engineer.save()

    principal = principal_for(engineer.user)

    assert list(visible_tickets(principal, Ticket.objects.all())) == []


def test_contacts_never_see_internal_notes(world):
    _, people = world

    assert not sees_internal_notes(Principal(contact=people["primary"]))
