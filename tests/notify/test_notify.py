"""Agent notifications: who is told about what, once, in the console list and by mail or
digest, as each agent chose."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from pledgedesk.notify.models import Notification
from pledgedesk.notify.selectors import notifications_for, unread_count
from pledgedesk.notify.services import notifications_read, send_digests, settings_update
from pledgedesk.outbox.models import Delivery
from pledgedesk.tickets.intake import NewTicket
from pledgedesk.tickets.services import (
    Actor,
    Change,
    ticket_create,
    ticket_customer_reply,
    ticket_update,
)
from tests.factories import T0, agent, contact, organisation
from tests.outbox.helpers import drain

pytestmark = pytest.mark.django_db
RK = "crm-severity-colours"
M = timedelta(minutes=1)


def agent_mail():
    """Mail to agents (the requester's acknowledgements and replies go out too)."""
    return [m for m in mail.outbox if m.to[0].endswith("@desk.example")]


@pytest.fixture
def desk():
    org = organisation(RK)
    requester = contact(org)
    team = [agent(groups=["product_services"], name=n) for n in ("Pat", "Quinn")]
    for person in team:
        person.user.email = f"{person.name.lower()}@desk.example"
        person.user.save()
    outsider = agent(groups=["development"], name="Dev")
    return org, requester, team, outsider


def _open(org, requester, at=T0):
    return ticket_create(new=NewTicket(
        organisation=org, requester=requester, channel="portal", description="x",
        subject="*Product Services* training for three people"), now=at)


def test_a_new_ticket_tells_its_groups_agents_in_the_console_not_by_mail(desk):
    org, requester, (pat, quinn), outsider = desk
    ticket = _open(org, requester)
    drain(now=T0)
    assert [n.text for n in notifications_for(pat)] == [
        f"New ticket #{ticket.number} *Product Services* training for three people"]
    assert unread_count(quinn) == 1 and unread_count(outsider) == 0
    assert agent_mail() == []  # new tickets are not mailed unless an agent asks


def test_assignment_is_mailed_once_with_a_stable_message_id(desk):
    org, requester, (pat, quinn), _ = desk
    ticket = _open(org, requester)
    ticket_update(ticket=ticket, actor=Actor(channel="web", agent=quinn),
                  change=Change(assignee=pat), expected_version=None, now=T0 + M)
    drain(now=T0 + M)
    [sent] = agent_mail()
    assert sent.to == ["pat@desk.example"]
    assert sent.subject == f"[#{ticket.number}] Assigned to you: #{ticket.number} " \
                           "*Product Services* training for three people"
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert f"/console/tickets/{ticket.number}/" in sent.body
    row = Delivery.objects.get(topic="notify.email")
    assert sent.extra_headers["Message-ID"] == f"<{row.key.replace(':', '.')}@localhost>"
    assert not notifications_for(quinn).filter(kind="assigned").exists()  # the actor is not told
    # Planning the same events again tells nobody twice.
    Delivery.objects.filter(topic="ticket.event").update(state="pending")
    drain(now=T0 + 2 * M)
    assert Notification.objects.filter(agent=pat, kind="assigned").count() == 1
    assert len(agent_mail()) == 1


def test_a_customer_reply_tells_the_assignee_only(desk):
    org, requester, (pat, quinn), _ = desk
    ticket = _open(org, requester)
    ticket = ticket_update(ticket=ticket, actor=Actor(channel="web", agent=pat),
                           change=Change(assignee=pat), expected_version=None, now=T0)
    ticket_customer_reply(ticket=ticket, actor=Actor(channel="portal", contact=requester),
                          body="Any news?", now=T0 + M)
    drain(now=T0 + M)
    assert notifications_for(pat).filter(kind="customer_replied").count() == 1
    assert not notifications_for(quinn).filter(kind="customer_replied").exists()
    assert [m.to for m in agent_mail()] == [["pat@desk.example"]]


def test_a_digest_collects_mail_into_one_message_per_window(desk):
    org, requester, (pat, _quinn), _ = desk
    settings_update(agent=pat, email_kinds=["new_ticket", "assigned"], console_kinds=[],
                    digest=True, digest_minutes=30)
    first = _open(org, requester)
    drain(now=T0)
    second = _open(org, requester, at=T0 + 10 * M)
    drain(now=T0 + 10 * M)
    assert agent_mail() == []
    assert send_digests(now=T0 + 20 * M) == 0  # the oldest is 20 minutes old: not yet
    assert send_digests(now=T0 + 30 * M) == 1
    assert send_digests(now=T0 + 31 * M) == 0  # each notification joins one digest
    drain(now=T0 + 31 * M)
    [digest] = agent_mail()
    assert digest.subject == "2 notifications from the help desk"
    assert f"#{first.number}" in digest.body and f"#{second.number}" in digest.body


def test_settings_refuse_unknown_kinds_and_digest_lengths_naming_the_field(desk):
    _, _, (pat, _), _ = desk
    from pledgedesk.errors import InvalidInput
    with pytest.raises(InvalidInput) as bad:
        settings_update(agent=pat, email_kinds=["gossip"], console_kinds=[], digest=False,
                        digest_minutes=60)
    assert bad.value.field == "email_kinds" and "gossip" in bad.value.message
    with pytest.raises(InvalidInput) as bad:
        settings_update(agent=pat, email_kinds=[], console_kinds=[], digest=True,
                        digest_minutes=7)
    assert bad.value.field == "digest_minutes"


def test_marking_read_touches_only_the_agents_own(desk):
    org, requester, (pat, quinn), _ = desk
    _open(org, requester)
    drain(now=T0)
    theirs = notifications_for(quinn).get()
    from pledgedesk.errors import NotFound
    with pytest.raises(NotFound):
        notifications_read(agent=pat, now=T0, ids=[theirs.pk])
    assert notifications_read(agent=pat, now=T0) == 1
    assert unread_count(pat) == 0 and unread_count(quinn) == 1
