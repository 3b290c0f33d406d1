"""The planner reads an event only for the kinds ``notices_for`` tells anyone about: for every
other kind ``notices_for`` answers nothing, whatever the event and ticket."""

import pytest

from pledgedesk.notify.rules import NOTIFIED_KINDS, notices_for
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Ticket, TicketEvent


@pytest.mark.parametrize("kind", sorted(str(k) for k in EventKind if k not in NOTIFIED_KINDS))
def test_a_kind_outside_the_notified_ones_tells_nobody(kind):
    ticket = Ticket(pk=1, number=7, subject="Printer", assignee_id=3, group_id=None)
    event = TicketEvent(pk=1, ticket=ticket, kind=kind, actor_agent_id=None,
                        new={"assignee": 3, "agent": 3, "metric": "first_response"})
    assert notices_for(event, ticket) == []


def test_every_notified_kind_is_one_notices_for_handles():
    ticket = Ticket(pk=1, number=7, subject="Printer", assignee_id=3, group_id=None)
    for kind in NOTIFIED_KINDS - {EventKind.CREATED}:  # created reads the group's members
        event = TicketEvent(pk=1, ticket=ticket, kind=kind, actor_agent_id=None,
                            new={"assignee": 3, "agent": 3, "metric": "first_response"})
        assert [n.agent_id for n in notices_for(event, ticket)] == [3], kind
