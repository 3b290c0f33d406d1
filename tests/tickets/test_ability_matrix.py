"""The permission matrix (issue 12): every role x every seed policy x every ticket state.

For each cell: (a) what ``ticket_abilities`` answers, against the table in ``expected``;
(b) that each service accepts the action exactly when the selector says yes (escalation and
the customer's reply above all: PR-6 and FG-10 were enforced by the portal alone, and the API
accepted what the portal refused); (c) that the doors agree with it: the API's ``abilities``
object is the selector's answer, each endpoint accepts exactly those actions and otherwise
answers with the status of the service's refusal, and the portal and the console show a form
exactly when its endpoint accepts. Someone who cannot see the ticket gets "not found" from
every door.

Roles: the requester, a contact copied on the ticket, the primary contact, the Administrator,
a colleague of the same organisation (who sees none of it), and an agent of every role. Every
role goes through (a), (b) for replying and escalating, and the API's ``abilities`` object;
the requester, the primary contact, the Administrator and one agent (an engineer) go through
every action at every door. No rule reads an agent's role today, and a copied contact sees the
ticket as its requester does, so the others would only repeat those requests: what they are
shown and what the two services do for them show they get the same answer.

States: new, solved, closed, and held where the seed's intake holds tickets: FG-10's "awaiting
authorisation" (fax-server-24x7) and FG-4's "needs account look-up" for a voicemail from an
unknown number (fax-server-24x7, the one seed whose help line identifies nobody). The other
seeds cannot hold a ticket, so they have no held cell.

One test per (policy, state) builds its desk once and walks every role; each attempt runs in a
savepoint that is rolled back, so every role meets the same ticket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from pledgedesk.accounts.authorization import Principal, ticket_visible
from pledgedesk.accounts.models import Agent
from pledgedesk.errors import DeskError
from pledgedesk.policy.loader import parse_policy
from pledgedesk.tickets import services as s
from pledgedesk.tickets.abilities import ticket_abilities
from pledgedesk.tickets.models import Ticket
from pledgedesk.versions.policies import policy_for, policy_version_current
from tests.api.conftest import Api, token_for
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db

POLICIES = sorted(p.stem for p in Path(settings.PLEDGEDESK_POLICY_DIR).glob("*.toml"))
CONTACTS = ("requester", "cc", "primary", "administrator")
# An agent of each role, keyed apart from the contacts ("administrator" is both a contact's
# role in an organisation and an agent's role).
AGENTS = tuple(f"agent {role}" for role in Agent.Role.values)
# Who goes through every action at every door: one of each way of seeing the ticket (its
# requester, the organisation's two roles that see all of its tickets) and an agent.
EVERY_ACTION = {"requester", "primary", "administrator", "agent engineer"}
AGENT_ACTIONS = ("note", "log_call", "change", "set_exclusion", "verify_identity",
                 "identify_requester", "set_cc")
NOW = T0 + timedelta(hours=2)
CALLER = "+13125550187"  # a voicemail from a number no contact has (FG-4)


def _states(key: str) -> list[str]:
    """Read from the file itself: the cells are chosen before any database exists."""
    path = Path(settings.PLEDGEDESK_POLICY_DIR) / f"{key}.toml"
    policy = parse_policy(path.read_text(encoding="utf-8"), path.name)
    states = ["new", "solved", "closed"]
    if policy.intake.who_may_open == "authorised_personnel":
        states.append("held")  # FG-10
    if _lookup_channel(policy.channels.offered()):
        states.append("lookup")  # FG-4
    return states


def _lookup_channel(offered: dict) -> str | None:
    """A channel whose tickets know only a phone number (FG-4's help line), if any."""
    return next((key for key, spec in offered.items() if not spec.identifies_requester), None)


def _current(key: str):
    return policy_for(policy_version_current(key, now=T0))


def expected(role: str, policy, state: str) -> dict[str, bool]:
    """The rules, written out. Contacts reply unless the ticket is Closed (final) or held
    (FG-10, FG-4), and on Solved their reply reopens it (RK-7); they ask for escalation only
    where the policy offers it, on a ticket still being worked on (PR-6); the primary contact
    confirms a request awaiting authorisation (FG-10). Agents do everything until the ticket
    is Closed; anyone who sees a Solved ticket may reopen it."""
    is_agent = role in AGENTS
    offer = policy.spec.escalation
    agent_may = is_agent and state != "closed"
    return {
        "reply": agent_may if is_agent else state in ("new", "solved"),
        "reopen": state == "solved",
        "escalate": (not is_agent and offer is not None and offer.customer_may_request
                     and state == "new"),
        "authorise": role == "primary" and state == "held",
        **dict.fromkeys(AGENT_ACTIONS, agent_may),
    }


# --- the desk ------------------------------------------------------------------------------


@dataclass
class Desk:
    policy: object
    ticket: Ticket
    people: dict

    def fresh(self) -> Ticket:
        return Ticket.objects.select_related("organisation", "policy_version").get(
            pk=self.ticket.pk)


def _desk(key: str, state: str) -> Desk:
    policy = _current(key)
    org = organisation(key, timezone="America/Chicago", country="US")
    people = {
        "primary": contact(org, role="primary", login=True),
        "administrator": contact(org, role="administrator", login=True),
        "cc": contact(org, login=True, authorised=True),
        # FG-10: a request from someone not on the authorised list is held by intake.
        "requester": contact(org, login=True, authorised=state != "held"),
        "colleague": contact(org, login=True, authorised=True),
        **{f"agent {role}": agent(roles=(role,)) for role in Agent.Role.values},
    }
    if state == "lookup":  # FG-4: only the caller's number is known
        channel = _lookup_channel(policy.spec.channels.offered())
        new = s.NewTicket(organisation=org, channel=channel, caller_number=CALLER,
                          subject="Voicemail", description="Please call me back")
    else:
        channel = "portal" if "portal" in policy.spec.channels.offered() else "widget"
        new = s.NewTicket(organisation=org, requester=people["requester"], cc=[people["cc"]],
                          channel=channel, subject="Exports are empty",
                          description="Since this morning")
    ticket = s.ticket_create(new=new, now=T0)
    if state in ("solved", "closed"):
        engineer = s.Actor(channel="web", agent=people["agent engineer"])
        s.ticket_update(ticket=ticket, actor=engineer,
                        change=s.Change(status=policy.status_of_category(state)),
                        expected_version=None, now=T0 + timedelta(hours=1))
    desk = Desk(policy=policy_for(ticket.policy_version), ticket=ticket, people=people)
    fresh = desk.fresh()
    assert (fresh.status_category, fresh.hold) == {
        "new": ("new", ""), "solved": ("solved", ""), "closed": ("closed", ""),
        "held": ("new", "awaiting_authorisation"),
        "lookup": ("new", "needs_account_lookup")}[state]
    return desk


@contextmanager
def rolled_back() -> Iterator[None]:
    """A savepoint undone afterwards: each attempt meets the same ticket. A plain savepoint,
    not an atomic block, so the services' own durable transactions may run inside it."""
    point = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(point)


def attempt(call: Callable[[], object]) -> DeskError | None:
    """None if the service accepted the call, else the refusal it raised."""
    with rolled_back():
        try:
            call()
        except DeskError as refusal:
            return refusal
    return None


# --- (b) the services ----------------------------------------------------------------------


def service_calls(desk: Desk, actor: s.Actor) -> dict[str, Callable[[], object]]:
    t, policy = desk.fresh(), desk.policy
    kw = {"ticket": t, "actor": actor, "now": NOW}
    versioned = {**kw, "expected_version": None}

    def reply():
        if actor.agent is not None:
            return s.ticket_reply(body="On it", **versioned)
        return s.ticket_customer_reply(body="Any news?", **kw)

    calls = {
        "reply": reply,
        "escalate": lambda: s.ticket_request_escalation(reason="Blocks payroll", **kw),
        "reopen": lambda: s.ticket_reopen(**kw),
        "authorise": lambda: s.ticket_authorise(approve=True, **kw),
        "note": lambda: s.ticket_note(body="Internal", **versioned),
        "log_call": lambda: s.ticket_log_call(summary="Rang them", **versioned),
        "change": lambda: s.ticket_update(change=s.Change(tags=["matrix"]), **versioned),
        "verify_identity": lambda: s.ticket_verify_identity(method="call-back", **versioned),
        "identify_requester": lambda: s.ticket_identify_requester(
            requester=desk.people["requester"], **versioned),
        "set_cc": lambda: s.ticket_set_cc(cc=[desk.people["administrator"]], **versioned),
    }
    if policy.exclusion_reasons:  # with none, no request to set one is valid input
        calls["set_exclusion"] = lambda: s.ticket_set_exclusion(
            reason=policy.exclusion_reasons[0], active=True, **versioned)
    return calls


# --- (c) the API ---------------------------------------------------------------------------


def api_calls(desk: Desk, api: Api, is_agent: bool) -> dict[str, tuple[Callable, int]]:
    """Each action's endpoint and the status it answers when it accepts."""
    n, version, reasons = desk.ticket.number, desk.fresh().version, desk.policy.exclusion_reasons
    calls = {
        "reply": (lambda: api.post(f"tickets/{n}/replies", {"body": "Any news?"}), 201),
        "escalate": (lambda: api.post(f"tickets/{n}/escalation", {"reason": "Payroll"}), 200),
        "reopen": (lambda: api.post(f"tickets/{n}/reopen"), 200),
        "authorise": (lambda: api.post(f"tickets/{n}/authorisation", {"approve": True}), 200),
    }
    if is_agent:  # a contact is refused these by role before any rule of the ticket's
        calls |= {
            "note": (lambda: api.post(f"tickets/{n}/notes", {"body": "Internal"}), 201),
            "log_call": (lambda: api.post(f"tickets/{n}/calls", {"summary": "Rang"}), 201),
            "change": (lambda: api.patch(f"tickets/{n}", {"tags": ["matrix"],
                                                          "version": version}), 200),
            "verify_identity": (lambda: api.post(f"tickets/{n}/identity",
                                                 {"method": "call-back"}), 200),
            "identify_requester": (lambda: api.post(f"tickets/{n}/requester", {
                "requester": desk.people["requester"].pk}), 200),
            "set_cc": (lambda: api.put(f"tickets/{n}/cc",
                                       {"cc": [desk.people["administrator"].pk]}), 200),
        }
        if reasons:
            calls["set_exclusion"] = (lambda: api.post(f"tickets/{n}/exclusions",
                                                       {"reason": reasons[0]}), 200)
    return calls


# --- (c) the pages -------------------------------------------------------------------------


def _shown(html: str, url: str) -> bool:
    return f'action="{url}"' in html


def portal_doors(desk: Desk, client: Client) -> dict[str, tuple[bool, bool]]:
    """Per action: (its form is on the ticket page, its endpoint accepted)."""
    n = desk.ticket.number
    page = client.get(f"/portal/tickets/{n}/")
    assert page.status_code == 200
    html = page.content.decode()
    doors = {}
    for action in ("reply", "reopen", "escalate"):
        url = reverse(f"portal:{action}", args=[n])
        with rolled_back():
            before = desk.fresh().version
            response = client.post(url, {"body": "Any news?", "reason": "Payroll"})
            # Reopen goes back to the ticket either way (with a message): what it did is the
            # proof, the same for all three.
            done = response.status_code == 302 and desk.fresh().version > before
        doors[action] = (_shown(html, url), done)
    return doors


def console_doors(desk: Desk, client: Client) -> dict[str, tuple[bool, bool | None]]:
    n = desk.ticket.number
    page = client.get(f"/console/tickets/{n}/")
    assert page.status_code == 200
    html = page.content.decode()
    with rolled_back():
        response = client.post(reverse("console:compose", args=[n]), {
            "kind": "reply", "body": "On it", "version": desk.fresh().version})
        replied = response.status_code == 302
    return {
        "reply": (_shown(html, reverse("console:compose", args=[n])), replied),
        "change": (_shown(html, reverse("console:update", args=[n])), None),
        "set_exclusion": (_shown(html, reverse("console:exclusion", args=[n])), None),
        "set_cc": (_shown(html, reverse("console:set_cc", args=[n])), None),
    }


# --- the matrix ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _cells() -> list[tuple[str, str]]:
    return [(key, state) for key in POLICIES for state in _states(key)]


class Check:
    """Collects every disagreement of one cell, so a failure shows the whole picture."""

    def __init__(self):
        self.wrong: list[str] = []

    def __call__(self, what: str, got, want) -> None:
        if got != want:
            self.wrong.append(f"{what}: got {got!r}, expected {want!r}")


def _check_role(desk: Desk, role: str, state: str, check: Check) -> None:
    person, is_agent = desk.people[role], role in AGENTS
    principal = Principal(agent=person) if is_agent else Principal(contact=person)
    ticket = desk.fresh()
    if not ticket_visible(principal, ticket):
        return _check_unseen(desk, role, check)
    actor = s.Actor(channel="web" if is_agent else "portal", agent=principal.agent,
                    contact=principal.contact)
    every = role in EVERY_ACTION

    # (a) the selector
    answer = asdict(ticket_abilities(principal=principal, ticket=ticket, policy=desk.policy))
    check(f"{role}: selector", answer, expected(role, desk.policy, state))

    # (b) each service accepts exactly what the selector allows
    refusals = {}
    for action, call in service_calls(desk, actor).items():
        if every or action in ("reply", "escalate"):
            refusals[action] = attempt(call)
            check(f"{role}: service {action} accepted", refusals[action] is None,
                  answer[action])

    # (c) the API says the same, and each endpoint accepts exactly that
    api = Api(token_for(person.user))
    check(f"{role}: API abilities", api.get(f"tickets/{ticket.number}").json()["abilities"],
          answer)
    for action, (call, ok) in api_calls(desk, api, is_agent).items():
        if every:
            with rolled_back():
                status = call().status_code
            refusal = refusals[action]
            check(f"{role}: API {action} status", status,
                  ok if refusal is None else refusal.status)

    # (c) the pages: a form is shown exactly when its endpoint accepts
    if not every:
        return None
    client = Client()
    client.force_login(person.user)
    doors = console_doors(desk, client) if is_agent else portal_doors(desk, client)
    for action, (shown, accepted) in doors.items():
        allowed = answer[action] and (action != "set_exclusion"
                                      or bool(desk.policy.exclusion_reasons))
        check(f"{role}: page shows {action}", shown, allowed)
        if accepted is not None:
            check(f"{role}: page endpoint {action} accepted", accepted, allowed)
    return None


def _check_unseen(desk: Desk, role: str, check: Check) -> None:
    """Someone who may not see the ticket learns nothing of it from any door."""
    n = desk.ticket.number
    api = Api(token_for(desk.people[role].user))
    check(f"{role} (unseen): API detail", api.get(f"tickets/{n}").status_code, 404)
    for path, body in (("replies", {"body": "x"}), ("escalation", {"reason": "x"})):
        with rolled_back():
            check(f"{role} (unseen): API {path}",
                  api.post(f"tickets/{n}/{path}", body).status_code, 404)
    client = Client()
    client.force_login(desk.people[role].user)
    check(f"{role} (unseen): portal page", client.get(f"/portal/tickets/{n}/").status_code,
          404)


@pytest.mark.parametrize(("key", "state"), _cells(), ids=[f"{k}-{st}" for k, st in _cells()])
def test_every_door_agrees_with_the_selector(key, state):
    desk = _desk(key, state)
    check = Check()

    for role in desk.people:
        _check_role(desk, role, state, check)

    assert not check.wrong, f"{key} / {state}:\n" + "\n".join(check.wrong)


def test_the_matrix_runs_on_every_seed():
    # An empty glob would parametrise nothing and pass: the five seeds must all be there.
    assert POLICIES == ["crm-named-severities", "crm-regional", "crm-severity-colours",
                        "ecommerce-platform", "fax-server-24x7"]
