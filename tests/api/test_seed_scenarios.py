"""The seed promises, driven through the API end to end (RK-2, RK-3, RK-7, FG-10, RL-7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pledgedesk import clock
from pledgedesk.accounts.models import AccessGrant, Contact
from pledgedesk.tickets.models import Ticket, TicketRefusal
from tests.api.conftest import FG, RK, RL, Api, token_for
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def timers(body: dict) -> dict:
    return {t["metric"]: t for t in body["timers"]}


@pytest.fixture
def at_t0():
    with clock.use(clock.FixedClock(T0)) as fixed:
        yield fixed


@pytest.fixture
def rk(db, at_t0):
    org = organisation(RK)
    admin = contact(org, role="administrator", login=True)
    someone = contact(org, login=True)
    return org, Api(token_for(admin.user)), Api(token_for(someone.user)), admin, \
        Api(token_for(agent().user))


def test_rk2_red_ticket_from_a_non_administrator_without_the_administrator_is_flagged(rk):
    _, _, someone, _, engineer = rk

    created = someone.post("tickets", {"subject": "Everything is down",
                                       "description": "No user can log in",
                                       "priority": "red"}).json()
    seen = engineer.get(f"tickets/{created['number']}").json()

    assert seen["internal"]["administrator_not_included"] is True
    assert seen["internal"]["exclusions"] == ["administrator_not_included"]
    assert timers(seen)["resolution"]["state"] == "excluded"
    assert timers(created)["resolution"]["state"] == "excluded"  # contacts see the state
    assert created["internal"] is None  # but not the reason


def test_rk2_administrator_in_cc_is_not_flagged(rk):
    _, _, someone, admin, engineer = rk

    created = someone.post("tickets", {"subject": "Down", "priority": "red",
                                       "cc": [admin.pk]}).json()

    seen = engineer.get(f"tickets/{created['number']}").json()
    assert seen["internal"]["exclusions"] == []
    # RK-3: RED resolves within 1 business day: Monday 09:00 -> Tuesday 09:00 Central.
    assert timers(seen)["resolution"]["due_at"] == "2026-01-06T15:00:00+00:00"


def test_priority_change_mid_ticket_moves_the_due_instant_from_the_original_start(rk, at_t0):
    _, admin, _, _, engineer = rk
    created = admin.post("tickets", {"subject": "Reports", "priority": "yellow"}).json()
    # YELLOW: 1-3 business days: goal Tuesday 09:00, limit Thursday 09:00 Central.
    assert timers(created)["resolution"]["due_at"] == "2026-01-08T15:00:00+00:00"
    assert timers(created)["resolution"]["goal_at"] == "2026-01-06T15:00:00+00:00"
    at_t0.advance(hours=2)

    changed = engineer.patch(f"tickets/{created['number']}",
                             {"priority": "red", "version": created["version"]}).json()

    # RED: 1 business day from the original start (Monday 09:00), not from the change.
    assert changed["priority"] == "red"
    assert timers(changed)["resolution"]["due_at"] == "2026-01-06T15:00:00+00:00"


def test_pending_pauses_resolution_and_the_customer_reply_resumes_it(rk, at_t0):
    _, admin, _, _, engineer = rk
    created = admin.post("tickets", {"subject": "Down", "priority": "red"}).json()
    n = created["number"]
    at_t0.advance(hours=1)

    pending = engineer.post(f"tickets/{n}/replies", {"body": "Screenshot please?",
                                                     "status": "pending"}).json()["ticket"]
    at_t0.advance(hours=2)
    resumed = admin.post(f"tickets/{n}/replies", {"body": "Here"}).json()["ticket"]

    assert timers(pending)["resolution"]["state"] == "paused"
    assert resumed["status"] == "open"
    assert timers(resumed)["resolution"]["state"] == "running"
    # One business day plus the two paused hours: Tuesday 11:00 Central.
    assert timers(resumed)["resolution"]["due_at"] == "2026-01-06T17:00:00+00:00"
    agent_view = engineer.get(f"tickets/{n}/timers").json()
    resolution = next(t for t in agent_view if t["metric"] == "resolution")
    assert resolution["internal"]["paused_seconds"] == 2 * 3600


def test_fg10_unauthorised_requester_is_held_until_the_primary_contact_confirms(db, at_t0):
    org = organisation(FG, timezone="America/Chicago", country="US")
    primary = contact(org, role="primary", login=True)
    stranger = contact(org, login=True)
    as_stranger, as_primary = Api(token_for(stranger.user)), Api(token_for(primary.user))

    held = as_stranger.post("tickets", {"subject": "Fax down", "description": "Details",
                                        "priority": "medium"})

    assert held.status_code == 201
    body = held.json()
    assert body["hold"] == Ticket.Hold.AWAITING_AUTHORISATION
    assert {t["state"] for t in body["timers"]} == {"not_applicable"}
    assert AccessGrant.objects.get(contact=stranger).state == AccessGrant.State.PENDING
    # The primary contact sees the held request (whole organisation) and confirms it.
    queue = as_primary.get("tickets").json()["items"]
    assert [t["number"] for t in queue] == [body["number"]]
    at_t0.advance(hours=3)
    confirmed = as_primary.post(f"tickets/{body['number']}/authorisation", {"approve": True})

    assert confirmed.status_code == 200
    assert confirmed.json()["hold"] == ""
    first = timers(confirmed.json())["first_response"]
    assert first["state"] == "running"
    # FG-7: callback within 2 business hours of the confirmation (12:00 -> 14:00 Central).
    assert first["due_at"] == (T0 + 5 * H).isoformat()
    assert AccessGrant.objects.get(contact=stranger).state == AccessGrant.State.CONFIRMED


def test_fg10_the_requester_cannot_authorise_their_own_request(db, at_t0):
    org = organisation(FG, timezone="America/Chicago", country="US")
    contact(org, role="primary")
    stranger = contact(org, login=True)
    api = Api(token_for(stranger.user))
    number = api.post("tickets", {"subject": "Fax down"}).json()["number"]

    response = api.post(f"tickets/{number}/authorisation", {"approve": True})

    assert response.status_code == 403
    assert Ticket.objects.get(number=number).hold == Ticket.Hold.AWAITING_AUTHORISATION


def test_rl7_banned_requester_is_refused_and_the_refusal_kept(db, at_t0):
    org = organisation(RL)
    abuser = contact(org, login=True)
    Contact.objects.filter(pk=abuser.pk).update(banned_at=T0, ban_reason="abusive language")

    response = Api(token_for(abuser.user)).post("tickets", {"subject": "Again",
                                                            "description": "x"})

    assert response.status_code == 403
    assert response.json() == {"code": "refused", "field": "requester",
                               "message": "requester is banned: abusive language"}
    assert not Ticket.objects.exists()
    assert TicketRefusal.objects.get().subject == "Again"


def test_rl7_an_agent_cannot_open_a_ticket_for_a_banned_requester_either(db, at_t0):
    org = organisation(RL)
    abuser = contact(org)
    Contact.objects.filter(pk=abuser.pk).update(banned_at=T0, ban_reason="phishing")

    response = Api(token_for(agent().user)).post("tickets", {
        "subject": "Forwarded", "organisation": org.pk, "requester": abuser.pk,
        "channel": "email"})

    assert response.status_code == 403
    assert response.json()["code"] == "refused"
    assert not Ticket.objects.exists()


def test_pr1_the_api_channel_is_used_where_the_policy_offers_it(db):
    with clock.use(clock.FixedClock(datetime(2026, 1, 5, 10, 0, tzinfo=UTC))):
        org = organisation("crm-regional", timezone="Europe/London", country="GB")
        person = contact(org, login=True)
        created = Api(token_for(person.user)).post("tickets", {"subject": "Widget"})

    assert created.status_code == 201, created.content
    assert created.json()["channel"] == "api"
