"""tickets.abilities: the rules that only one door enforced now live in the services (issue 12),
and the selector every door reads answers from the same predicates without a query."""

from datetime import timedelta

import pytest

from pledgedesk.accounts.authorization import Principal
from pledgedesk.errors import Conflict, PermissionDenied
from pledgedesk.tickets.abilities import ticket_abilities
from pledgedesk.tickets.models import Message, Ticket, TicketEvent
from pledgedesk.tickets.services import (
    Actor,
    Change,
    NewTicket,
    ticket_create,
    ticket_customer_reply,
    ticket_request_escalation,
    ticket_update,
)
from pledgedesk.versions.policies import policy_for
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db

RK = "crm-severity-colours"
FG = "fax-server-24x7"
PR = "crm-regional"
H = timedelta(hours=1)


def _ticket(key: str, channel: str = "portal", **org):
    org = organisation(key, **org)
    requester = contact(org)
    ticket = ticket_create(new=NewTicket(organisation=org, requester=requester, channel=channel,
                                         subject="Exports are empty", description="x"),
                           now=T0)
    return ticket, Actor(channel=channel, contact=requester)


def _pr_ticket():
    return _ticket(PR, "widget", timezone="Europe/Berlin", country="DE")


def test_pr6_escalation_is_refused_where_the_policy_offers_none():
    # The API used to record it: only the portal's template knew RK offers no escalation.
    ticket, customer = _ticket(RK)

    with pytest.raises(PermissionDenied) as refused:
        ticket_request_escalation(ticket=ticket, actor=customer, reason="Urgent", now=T0 + H)

    assert refused.value.code == "escalation_not_offered"
    assert refused.value.status == 403
    assert Ticket.objects.get(pk=ticket.pk).escalation_requested_at is None
    assert not TicketEvent.objects.filter(kind="escalation_requested").exists()


def test_pr6_escalation_is_refused_on_a_solved_ticket():
    ticket, customer = _pr_ticket()
    ticket_update(ticket=ticket, actor=Actor(channel="web", agent=agent()),
                  change=Change(status="solved"), expected_version=None, now=T0 + H)

    with pytest.raises(Conflict) as refused:
        ticket_request_escalation(ticket=ticket, actor=customer, reason="Still broken",
                                  now=T0 + 2 * H)

    assert (refused.value.code, refused.value.field) == ("ticket_solved", "status")


def test_pr6_escalation_is_the_customers_request_not_an_agents():
    ticket, _ = _pr_ticket()

    with pytest.raises(PermissionDenied):
        ticket_request_escalation(ticket=ticket, actor=Actor(channel="api", agent=agent()),
                                  reason="Looks bad", now=T0 + H)


def test_fg10_a_held_ticket_takes_no_customer_reply():
    # Not on the authorised list: held for the primary contact. The portal hid the reply form;
    # the service took the reply from any other door.
    ticket, customer = _ticket(FG, timezone="America/Chicago", country="US")
    assert ticket.hold == Ticket.Hold.AWAITING_AUTHORISATION

    with pytest.raises(Conflict) as refused:
        ticket_customer_reply(ticket=ticket, actor=customer, body="Any news?", now=T0 + H)

    assert (refused.value.code, refused.value.field) == ("ticket_held", "hold")
    assert not Message.objects.filter(ticket=ticket, body="Any news?").exists()


def test_the_selector_answers_from_the_loaded_rows_without_a_query(django_assert_num_queries):
    ticket, customer = _pr_ticket()
    loaded = Ticket.objects.select_related("organisation", "policy_version").get(pk=ticket.pk)
    policy = policy_for(loaded.policy_version)
    principal = Principal(contact=customer.contact)

    with django_assert_num_queries(0):
        abilities = ticket_abilities(principal=principal, ticket=loaded, policy=policy)

    assert (abilities.reply, abilities.escalate, abilities.reopen, abilities.note) == (
        True, True, False, False)
