"""RK-5: a suspected defect goes to Development with its reference; without a workaround the
ticket goes On-Hold, the defect is raised to the policy's priority and the customer is told in
the policy's words; the product_defect exclusion applies. RL-8: feature requests go to the
owning team and their status is the customer's to see."""

from __future__ import annotations

import pytest
from django.core import mail

from pledgedesk.errors import InvalidInput, NotFound
from pledgedesk.proservices.defects import (
    defect_report,
    feature_request_open,
    feature_request_set_status,
)
from pledgedesk.tickets.models import Message, Ticket
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation
from tests.outbox.helpers import drain
from tests.proservices.helpers import NOW, RK

pytestmark = pytest.mark.django_db
RL = "ecommerce-platform"


def _ticket(policy):
    org = organisation(policy)
    requester = contact(org, role="administrator")
    return ticket_create(new=NewTicket(organisation=org, requester=requester,
                                       subject="Reports crash", description="x",
                                       channel="portal"), now=T0)


def test_rk5_no_workaround_on_hold_raised_customer_told_excluded():
    ticket = _ticket(RK)
    dev = agent(groups=("development",))
    drain(now=T0)
    mail.outbox.clear()
    defect = defect_report(ticket=ticket, agent=dev, reference="DEV-4711", workaround="",
                           now=NOW)
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.group.key, fresh.status) == ("development", "on_hold")
    assert fresh.exclusions == ["product_defect"]
    assert (defect.reference, defect.priority) == ("DEV-4711", "high")
    told = Message.objects.get(ticket=ticket, visibility="public", author_agent=dev)
    assert "escalated to high priority" in told.body
    drain(now=NOW)
    assert any("escalated to high priority" in m.body for m in mail.outbox)
    again = defect_report(ticket=fresh, agent=dev, reference="DEV-4711", workaround="",
                          now=NOW)
    assert again.pk == defect.pk
    assert Message.objects.filter(ticket=ticket, author_agent=dev).count() == 1


def test_rk5_a_workaround_is_given_on_the_ticket_and_nothing_is_held():
    ticket = _ticket(RK)
    dev = agent(groups=("development",))
    defect = defect_report(ticket=ticket, agent=dev, reference="https://bugs.example/9",
                           workaround="Export to CSV meanwhile.", now=NOW)
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.status != "on_hold" and defect.priority == ""
    assert Message.objects.filter(ticket=ticket, body="Export to CSV meanwhile.").exists()
    with pytest.raises(InvalidInput) as bad:
        defect_report(ticket=_ticket(RK), agent=dev, reference=" ", workaround="", now=NOW)
    assert bad.value.field == "reference"


def test_rl8_feature_requests_go_to_the_owning_team_with_a_status():
    ticket = _ticket(RL)
    owner = agent(groups=("product",))
    request = feature_request_open(ticket=ticket, agent=owner, summary="Bulk export",
                                   now=NOW)
    assert (request.team, request.status) == ("product", "received")
    assert Ticket.objects.get(pk=ticket.pk).group.key == "product"
    with pytest.raises(InvalidInput):
        feature_request_open(ticket=ticket, agent=owner, summary="again", now=NOW)
    assert feature_request_set_status(ticket=ticket, agent=owner, status="planned",
                                      now=NOW).status == "planned"
    with pytest.raises(InvalidInput):
        feature_request_set_status(ticket=ticket, agent=owner, status="maybe", now=NOW)
    with pytest.raises(NotFound):
        feature_request_set_status(ticket=_ticket(RL), agent=owner, status="planned",
                                   now=NOW)


def test_rk5_the_report_is_one_transaction_all_or_nothing(monkeypatch):
    """Issue 17: the defect, the move, the words to the customer and the exclusion are one
    ticket change: a failure in the last step leaves none of the others behind."""
    from pledgedesk.proservices.models import Defect
    from pledgedesk.tickets.models import TicketEvent
    ticket = _ticket(RK)
    dev = agent(groups=("development",))
    before = (ticket.version, ticket.status, ticket.group_id, TicketEvent.objects.count())

    def boom(**_kw):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Defect.objects, "create", boom)
    with pytest.raises(RuntimeError):
        defect_report(ticket=ticket, agent=dev, reference="DEV-1", workaround="", now=NOW)
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.version, fresh.status, fresh.group_id, TicketEvent.objects.count()) == before
    assert fresh.exclusions == [] and not Message.objects.filter(author_agent=dev).exists()
    monkeypatch.undo()
    defect_report(ticket=fresh, agent=dev, reference="DEV-1", workaround="", now=NOW)
    done = Ticket.objects.get(pk=ticket.pk)
    assert done.version == before[0] + 1  # one change
    kinds = set(TicketEvent.objects.filter(ticket=ticket, at=NOW)
                .values_list("kind", flat=True))
    assert {"public_reply", "group_changed", "status_changed", "exclusion_set"} <= kinds
