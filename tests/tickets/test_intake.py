"""tickets.intake.intake_decide: ticket_create's decision, made before anything is written
(issue 12: the 104-line ticket_create split into a pure intake decision and its writes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledgedesk.accounts.models import AgentGroup, Contact
from pledgedesk.errors import IntakeRefused, InvalidInput
from pledgedesk.tickets.intake import Intake, NewTicket, intake_decide
from pledgedesk.tickets.models import Ticket, TicketRefusal
from pledgedesk.tickets.services import ticket_create
from pledgedesk.versions.policies import policy_in_force
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db

RK = "crm-severity-colours"
FG = "fax-server-24x7"


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries
            if q["sql"].lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def test_the_decision_is_made_without_writing_anything():
    org = organisation(RK)
    contact(org, role="administrator")
    someone = contact(org)
    AgentGroup.objects.create(key="product_services", name="Product Services")
    _, policy = policy_in_force(RK, now=T0)
    new = NewTicket(organisation=org, requester=someone, channel="portal", priority="red",
                    subject="*Product Services* quote please", description="x")

    with CaptureQueriesContext(connection) as queries:
        decided = intake_decide(new=new, policy=policy, now=T0)

    assert writes(queries.captured_queries) == []
    assert isinstance(decided, Intake)
    assert (decided.channel, decided.priority, decided.status) == ("portal", "red", "new")
    assert decided.exclusions == ("administrator_not_included",)  # RK-2
    assert decided.group is not None and decided.group.key == "product_services"  # RK-10
    assert decided.hold == ""


def test_the_service_writes_exactly_what_was_decided():
    org = organisation(RK)
    someone = contact(org)
    _, policy = policy_in_force(RK, now=T0)
    new = NewTicket(organisation=org, requester=someone, channel="portal", priority="yellow",
                    subject="Slow", description="x")
    decided = intake_decide(new=new, policy=policy, now=T0)

    ticket = ticket_create(new=new, now=T0)

    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.channel, stored.plan, stored.priority, stored.status, stored.hold) == (
        decided.channel, decided.plan, decided.priority, decided.status, decided.hold)
    assert stored.exclusions == list(decided.exclusions)
    assert stored.intake_notes == list(decided.notes)


def test_a_banned_requester_is_refused_by_the_decision_and_recorded_by_the_service():
    org = organisation(RK)
    someone = contact(org)
    Contact.objects.filter(pk=someone.pk).update(banned_at=T0, ban_reason="abusive")
    someone.refresh_from_db()
    _, policy = policy_in_force(RK, now=T0)
    new = NewTicket(organisation=org, requester=someone, channel="portal", subject="Hi",
                    description="x")

    with pytest.raises(IntakeRefused):
        intake_decide(new=new, policy=policy, now=T0)
    assert not TicketRefusal.objects.exists()

    with pytest.raises(IntakeRefused):
        ticket_create(new=new, now=T0)
    assert TicketRefusal.objects.get().reason == "requester is banned: abusive"


def test_fg10_someone_not_on_the_list_is_held_and_nothing_is_written_by_the_decision():
    org = organisation(FG, timezone="America/Chicago", country="US")
    contact(org, role="primary")
    stranger = contact(org)
    _, policy = policy_in_force(FG, now=T0)
    new = NewTicket(organisation=org, requester=stranger, channel="portal", subject="Fax",
                    description="x")

    with CaptureQueriesContext(connection) as queries:
        decided = intake_decide(new=new, policy=policy, now=T0 + timedelta(hours=1))

    assert decided.hold == Ticket.Hold.AWAITING_AUTHORISATION
    assert decided.exclusions == () and decided.page_on_call is False
    assert writes(queries.captured_queries) == []


@pytest.mark.parametrize(("change", "field"), [
    ({"subject": " "}, "subject"),
    ({"subject": "x" * 251}, "subject"),
    ({"channel": "fax"}, "channel"),
    ({"priority": "purple"}, "priority"),
])
def test_bad_requests_are_refused_naming_the_field(change, field):
    org = organisation(RK)
    _, policy = policy_in_force(RK, now=T0)
    given = {"organisation": org, "requester": contact(org), "channel": "portal",
             "subject": "Hi", "description": "x", "created_by": agent(), **change}

    with pytest.raises(InvalidInput) as refused:
        intake_decide(new=NewTicket(**given), policy=policy, now=T0)

    assert refused.value.field == field
