"""tickets.events.EventKind: one enumeration says which kinds are public, internal and
SLA-relevant, and which facts of each a contact may read; the contact's history filter, the
API's event rendering, the SLA engine's input and the console's sentences all follow it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pledgedesk
from pledgedesk.accounts.authorization import Principal
from pledgedesk.api.render import event_out
from pledgedesk.console.history import describe
from pledgedesk.tickets import services
from pledgedesk.tickets.events import (
    INTERNAL_EVENT_KINDS,
    PUBLIC_EVENT_KINDS,
    SLA_EVENT_KINDS,
    EventKind,
    public_facts,
)
from pledgedesk.tickets.models import TicketEvent
from pledgedesk.tickets.selectors import ticket_history
from pledgedesk.tickets.services import Actor, NewTicket, ticket_create
from pledgedesk.tickets.timers import CLOCK_EVENTS, sla_events
from pledgedesk.versions.policies import policy_for
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db

# A full set of facts for each kind, as the services write them.
FACTS = {
    EventKind.CREATED: {"subject": "s", "channel": "portal", "plan": "standard",
                        "priority": "yellow", "requested_priority": None, "status": "new",
                        "hold": "", "opened_by_agent": False, "group": "billing",
                        "notes": ["n"]},
    EventKind.PRIORITY_CHANGED: {"priority": "red"},
    EventKind.STATUS_CHANGED: {"status": "pending"},
    EventKind.REOPENED: {"status": "open"},
    EventKind.ASSIGNED: {"assignee": 7},
    EventKind.PUBLIC_REPLY: {"message": 1},
    EventKind.INTERNAL_NOTE: {"message": 2},
    EventKind.CUSTOMER_REPLY: {"message": 3},
    EventKind.CALL_LOGGED: {"message": 4},
    EventKind.EXCLUSION_SET: {"reason": "third_party"},
    EventKind.EXCLUSION_CLEARED: {"reason": "third_party"},
    EventKind.GROUP_CHANGED: {"group": "billing"},
    EventKind.TAGS_CHANGED: {"tags": ["vip"]},
    EventKind.TOPIC_CHANGED: {"topic": "reports"},
    EventKind.ESCALATION_REQUESTED: {"reason": "urgent"},
    EventKind.PAGE_ON_CALL: {"priority": "red"},
    EventKind.PAGE_REQUESTED: {"page": 1, "step": 1, "agent": 7, "agent_name": "Eve",
                               "methods": ["email"], "why": "FG-8", "no_contact_method": False},
    EventKind.PAGE_SENT: {"page": 1, "step": 1, "agent": 7, "agent_name": "Eve",
                          "method": "email", "to": "eve@example.com"},
    EventKind.PAGE_ESCALATED: {"page": 1, "from": 7, "to": 8, "to_lead": False, "why": "x"},
    EventKind.PAGE_UNANSWERED: {"page": 1, "why": "nobody is on call"},
    EventKind.PAGE_ACKNOWLEDGED: {"page": 1, "agent": 7, "agent_name": "Eve", "via": "link"},
    EventKind.PAGE_RESOLVED: {"page": 1, "agent": 7, "agent_name": "Eve", "via": "api"},
    EventKind.ATTACHMENT_ADDED: {"attachment": 1, "filename": "a.txt", "size": 3,
                                 "message": None},
    EventKind.INTERNAL_ATTACHMENT_ADDED: {"attachment": 2, "filename": "secret.txt",
                                          "size": 3, "message": 2},
    EventKind.AUTHORISATION_REQUESTED: {"grant": 1, "primary_contact": 2},
    EventKind.REQUESTER_IDENTIFIED: {"requester": 5, "hold": ""},
    EventKind.IDENTITY_VERIFIED: {"method": "call-back"},
    EventKind.CC_CHANGED: {"cc": [4, 5]},
    EventKind.AUTHORISATION_REJECTED: {},
    EventKind.SLA_WARNING: {"metric": "follow_up", "cycle": "2026-01-05T15:00:00+00:00"},
    EventKind.SLA_BREACHED: {"metric": "follow_up", "cycle": "2026-01-05T15:00:00+00:00"},
    EventKind.ESCALATION_STEP: {"chain": "lead", "step": 1, "outcome": "sent", "told": ["Erin"]},
    EventKind.CUSTOMER_UPDATED: {"text": "Still on it.", "chain": "still_working"},
    EventKind.MERGED_INTO: {"into": 12},
    EventKind.MERGED_FROM: {"from": 11, "messages": [3, 4]},
    EventKind.POLICY_VERSION_APPLIED: {"from_version": "2", "to_version": "3",
                                       "from_version_id": 1, "to_version_id": 2,
                                       "timers": [{"metric": "first_response",
                                                   "from": "running", "to": "running"}]},
}
FACTS[EventKind.AUTHORISED] = {**FACTS[EventKind.CREATED], "hold": ""}


def test_every_kind_is_public_or_internal_and_the_known_internal_work_is_internal():
    assert set(PUBLIC_EVENT_KINDS) | set(INTERNAL_EVENT_KINDS) == set(EventKind)
    assert not set(PUBLIC_EVENT_KINDS) & set(INTERNAL_EVENT_KINDS)
    assert {"internal_note", "call_logged", "page_on_call", "assigned", "group_changed",
            "tags_changed", "exclusion_set", "exclusion_cleared",
            "internal_attachment_added", "sla_warning", "sla_breached",
            "escalation_step", "page_requested", "page_sent", "page_escalated",
            "page_unanswered", "page_acknowledged", "page_resolved"} == set(INTERNAL_EVENT_KINDS)
    assert set(FACTS) == set(EventKind)


def test_a_member_is_its_stored_string():
    assert EventKind.STATUS_CHANGED == "status_changed"
    assert EventKind("status_changed") is EventKind.STATUS_CHANGED
    assert EventKind.of("no_such_kind") is None


def test_internal_kinds_expose_no_facts_and_public_ones_only_their_own():
    for kind in INTERNAL_EVENT_KINDS:
        assert kind.public_facts == frozenset()
    created = public_facts(EventKind.CREATED, FACTS[EventKind.CREATED])
    assert created == {"subject": "s", "channel": "portal", "priority": "yellow",
                       "requested_priority": None, "status": "new"}
    # "reason" is public on an escalation request, never on an (internal) exclusion.
    assert public_facts("escalation_requested", {"reason": "x"}) == {"reason": "x"}
    assert public_facts("exclusion_set", {"reason": "x"}) == {}
    assert public_facts("made_up_kind", {"status": "x"}) is None
    # Issue 15: the customer reads the update they were sent, never which chain sent it.
    assert public_facts("customer_updated", FACTS[EventKind.CUSTOMER_UPDATED]) == {
        "text": "Still on it."}


@pytest.fixture
def ticket_with_every_kind():
    org = organisation("crm-severity-colours")
    requester = contact(org, role="administrator")
    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=requester, subject="All kinds", description="x",
        channel="portal", priority="yellow"), now=T0)
    TicketEvent.objects.filter(ticket=ticket).delete()
    TicketEvent.objects.bulk_create(
        [TicketEvent(ticket=ticket, at=T0, kind=kind, channel="web", new=FACTS[kind])
         for kind in EventKind]
        + [TicketEvent(ticket=ticket, at=T0, kind="unclassified_kind", channel="web",
                       new={"status": "x"})])
    return ticket, requester


def test_the_contacts_history_is_exactly_the_public_kinds(ticket_with_every_kind):
    ticket, requester = ticket_with_every_kind

    seen = [e.kind for e in ticket_history(principal=Principal(contact=requester),
                                           ticket=ticket)]
    everything = [e.kind for e in ticket_history(principal=Principal(agent=agent()),
                                                 ticket=ticket)]

    assert sorted(seen) == sorted(PUBLIC_EVENT_KINDS)
    # A kind nobody classified is internal: agents see it, contacts never do.
    assert sorted(everything) == sorted([*EventKind, "unclassified_kind"])


def test_the_api_gives_a_contact_only_each_kinds_public_facts(ticket_with_every_kind):
    ticket, requester = ticket_with_every_kind

    rendered = {e.kind: e.new for e in (
        event_out(event, agent=False)
        for event in ticket_history(principal=Principal(contact=requester), ticket=ticket))}

    for kind, new in rendered.items():
        assert set(new) == set(FACTS[kind]) & EventKind(kind).public_facts, kind
    assert rendered["identity_verified"] == {}  # the method stays with the agents


def test_the_sla_engine_reads_exactly_the_sla_kinds(ticket_with_every_kind):
    ticket, _ = ticket_with_every_kind
    events = list(ticket.events.order_by("at", "id"))
    created = next(e for e in events if e.kind == EventKind.CREATED)

    assert set(CLOCK_EVENTS) | {EventKind.CREATED, EventKind.AUTHORISED} == SLA_EVENT_KINDS
    for kind in EventKind:
        one = next(e for e in events if e.kind == kind)
        produced = sla_events(ticket, [created, one] if kind != EventKind.CREATED else [one])
        assert len(produced) == (2 if kind.sla and kind != EventKind.CREATED else 1), kind


def test_the_console_has_a_sentence_for_every_kind(ticket_with_every_kind):
    ticket, _ = ticket_with_every_kind
    policy = policy_for(ticket.policy_version)

    sentences = {e.kind: describe(e, policy, {7: "Erin"}) for e in ticket.events.all()}

    assert sentences["assigned"] == "Assigned to Erin"
    assert sentences["topic_changed"] == "Topic set to reports"
    assert sentences["internal_attachment_added"] == (
        "Attachment added to an internal note: secret.txt")
    assert sentences["authorisation_rejected"] == "Rejected by the primary contact"
    assert sentences["escalation_step"] == 'Escalation "lead" step 1: told Erin by email.'
    assert sentences["unclassified_kind"] == "Unclassified kind"
    assert all(sentences.values())


# --- no door or service writes a kind as a string -------------------------------------------

ROOT = Path(pledgedesk.__file__).parent
EVENT_MODULES = [p for d in ("tickets", "console", "api", "portal", "web") for p in
                 sorted((ROOT / d).glob("*.py")) if p.name != "events.py"]
WRITERS = {"_event", "_new_event", "_post"}
KIND_KEYWORDS = {"kind", "kind__in"}
QUERIES = {"TicketEvent", "filter", "exclude", "get", "create"}


def _name(func) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _kind_expressions(tree):
    """Every expression that names an event kind: the kind argument of the services' event
    writers, ``kind=`` / ``kind__in=`` of an event query, and ``kind = ...`` assignments."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in WRITERS and len(node.args) > 2:
            yield node.args[2]
        if isinstance(node, ast.Call) and _name(node.func) in QUERIES:
            yield from (k.value for k in node.keywords if k.arg in KIND_KEYWORDS)
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant | ast.IfExp)
                and any(isinstance(t, ast.Name) and t.id == "kind" for t in node.targets)):
            yield node.value  # kind = "..." or kind = A if ... else B


def test_every_kind_the_services_and_doors_name_is_a_member_never_a_string():
    named, strings, unknown = 0, [], []
    for path in EVENT_MODULES:
        for expr in _kind_expressions(ast.parse(path.read_text())):
            for node in ast.walk(expr):
                where = f"{path.relative_to(ROOT.parent)}:{node.lineno}" \
                    if hasattr(node, "lineno") else str(path)
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    strings.append(where)
                elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                      and node.value.id in ("EventKind", "K")):
                    named += 1
                    if node.attr not in EventKind.__members__ and node.attr != "of":
                        unknown.append(f"{where} {node.attr}")

    assert strings == []
    assert unknown == []
    assert named >= 25  # the scan found the services' event writers


def test_an_event_outside_the_enumeration_is_never_written():
    org = organisation("crm-severity-colours")
    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=contact(org, role="administrator"), subject="x",
        description="x", channel="portal", priority="yellow"), now=T0)
    actor = Actor(channel="web", agent=agent())

    with pytest.raises(ValueError, match="not a valid EventKind"):
        services._event(ticket, actor, "made_up", T0)

    assert set(ticket.events.values_list("kind", flat=True)) <= set(EventKind)
