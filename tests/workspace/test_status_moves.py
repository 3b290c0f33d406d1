"""Status moves follow the policy's meanings (issue 16: "Status stays New after an agent is
assigned and replies"): the first public reply or an assignment makes New Open, a reply the
agent marks as asking the customer makes it Pending, and a policy may name these moves
(``statuses.<key>.moves_to``), checked with key paths."""

import pytest

from pledgedesk.policy import PolicyError, parse_policy
from pledgedesk.policy.compile import compile_policy
from pledgedesk.tickets.services import Change, ticket_note, ticket_reply, ticket_update
from tests.pages import NOW, RK, as_agent, open_ticket, organisation, person, staff
from tests.sla.helpers import CLOCK_POLICY

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    org = organisation(RK, timezone="America/Chicago", country="US")
    admin = person(org, role="administrator")
    return staff(name="Maria Lopez"), open_ticket(org, admin, priority="red")


def test_a_first_public_reply_makes_new_open(desk):
    maria, ticket = desk
    assert ticket.status == "new"

    ticket_reply(ticket=ticket, actor=as_agent(maria), body="On it.", expected_version=None,
                 now=NOW)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.status_category) == ("open", "open")
    assert ticket.events.filter(kind="status_changed").get().new == {"status": "open"}


def test_an_assignment_makes_new_open(desk):
    maria, ticket = desk

    ticket_update(ticket=ticket, actor=as_agent(maria), change=Change(assignee=maria),
                  expected_version=None, now=NOW)

    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_an_internal_note_leaves_new_alone(desk):
    maria, ticket = desk

    ticket_note(ticket=ticket, actor=as_agent(maria), body="Looking", expected_version=None,
                now=NOW)

    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_a_status_chosen_with_the_reply_wins(desk):
    maria, ticket = desk

    ticket_reply(ticket=ticket, actor=as_agent(maria), body="Done.", expected_version=None,
                 change=Change(status="solved"), now=NOW)

    ticket.refresh_from_db()
    assert ticket.status == "solved"


def test_a_reply_on_an_open_ticket_does_not_move_it(desk):
    maria, ticket = desk
    ticket_update(ticket=ticket, actor=as_agent(maria), change=Change(status="on_hold"),
                  expected_version=None, now=NOW)

    ticket_reply(ticket=ticket, actor=as_agent(maria), body="Still waiting on the vendor.",
                 expected_version=None, now=NOW)

    ticket.refresh_from_db()
    assert ticket.status == "on_hold"


def policy_with(moves: str):
    text = CLOCK_POLICY.replace('category = "new"\n', f'category = "new"\n{moves}\n', 1)
    assert text != CLOCK_POLICY
    return text


def test_the_policy_may_name_the_moves():
    policy = compile_policy(
        parse_policy(policy_with('moves_to = { agent_reply = "pending" }'), "p.toml"), "p")
    new = policy.status_of_category("new")

    assert policy.status_after(new, "agent_reply") == "pending"
    assert policy.status_after(new, "assignment") == "open"  # unnamed: by meaning
    assert policy.status_after("open", "asking_customer") == "pending"
    assert policy.status_after("pending", "agent_reply") == "pending"


def test_a_named_move_to_an_unknown_status_is_refused_with_its_key_path():
    with pytest.raises(PolicyError) as info:
        parse_policy(policy_with('moves_to = { assignment = "opne" }'), "p.toml")

    found = [str(p) for p in info.value.problems]
    assert len(found) == 1
    assert found[0].startswith("p.toml:statuses.new.moves_to.assignment: unknown status 'opne'")


def test_an_unknown_move_is_refused_with_its_key_path():
    with pytest.raises(PolicyError) as info:
        parse_policy(policy_with('moves_to = { on_lunch = "open" }'), "p.toml")

    assert any("statuses.new.moves_to" in str(p) for p in info.value.problems)
