"""The realistic mix the kill test and the benchmark use, through intake in-process: every
kind gets the outcome it should, so a count after a crash is measured against the truth."""

import pytest

from pledgedesk.channels.models import InboundMessage
from pledgedesk.channels.services import inbound_process, inbound_store
from pledgedesk.tickets.models import Attachment, Ticket
from tests.channels.mails import MIX_OUTCOMES, mix
from tests.channels.people import seed_people
from tests.factories import T0

pytestmark = pytest.mark.django_db


def test_each_kind_in_the_mix_gets_its_outcome():
    messages = mix(60, seed_people(contacts=5))
    outcomes = []
    for kind, raw in messages:
        row, created = inbound_store(raw=raw, mailbox="pipe", now=T0)
        assert created
        outcomes.append((kind, inbound_process(message_id=row.pk, now=T0).outcome))

    assert all(outcome == MIX_OUTCOMES[kind] for kind, outcome in outcomes), outcomes
    assert {kind for kind, _ in messages} == set(MIX_OUTCOMES)
    opened = sum(1 for kind, _ in messages if MIX_OUTCOMES[kind] == "created")
    held_with_ticket = sum(1 for kind, _ in messages if kind == "unauthorised")
    assert Ticket.objects.count() == opened + held_with_ticket
    assert InboundMessage.objects.filter(state="appended").count() == sum(
        1 for kind, _ in messages if kind == "reply")
    assert Attachment.objects.filter(filename__startswith="log-").count() == sum(
        1 for kind, _ in messages if kind == "attachment")
