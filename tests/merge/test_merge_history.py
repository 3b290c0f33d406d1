"""A merged ticket's history shows on the target (issue 16: "the merged ticket's messages and
history move to the target with events on both"): ``ticket_history_merged`` reads the target's
events with those of every ticket merged into it, each marked with the ticket it happened on,
in the console and the API. The rows stay on the ticket they happened to, so the SLA engine
still evaluates each ticket from its own events: the duplicate's first response never counts
as the target's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.accounts.authorization import Principal
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.merge import merged_into_this, ticket_history_merged, ticket_merge
from pledgedesk.tickets.models import SlaTimer, Ticket
from pledgedesk.tickets.services import (
    Actor,
    Change,
    NewTicket,
    ticket_create,
    ticket_reply,
    ticket_update,
)
from tests.api.conftest import Api, token_for
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db
RK = "crm-severity-colours"


def _ticket(org, who, subject, minutes=0):
    return ticket_create(new=NewTicket(organisation=org, requester=who, subject=subject,
                                       description=f"{subject} body", channel="portal"),
                         now=T0 + timedelta(minutes=minutes))


@pytest.fixture
def desk():
    org = organisation(RK)
    admin, other = contact(org, role="administrator", login=True), contact(org, login=True)
    ann = agent(name="Ann")
    target = _ticket(org, admin, "Export fails")
    source = _ticket(org, other, "Export still failing", minutes=5)
    # The duplicate got its first response before anyone saw it was one.
    ticket_reply(ticket=source, actor=Actor(channel="web", agent=ann), body="Looking",
                 expected_version=None, now=T0 + timedelta(minutes=7))
    return org, admin, other, ann, target, source


def _merge(source, target, ann, minutes=10):
    return ticket_merge(source=Ticket.objects.get(pk=source.pk), target=target,
                        actor=Actor(channel="web", agent=ann), expected_version=None,
                        now=T0 + timedelta(minutes=minutes))


def test_the_targets_history_shows_the_merged_tickets_marked_in_time_order(desk):
    _, _, _, ann, target, source = desk
    _merge(source, target, ann)

    events = list(ticket_history_merged(principal=Principal(agent=ann), ticket=target))

    kinds = [(e.kind, e.merged_from) for e in events]
    assert (EventKind.CREATED, None) in kinds  # the target's own
    assert (EventKind.CREATED, source.number) in kinds  # the duplicate's, marked
    assert (EventKind.PUBLIC_REPLY, source.number) in kinds
    assert (EventKind.MERGED_INTO, source.number) in kinds
    assert (EventKind.MERGED_FROM, None) in kinds  # events on both
    assert [(e.at, e.pk) for e in events] == sorted((e.at, e.pk) for e in events)


def test_the_sla_engine_still_reads_each_tickets_own_history(desk):
    _, _, _, ann, target, source = desk
    _merge(source, target, ann)

    first = SlaTimer.objects.get(ticket=target, metric="first_response")
    assert first.met_at is None  # the duplicate's reply is not the target's first response
    assert SlaTimer.objects.get(ticket=source, metric="first_response").met_at == \
        T0 + timedelta(minutes=7)
    # After the merge the target's timers recompute from its own events as before.
    ticket_update(ticket=Ticket.objects.get(pk=target.pk), actor=Actor(channel="web", agent=ann),
                  change=Change(priority="red"), expected_version=None,
                  now=T0 + timedelta(minutes=12))
    assert SlaTimer.objects.get(ticket=target, metric="first_response").met_at is None


def test_a_merge_of_a_merge_shows_all_of_them_on_the_last_target(desk):
    org, admin, _, ann, target, source = desk
    _merge(source, target, ann)
    final = _ticket(org, admin, "Exports, once and for all", minutes=11)
    _merge(target, final, ann, minutes=12)

    assert merged_into_this(final) == {target.pk: target.number, source.pk: source.number}
    marks = {e.merged_from for e in ticket_history_merged(principal=Principal(agent=ann),
                                                          ticket=final)}
    assert marks == {None, target.number, source.number}


def test_contacts_read_only_the_public_kinds_of_the_merged_history(desk):
    _, admin, _, ann, target, source = desk
    _merge(source, target, ann)
    internal = {k.value for k in EventKind if not k.public}

    events = ticket_history_merged(principal=Principal(contact=admin), ticket=target)

    assert {e.merged_from for e in events} == {None, source.number}
    assert not {e.kind for e in events} & internal


def test_the_api_and_the_console_show_the_merged_history(desk, client):
    _, admin, _, ann, target, source = desk
    _merge(source, target, ann)

    events = Api(token_for(ann.user)).get(f"tickets/{target.number}/events").json()
    assert {e["merged_from"] for e in events} == {None, source.number}
    contact_events = Api(token_for(admin.user)).get(f"tickets/{target.number}/events").json()
    assert source.number in {e["merged_from"] for e in contact_events}

    client.force_login(ann.user)
    page = client.get(f"/console/tickets/{target.number}/").content.decode()
    assert f'href="/console/tickets/{source.number}/">#{source.number}</a> (merged here)' in page
