"""Merging tickets (issue 16): messages move to the target, both tickets record it, the
merged one closes naming the target, its requester is told by mail and copied on the
target; never across organisations, never into a closed ticket, never at a stale version."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.accounts.authorization import Principal
from pledgedesk.channels.models import OutboundMessage
from pledgedesk.errors import Conflict, InvalidInput
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.merge import ticket_merge
from pledgedesk.tickets.models import Attachment, Message, Ticket, TicketEvent
from pledgedesk.tickets.search import search_tickets
from pledgedesk.tickets.services import (
    Actor,
    Change,
    NewTicket,
    ticket_create,
    ticket_customer_reply,
    ticket_update,
)
from tests.factories import T0, agent, contact, organisation
from tests.outbox.helpers import drain

pytestmark = pytest.mark.django_db
RK = "crm-severity-colours"


def _ticket(org, who, subject, now=T0):
    return ticket_create(new=NewTicket(organisation=org, requester=who, subject=subject,
                                       description=f"{subject} body", channel="portal"),
                         now=now)


@pytest.fixture
def desk():
    org = organisation(RK)
    admin, other = contact(org, role="administrator"), contact(org, login=True)
    target = _ticket(org, admin, "Export fails")
    source = _ticket(org, other, "Export still failing zebra", now=T0 + timedelta(minutes=5))
    ticket_customer_reply(ticket=source, actor=Actor(channel="portal", contact=other),
                          body="Any news?", now=T0 + timedelta(minutes=6))
    return org, target, source, other, agent(name="Ann")


def test_messages_move_both_record_it_and_the_merged_ticket_closes_naming_the_target(desk):
    _, target, source, other, ann = desk
    source = Ticket.objects.get(pk=source.pk)
    at = T0 + timedelta(minutes=10)
    ticket_merge(source=source, target=target, actor=Actor(channel="web", agent=ann),
                 expected_version=source.version, now=at)

    source, target = Ticket.objects.get(pk=source.pk), Ticket.objects.get(pk=target.pk)
    assert source.status_category == "closed" and source.merged_into_id == target.pk
    assert not Message.objects.filter(ticket=source).exists()
    bodies = list(Message.objects.filter(ticket=target).order_by("created_at", "id")
                  .values_list("body", flat=True))
    assert bodies == ["Export fails body", "Export still failing zebra body", "Any news?"]
    into = TicketEvent.objects.get(ticket=source, kind=EventKind.MERGED_INTO)
    merged = TicketEvent.objects.get(ticket=target, kind=EventKind.MERGED_FROM)
    assert into.new == {"into": target.number} and merged.new["from"] == source.number
    # The source's own history stays with it (append-only), ending in the close.
    assert TicketEvent.objects.filter(ticket=source, kind=EventKind.CREATED).exists()
    assert TicketEvent.objects.filter(ticket=source, kind=EventKind.STATUS_CHANGED,
                                      new__status="closed").exists()
    assert other in target.cc.all()
    assert TicketEvent.objects.get(ticket=target, kind=EventKind.CC_CHANGED).new == {
        "cc": [other.pk]}
    # The search index followed the messages: the target is found by the source's messages
    # (the source keeps its subject, so it is found by that alone).
    hits = search_tickets(principal=Principal(agent=ann), text="news").hits
    assert [h.ticket.pk for h in hits] == [target.pk]


def test_the_requester_is_told_where_it_continues(desk):
    _, target, source, other, ann = desk
    source = Ticket.objects.get(pk=source.pk)
    ticket_merge(source=source, target=target, actor=Actor(channel="web", agent=ann),
                 expected_version=None, now=T0 + timedelta(minutes=10))
    drain(now=T0 + timedelta(minutes=11))

    mail = OutboundMessage.objects.get(ticket=source, kind=OutboundMessage.Kind.STATUS)
    assert f"#{target.number}" in mail.subject
    assert f"/tickets/{target.number}/" in mail.text and f"#{target.number}" in mail.html
    assert mail.recipients.filter(address=other.emails.get().address).exists()


def test_never_across_organisations_into_itself_into_a_closed_one_or_at_a_stale_version(desk):
    org, target, source, _, ann = desk
    actor = Actor(channel="web", agent=ann)
    elsewhere = organisation(RK)
    foreign = _ticket(elsewhere, contact(elsewhere, role="administrator"), "Theirs")
    with pytest.raises(InvalidInput) as exc:
        ticket_merge(source=source, target=foreign, actor=actor, expected_version=None, now=T0)
    assert exc.value.field == "target"
    with pytest.raises(InvalidInput):
        ticket_merge(source=source, target=source, actor=actor, expected_version=None, now=T0)
    with pytest.raises(Conflict) as exc:
        ticket_merge(source=source, target=target, actor=actor, expected_version=1, now=T0)
    assert exc.value.field == "version"
    closed = _ticket(org, source.requester, "Old")
    ticket_update(ticket=closed, actor=actor, change=Change(status="closed"),
                  expected_version=None, now=T0)
    with pytest.raises(Conflict):
        ticket_merge(source=source, target=closed, actor=actor, expected_version=None, now=T0)
    # Nothing was half-written by any refusal.
    assert Message.objects.filter(ticket=source).count() == 2
    assert not TicketEvent.objects.filter(kind__in=[EventKind.MERGED_INTO,
                                                    EventKind.MERGED_FROM]).exists()
    assert Attachment.objects.count() == 0


def test_only_agents_merge(desk):
    _, target, source, other, _ = desk
    from pledgedesk.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        ticket_merge(source=source, target=target, actor=Actor(channel="portal", contact=other),
                     expected_version=None, now=T0)
