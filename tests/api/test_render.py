"""api.render, read directly: the one place that decides what a contact may read of a ticket.
Sanitised HTML beside the stored text, agent-only facts only in ``internal`` blocks, actors'
ids only for agents, timers in their state at the request's instant."""

from datetime import timedelta

import pytest

from pledgedesk.accounts.authorization import Principal
from pledgedesk.api import render
from pledgedesk.tickets.models import Message, SlaTimer, TicketEvent
from pledgedesk.tickets.services import NewTicket, ticket_create
from tests.factories import T0, agent, contact, organisation

RK = "crm-severity-colours"
NOW = T0 + timedelta(hours=1)


# --- sanitised HTML --------------------------------------------------------------------------

@pytest.mark.parametrize("text, gone", [
    ("<script>steal()</script>hi", "steal"),
    ("<style>body{display:none}</style>hi", "display"),
    ('<a href="javascript:steal()">x</a>', "javascript:"),
    ('<b onmouseover="steal()">x</b>', "onmouseover"),
    ('<img src="https://tracker.example/p.gif">', "<img"),
    ('<a href="https://example.com" title="t" class="c">x</a>', "class="),
])
def test_html_loses_what_runs_loads_or_styles(text, gone):
    assert gone not in render.safe_html(text)


def test_html_keeps_formatting_and_links_that_cannot_reach_back():
    html = render.safe_html('<p><b>Bold</b> see <a href="https://example.com/kb">kb</a></p>')

    assert html.startswith("<p><b>Bold</b> see <a ")
    assert 'href="https://example.com/kb"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.fixture
def world(db):
    org = organisation(RK)
    person = contact(org)
    engineer = agent()
    ticket = ticket_create(new=NewTicket(
        organisation=org, requester=person, subject="Render me",
        description='Broken <script>steal()</script><b>now</b>', channel="portal"), now=T0)
    return org, person, engineer, ticket


def _message(ticket, *, author_agent=None, author_contact=None, body="hello"):
    return Message.objects.create(ticket=ticket, visibility="public", channel="portal",
                                  author_agent=author_agent, author_contact=author_contact,
                                  body=body, created_at=NOW)


# --- messages: stored text and sanitised HTML; ids only for agents ---------------------------

def test_a_message_carries_its_text_as_stored_and_sanitised_beside_it(world):
    _, person, _, ticket = world
    message = _message(ticket, author_contact=person,
                       body='<img src=x onerror="steal()">Printer <i>jammed</i>')

    out = render.message_out(message, agent=False)

    assert out.body == '<img src=x onerror="steal()">Printer <i>jammed</i>'
    assert out.body_html == "Printer <i>jammed</i>"
    assert out.created_at == NOW


def test_an_author_is_named_to_everyone_and_identified_only_to_agents(world):
    _, person, engineer, ticket = world
    by_agent = _message(ticket, author_agent=engineer)
    by_contact = _message(ticket, author_contact=person)

    for message, kind, pk in ((by_agent, "agent", engineer.pk), (by_contact, "contact",
                                                                 person.pk)):
        seen_by_contact = render.message_out(message, agent=False).author
        seen_by_agent = render.message_out(message, agent=True).author
        assert (seen_by_contact.kind, seen_by_contact.id) == (kind, None)
        assert (seen_by_agent.kind, seen_by_agent.id) == (kind, pk)
        assert seen_by_contact.name == seen_by_agent.name


# --- history: a contact reads only an event's public facts -----------------------------------

def test_a_contact_reads_only_the_public_facts_of_an_event(world):
    _, _, engineer, ticket = world
    event = TicketEvent.objects.create(
        ticket=ticket, at=NOW, kind="status_changed", channel="console", actor_agent=engineer,
        old={"status": "new", "group": "tier-1"},
        new={"status": "open", "group": "tier-2", "plan": "premier"})

    for_contact = render.event_out(event, agent=False)
    for_agent = render.event_out(event, agent=True)

    assert (for_contact.old, for_contact.new) == ({"status": "new"}, {"status": "open"})
    assert for_agent.new == {"status": "open", "group": "tier-2", "plan": "premier"}
    assert (for_contact.actor.id, for_agent.actor.id) == (None, engineer.pk)
    assert for_contact.at == NOW


# --- timers at the request's instant ---------------------------------------------------------

def _stored(ticket, **fields):
    return SlaTimer(ticket=ticket, metric="first_response", state="running", **fields)


def test_a_timer_is_in_its_state_at_the_request_instant_not_the_stored_one(world):
    ticket = world[3]
    timer = _stored(ticket, due_at=NOW + timedelta(minutes=30),
                    warn_at=NOW + timedelta(minutes=10))

    states = [render.timer_out(timer, agent=False, now=NOW + delta).state
              for delta in (timedelta(0), timedelta(minutes=10), timedelta(minutes=31))]

    assert [str(state) for state in states] == ["running", "warning", "breached"]


def test_a_timers_working_is_shown_to_agents_only(world):
    ticket = world[3]
    timer = _stored(ticket, due_at=NOW + timedelta(hours=2), used_seconds=600,
                    paused_seconds=120, reason="Red: within 1 business day")

    assert render.timer_out(timer, agent=False, now=NOW).internal is None
    internal = render.timer_out(timer, agent=True, now=NOW).internal
    assert (internal.used_seconds, internal.paused_seconds, internal.reason) == (
        600, 120, "Red: within 1 business day")


# --- the ticket: the contact's view and the agent's ------------------------------------------

def test_a_contact_sees_no_internal_block_and_an_agent_sees_the_working(world):
    _, person, engineer, ticket = world

    for_contact = render.ticket_out(ticket, agent=False, principal=Principal(contact=person),
                                    now=NOW)
    for_agent = render.ticket_out(ticket, agent=True, principal=Principal(agent=engineer),
                                  now=NOW)

    assert for_contact.internal is None
    assert for_agent.internal is not None
    assert (for_agent.internal.policy.key, for_agent.internal.plan) == (RK, ticket.plan)
    assert all(timer.internal is None for timer in for_contact.timers)
    assert all(timer.internal is not None for timer in for_agent.timers)
    # Everything outside the internal blocks (and what each may do) is the same for both.
    shared = {"internal": True, "abilities": True, "timers": {"__all__": {"internal"}}}
    assert for_contact.model_dump(exclude=shared) == for_agent.model_dump(exclude=shared)


def test_a_tickets_description_is_stored_text_beside_sanitised_html(world):
    _, person, _, ticket = world

    out = render.ticket_out(ticket, agent=False, principal=Principal(contact=person), now=NOW)

    assert out.description == "Broken <script>steal()</script><b>now</b>"
    assert out.description_html == "Broken <b>now</b>"
