"""Macros (issue 16): placeholders from a fixed list, never a template language; promised
times in the customer's zone with its name; fields and tags set in the same change as the
reply; personal macros stay their owner's."""

from __future__ import annotations

import pytest

from pledgedesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pledgedesk.macros import placeholders
from pledgedesk.macros.selectors import macro_filled, macro_for, macros_visible
from pledgedesk.macros.services import (
    MacroSpec,
    macro_apply,
    macro_create,
    macro_delete,
    macro_update,
)
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Message, Ticket, TicketEvent
from pledgedesk.tickets.services import Actor, NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db
RK = "crm-severity-colours"


@pytest.fixture
def desk():
    org = organisation(RK, timezone="America/Chicago", name="Acme")
    admin = contact(org, role="administrator", name="Dana Scully")
    ticket = ticket_create(new=NewTicket(organisation=org, requester=admin, subject="Export",
                                         description="It fails", channel="portal"), now=T0)
    return ticket, agent(name="Ann", groups=("tier2",))


def test_placeholders_are_filled_from_the_list_and_nothing_else_runs(desk):
    ticket, ann = desk
    macro = macro_create(agent=ann, now=T0, spec=MacroSpec(
        name="Hello", body="Hi {{ requester.first_name }}, #{{ticket.number}} for "
                           "{{organisation.name}}.\n{{promise.next}}\n{% load x %}{{ 7|add:1 }}"))
    filled = macro_filled(macro=macro, ticket=ticket, agent=ann, now=T0)

    assert filled.body.startswith(f"Hi Dana, #{ticket.number} for Acme.\n")
    # The promise: the SLA engine's due time in the customer's zone, with the zone's name.
    assert "Central" in filled.body.splitlines()[1] and "2026" in filled.body.splitlines()[1]
    # Template syntax is text: neither a tag nor a filter is evaluated.
    assert filled.body.endswith("{% load x %}{{ 7|add:1 }}")


def test_a_value_that_looks_like_a_placeholder_is_inserted_as_written():
    assert placeholders.fill("{{ticket.subject}}", {"ticket.subject": "{{agent.name}}",
                                                    "agent.name": "X"}) == "{{agent.name}}"


def test_an_unknown_placeholder_and_bad_keys_are_refused_naming_the_field(desk):
    _, ann = desk
    with pytest.raises(InvalidInput) as exc:
        macro_create(agent=ann, now=T0, spec=MacroSpec(name="x", body="{{settings.SECRET}}"))
    assert exc.value.field == "body" and "settings.SECRET" in exc.value.message
    with pytest.raises(InvalidInput) as exc:
        macro_create(agent=ann, now=T0, spec=MacroSpec(name="x", body="b", tags=["a b"]))
    assert exc.value.field == "tags"
    with pytest.raises(InvalidInput) as exc:
        macro_create(agent=ann, now=T0, spec=MacroSpec(name="x", body="b", group="nope"))
    assert exc.value.field == "group"
    macro_create(agent=ann, now=T0, spec=MacroSpec(name="x", body="b"))
    with pytest.raises(Conflict):
        macro_create(agent=ann, now=T0, spec=MacroSpec(name="x", body="c"))


def test_applying_sends_the_reply_and_sets_fields_and_tags_in_one_change(desk):
    ticket, ann = desk
    macro = macro_create(agent=ann, now=T0, spec=MacroSpec(
        name="Solve", body="Done, {{requester.name}}.", status="solved", priority="red",
        group="tier2", tags=["macro-used"], shared=True))
    message = macro_apply(ticket=ticket, actor=Actor(channel="web", agent=ann), macro=macro,
                          expected_version=ticket.version, now=T0)

    fresh = Ticket.objects.get(pk=ticket.pk)
    assert message.body == "Done, Dana Scully." and message.visibility == Message.Visibility.PUBLIC
    assert (fresh.status, fresh.priority, fresh.group.key) == ("solved", "red", "tier2")
    assert "macro-used" in fresh.tags and fresh.version == ticket.version + 1
    kinds = set(TicketEvent.objects.filter(ticket=fresh, at=T0).values_list("kind", flat=True))
    assert {EventKind.PUBLIC_REPLY, EventKind.STATUS_CHANGED, EventKind.PRIORITY_CHANGED,
            EventKind.GROUP_CHANGED, EventKind.TAGS_CHANGED} <= kinds


def test_a_status_the_tickets_policy_lacks_is_left_out_not_forced(desk):
    ticket, ann = desk
    macro = macro_create(agent=ann, now=T0, spec=MacroSpec(name="m", body="b",
                                                           status="no_such_status"))
    assert macro_filled(macro=macro, ticket=ticket, agent=ann, now=T0).status is None


def test_personal_macros_are_their_owners_and_shared_ones_are_guarded(desk):
    _, ann = desk
    bob, lead = agent(name="Bob"), agent(name="Lee", roles=("support_lead",))
    mine = macro_create(agent=ann, now=T0, spec=MacroSpec(name="mine", body="b"))
    shared = macro_create(agent=ann, now=T0, spec=MacroSpec(name="ours", body="b", shared=True))

    assert [m.name for m in macros_visible(agent=bob)] == ["ours"]
    with pytest.raises(NotFound):
        macro_for(agent=bob, macro_id=mine.pk)
    with pytest.raises(NotFound):
        macro_delete(agent=bob, macro_id=mine.pk)
    with pytest.raises(PermissionDenied):
        macro_update(agent=bob, macro_id=shared.pk, now=T0,
                     spec=MacroSpec(name="ours", body="changed", shared=True))
    updated = macro_update(agent=lead, macro_id=shared.pk, now=T0,
                           spec=MacroSpec(name="ours", body="changed", shared=True))
    assert updated.body == "changed" and updated.shared
    macro_delete(agent=ann, macro_id=mine.pk)
    assert [m.name for m in macros_visible(agent=ann)] == ["ours"]
