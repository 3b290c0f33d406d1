"""Rules written once (issue 12, "rules written twice"): each lives in one function that every
door and service calls. Where the copies disagreed, a test shows the behaviour that changed;
the source checks at the end keep a second copy from coming back."""

from __future__ import annotations

import ast
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

import pledgedesk
from pledgedesk import sla
from pledgedesk.accounts.models import AccessGrant
from pledgedesk.accounts.services import TEMPORARY_ACCESS, access_grant_decide
from pledgedesk.api import render
from pledgedesk.policy.compile import Location
from pledgedesk.portal.offer import organisation_zone, portal_offer
from pledgedesk.tickets.intake import door_channel, ticket_plan
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import (
    Actor,
    Change,
    NewTicket,
    ticket_authorise,
    ticket_create,
    ticket_customer_reply,
    ticket_update,
)
from pledgedesk.versions.policies import policy_in_force
from pledgedesk.web import present
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db

PR = "crm-regional"
FG = "fax-server-24x7"
SEEDS = ("crm-severity-colours", "crm-named-severities", "ecommerce-platform", FG, PR)
SOURCE = Path(pledgedesk.__file__).parent


# --- the default channel of each door --------------------------------------------------------


@pytest.fixture
def widget_only_policy(tmp_path, settings):
    """PR's policy without its API channel: web requests come only through the widget."""
    for path in Path(settings.PLEDGEDESK_POLICY_DIR).glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    lines = (tmp_path / f"{PR}.toml").read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("[channels.api]\n")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("["))
    text = "".join(lines[:start] + lines[end:])
    (tmp_path / f"{PR}.toml").write_text(text, encoding="utf-8")
    settings.PLEDGEDESK_POLICY_DIR = str(tmp_path)
    return PR


def test_the_api_and_the_portal_take_a_widget_only_policys_requests_through_the_widget(
        widget_only_policy, client):
    from tests.api.conftest import Api, token_for

    org = organisation(widget_only_policy, timezone="Europe/Berlin", country="DE")
    person = contact(org, login=True)
    _, policy = policy_in_force(org.policy_key, now=T0)

    created = Api(token_for(person.user)).post("tickets", {"subject": "Import fails"})

    # The API used to fall back to "portal", which this policy does not offer: a 422.
    assert created.status_code == 201, created.content
    assert created.json()["channel"] == "widget"
    assert portal_offer(org, now=T0).channel == door_channel(policy, "web") == "widget"


# --- the plan a ticket runs on ---------------------------------------------------------------


def test_the_portal_offers_the_plan_the_ticket_then_runs_on():
    org = organisation("ecommerce-platform", plans=("unknown", "high_priority"))
    _, policy = policy_in_force(org.policy_key, now=T0)
    ticket = ticket_create(new=NewTicket(organisation=org, requester=contact(org),
                                         subject="Down", description="x", channel="portal"),
                           now=T0)

    assert portal_offer(org, now=T0).plan == ticket.plan == ticket_plan(policy, org)


# --- access grants (FG-10) ---------------------------------------------------------------------


def test_deciding_a_grant_starts_its_temporary_access_from_the_decision():
    org = organisation(FG, timezone="America/Chicago", country="US")
    primary = contact(org, role="primary")
    grant = AccessGrant.objects.create(contact=contact(org), requested_at=T0,
                                       expires_at=T0 + timedelta(minutes=1))
    decided_at = T0 + timedelta(days=3)

    access_grant_decide(organisation=org, by=primary, grant=grant, approve=True,
                        now=decided_at)

    assert AccessGrant.objects.get(pk=grant.pk).expires_at == decided_at + TEMPORARY_ACCESS


def test_a_held_ticket_is_confirmed_through_the_same_grant_decision():
    org = organisation(FG, timezone="America/Chicago", country="US")
    primary = contact(org, role="primary")
    stranger = contact(org)
    held = ticket_create(new=NewTicket(organisation=org, requester=stranger, subject="Fax",
                                       description="x", channel="portal"), now=T0)
    decided_at = T0 + timedelta(days=2)

    ticket_authorise(ticket=held, actor=Actor(channel="portal", contact=primary),
                     approve=True, now=decided_at)

    grant = AccessGrant.objects.get(contact=stranger)
    assert grant.state == AccessGrant.State.CONFIRMED
    assert (grant.decided_at, grant.decided_by) == (decided_at, primary)
    assert grant.expires_at == decided_at + TEMPORARY_ACCESS


# --- the HTML sanitiser --------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    "<h3>Steps</h3><table><tr><td>1</td><td>Restart</td></tr></table>",
    '<p>See <a href="https://example.com/kb" title="kb" onclick="x()">the article</a></p>',
    "<ul><li>one</li></ul><script>steal()</script><!-- hidden -->",
])
def test_the_pages_and_the_api_render_a_body_with_one_sanitiser(body):
    # The API's cleaner used to drop tables and headings that the pages kept.
    assert render.safe_html(body) == present.clean_body(body)


# --- where an organisation is -----------------------------------------------------------------


def test_an_organisations_location_is_read_in_one_place():
    org = organisation(FG, timezone="America/Denver", country="US", subdivision="")

    assert org.location == Location(timezone="America/Denver", country="US", subdiv=None)
    _, policy = policy_in_force(org.policy_key, now=T0)
    assert organisation_zone(org, policy) == org.location.timezone


# --- the customer-reply status move ---------------------------------------------------------


@pytest.mark.parametrize("key", SEEDS)
def test_the_service_stores_the_status_the_sla_engine_derives_from_a_customer_reply(key):
    org = organisation(key, timezone="America/Chicago", country="US")
    requester = contact(org, role="primary")
    _, policy = policy_in_force(key, now=T0)
    engineer = agent()
    for status, spec in policy.statuses.items():
        if spec.category in ("new", "closed", "solved"):
            continue
        ticket = ticket_create(new=NewTicket(organisation=org, requester=requester,
                                             subject="x", description="x", channel="email"),
                               now=T0)
        ticket_update(ticket=ticket, actor=Actor(channel="web", agent=engineer),
                      change=Change(status=status), expected_version=None, now=T0)

        message = ticket_customer_reply(ticket=ticket, actor=Actor(channel="email",
                                        contact=requester), body="any news?",
                                        now=T0 + timedelta(minutes=5))

        assert message.ticket.status == sla.status_after_customer_reply(policy, status)
        assert Ticket.objects.get(pk=ticket.pk).status == message.ticket.status


# --- no second copy ------------------------------------------------------------------------


def _django_side() -> list[Path]:
    """The desk's apps and doors (the command line's ``policy simulate`` builds a Location
    from its own arguments, not from an organisation)."""
    apps = ("accounts", "tickets", "versions", "portal", "console", "api", "web")
    return [p for app in apps for p in (SOURCE / app).rglob("*.py")
            if "migrations" not in p.parts] + [SOURCE / "demo.py", SOURCE / "sanitise.py"]


def _calls(path: Path, name: str) -> int:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sum(1 for node in ast.walk(tree) if isinstance(node, ast.Call) and (
        getattr(node.func, "id", None) == name or getattr(node.func, "attr", None) == name))


def _reads(path: Path, attribute: str) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.Attribute) and node.attr == attribute
               for node in ast.walk(tree))


def test_each_rule_has_one_home():
    where = {
        # "the policy for this organisation now": versions.policies.policy_in_force
        "policy_version_current": {"versions/policies.py"},
        # the organisation's Location: accounts.models.Organisation.location
        "Location": {"accounts/models.py"},
        # the HTML sanitiser: pledgedesk.sanitise
        "Cleaner": {"sanitise.py"},
    }
    for name, homes in where.items():
        found = {str(p.relative_to(SOURCE)) for p in _django_side() if _calls(p, name)}
        assert found <= homes, (name, found - homes)
    moves = [str(p.relative_to(SOURCE)) for p in SOURCE.rglob("*.py")
             if _reads(p, "customer_reply_moves_to")]
    # Checked by the policy package's validation, followed only by the SLA engine.
    assert sorted(moves) == ["policy/validate.py", "sla/engine.py"]
    plan_rules = [str(p.relative_to(SOURCE)) for p in _django_side()
                  if re.search(r"^def _?ticket_plan\(", p.read_text(encoding="utf-8"), re.M)]
    assert plan_rules == ["tickets/intake.py"]
    assert settings.PLEDGEDESK_POLICY_DIR  # the seeds the behaviour tests above run on


def _atomics(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "attr", None) == "atomic"]


def test_no_door_opens_a_transaction_and_every_ticket_service_owns_its_own():
    doors = [p for app in ("portal", "console", "api", "web") for p in (SOURCE / app).rglob("*.py")]
    assert [str(p.relative_to(SOURCE)) for p in doors if _atomics(p)] == []
    services = _atomics(SOURCE / "tickets" / "services.py")
    assert services
    # Durable, or (ticket_create and ticket_customer_reply, through _intake_transaction) a
    # savepoint only inside intake_batch, itself one durable transaction a door cannot wrap.
    assert all(any(k.arg == "durable" and (getattr(k.value, "value", None) is True
                                           or ast.unparse(k.value) == "not _in_batch.get()")
                   for k in call.keywords) for call in services)
