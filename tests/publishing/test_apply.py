"""Applying a published version to open tickets (PR-9; Zammad#534, #4353, osTicket#5160: an
edited policy must be able to recompute the open tickets it governs, never silently). Open
tickets keep their version by default; the dry run lists exactly what would move and changes
nothing; applying moves exactly what the dry run listed, each move an event on the ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.errors import Conflict
from pledgedesk.publishing import apply
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import SlaTimer, Ticket, TicketEvent
from pledgedesk.tickets.services import Actor, Change, ticket_update
from tests.factories import T0, agent, contact, organisation
from tests.pages import FG, RK, open_ticket
from tests.publishing.conftest import RED_RESOLUTION
from tests.publishing.helpers import publish

pytestmark = pytest.mark.django_db

LATER = T0 + timedelta(hours=2)


@pytest.fixture
def desk(policy_dir):
    org = organisation(RK)
    someone = contact(org, role="administrator")  # RK-2: from the Administrator, no exclusion
    red = open_ticket(org, someone, at=T0, priority="red")
    yellow = open_ticket(org, someone, at=T0, priority="yellow")
    solved = open_ticket(org, someone, at=T0, priority="red")
    ticket_update(ticket=solved, actor=Actor(channel="web", agent=agent()),
                  change=Change(status="solved"), expected_version=None, now=T0)
    elsewhere = organisation(FG)
    other = open_ticket(elsewhere, contact(elsewhere), at=T0)
    return {"red": red, "yellow": yellow, "solved": solved, "other": other}


def _timers(ticket) -> dict[str, tuple]:
    return {t.metric: (t.state, t.due_at) for t in SlaTimer.objects.filter(ticket=ticket)}


def test_open_tickets_keep_their_version_unless_asked(desk, draft):
    done = publish(draft(RK, "3", RED_RESOLUTION), now=LATER)

    assert done.applied is None
    assert Ticket.objects.get(pk=desk["red"].pk).policy_version.version == "2"


def test_the_dry_run_lists_the_moves_and_changes_nothing(desk, draft):
    done = publish(draft(RK, "3", RED_RESOLUTION), now=LATER)
    before = {k: _timers(t) for k, t in desk.items()}
    events = TicketEvent.objects.count()

    plan = apply.open_tickets_plan(version=done.version, now=LATER)

    assert [m.number for m in plan.moves] == sorted([desk["red"].number, desk["yellow"].number])
    red = next(m for m in plan.moves if m.number == desk["red"].number)
    yellow = next(m for m in plan.moves if m.number == desk["yellow"].number)
    assert [t.metric for t in red.timers] == ["resolution"]  # 1 -> 2 business days
    assert red.timers[0].before != red.timers[0].after
    assert yellow.timers == ()  # its targets did not change: it moves, its timers stay
    assert {k: _timers(t) for k, t in desk.items()} == before
    assert TicketEvent.objects.count() == events
    assert Ticket.objects.get(pk=desk["red"].pk).policy_version.version == "2"


def test_applying_moves_exactly_the_tickets_and_timers_the_dry_run_listed(desk, draft):
    done = publish(draft(RK, "3", RED_RESOLUTION), now=LATER)
    listed = apply.open_tickets_plan(version=done.version, now=LATER)
    old_red_due = _timers(desk["red"])["resolution"][1]

    applied = apply.open_tickets_apply(version=done.version, now=LATER, expected=listed.digest)

    assert applied == listed
    moved = {t.number for t in Ticket.objects.filter(policy_version=done.version)}
    assert moved == {m.number for m in listed.moving}
    assert Ticket.objects.get(pk=desk["solved"].pk).policy_version.version == "2"
    assert Ticket.objects.get(pk=desk["other"].pk).policy_version.key == FG
    new_red_due = _timers(desk["red"])["resolution"][1]
    assert new_red_due > old_red_due
    recorded = TicketEvent.objects.get(ticket=desk["red"],
                                       kind=EventKind.POLICY_VERSION_APPLIED)
    assert recorded.new["from_version"] == "2" and recorded.new["to_version"] == "3"
    assert recorded.new["timers"] == [{"metric": t.metric, "from": t.before, "to": t.after}
                                      for t in next(m for m in listed.moves
                                                    if m.number == desk["red"].number).timers]
    assert new_red_due.isoformat() in recorded.new["timers"][0]["to"]
    assert TicketEvent.objects.filter(kind=EventKind.POLICY_VERSION_APPLIED).count() == 2


def test_a_plan_that_changed_since_the_dry_run_is_refused(desk, draft):
    done = publish(draft(RK, "3", RED_RESOLUTION), now=LATER)
    listed = apply.open_tickets_plan(version=done.version, now=LATER)
    open_ticket(desk["red"].organisation, desk["red"].requester, at=T0, priority="red")

    with pytest.raises(Conflict, match="dry run"):
        apply.open_tickets_apply(version=done.version, now=LATER, expected=listed.digest)
    assert not Ticket.objects.filter(policy_version=done.version).exists()


def test_publishing_with_apply_open_moves_the_open_tickets_in_the_same_transaction(desk, draft):
    done = publish(draft(RK, "3", RED_RESOLUTION), now=LATER, apply_open=True)

    assert {m.number for m in done.applied.moving} == {desk["red"].number,
                                                       desk["yellow"].number}
    assert Ticket.objects.filter(policy_version=done.version).count() == 2


def test_apply_open_refuses_a_version_not_yet_in_force(desk, draft):
    from pledgedesk.errors import InvalidInput
    from pledgedesk.versions.models import PolicyVersion

    with pytest.raises(InvalidInput, match="once it is in force"):
        publish(draft(RK, "3", RED_RESOLUTION), now=LATER,
                effective=LATER + timedelta(days=1), apply_open=True)
    assert not PolicyVersion.objects.filter(version="3").exists()


def test_a_ticket_the_new_version_cannot_run_stays_with_the_reason(desk, draft):
    Ticket.objects.filter(pk=desk["yellow"].pk).update(status="waiting_on_vendor")
    done = publish(draft(RK, "3", RED_RESOLUTION), now=LATER)

    applied = apply.open_tickets_apply(version=done.version, now=LATER)

    stays = next(m for m in applied.moves if m.number == desk["yellow"].number)
    assert "unknown status 'waiting_on_vendor'" in stays.refused
    assert Ticket.objects.get(pk=desk["yellow"].pk).policy_version.version == "2"
