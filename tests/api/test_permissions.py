"""Every endpoint against every role (MISSION: one object-level permission check).

Roles: an agent; the requester; a contact copied on the ticket; a colleague in the same
organisation (sees only their own tickets); the organisation's Administrator and primary
contact (see all of its tickets); another organisation's contact; an anonymous caller; a
revoked token; a banned contact (RL-7). A ticket the caller may not see is a 404, exactly like
a missing one; visible but not allowed is a 403; no credentials is a 401 before any lookup.
"""

from __future__ import annotations

import pytest

from pledgedesk.tickets.models import Attachment, Message, TicketEvent
from pledgedesk.tickets.services import Actor, ticket_note
from tests.api.conftest import CONTACTS_WHO_SEE, NOW, ROLES, SEES_TICKET

pytestmark = pytest.mark.django_db

UNSEEN = {"colleague": 404, "outsider": 404, "banned": 404, "anonymous": 401, "revoked": 401}


def expect(agent: int, contact: int) -> dict[str, int]:
    """Expected status per role for an endpoint on the world's ticket."""
    return {"agent": agent, **dict.fromkeys(CONTACTS_WHO_SEE, contact), **UNSEEN}


# (name, method, path under /api/v1/ with {n} for the ticket number, body, expected)
ENDPOINTS = [
    ("detail", "get", "tickets/{n}", None, expect(200, 200)),
    # Version 2: the fixture's upload is a change like any other (issue 12).
    ("patch", "patch", "tickets/{n}", {"priority": "red", "version": 2}, expect(200, 403)),
    ("reply", "post", "tickets/{n}/replies", {"body": "Hello"}, expect(201, 201)),
    ("note", "post", "tickets/{n}/notes", {"body": "Internal"}, expect(201, 403)),
    ("call", "post", "tickets/{n}/calls", {"summary": "Called"}, expect(201, 403)),
    ("messages", "get", "tickets/{n}/messages", None, expect(200, 200)),
    # The world's RK policy offers no customer escalation (PR-6 is the PR seed's promise):
    # refused for everyone who sees the ticket. tests/tickets/test_ability_matrix.py covers the
    # policies that offer it.
    ("escalation", "post", "tickets/{n}/escalation", {"reason": "Blocking"}, expect(403, 403)),
    # Not solved: everyone who sees it gets the conflict, nobody else learns it exists.
    ("reopen", "post", "tickets/{n}/reopen", None, expect(409, 409)),
    ("exclusion", "post", "tickets/{n}/exclusions", {"reason": "peak_period"},
     expect(200, 403)),
    # Issue 12's account actions: agents only (RL-6, RK-2).
    ("identity", "post", "tickets/{n}/identity", {"method": "call back"}, expect(200, 403)),
    ("cc", "put", "tickets/{n}/cc", {"cc": []}, expect(200, 403)),
    ("timers", "get", "tickets/{n}/timers", None, expect(200, 200)),
    ("events", "get", "tickets/{n}/events", None, expect(200, 200)),
    ("attachments", "get", "tickets/{n}/attachments", None, expect(200, 200)),
    ("upload", "upload", "tickets/{n}/attachments", None, expect(201, 201)),
    ("download", "download", "attachments/{a}", None, expect(200, 200)),
    # Professional Services (issue 17): time and cases are agents' work.
    ("time log", "post", "tickets/{n}/time",
     {"minutes": 30, "worked_on": "2026-01-05", "note": "Call"}, expect(201, 403)),
    ("time list", "get", "tickets/{n}/time", None, expect(200, 403)),
    ("ps case", "post", "tickets/{n}/ps-case", {"reason": "Paid work"}, expect(201, 403)),
    # Satisfaction (issue 16): whoever sees the ticket reads its answer; only its requester
    # answers, and not before Solved (the world's ticket is open: the requester's conflict).
    ("survey", "get", "tickets/{n}/survey", None, expect(200, 200)),
    ("survey answer", "post", "tickets/{n}/survey", {"rating": 4},
     {**expect(403, 403), "requester": 409}),
]


def _call(world, role, method, path, body):
    api = world.api(role)
    attachment = Attachment.objects.filter(ticket=world.ticket).first()
    url = path.format(n=world.ticket.number, a=attachment.pk if attachment else 0)
    if method == "upload":
        return api.upload(url)
    if method in ("get", "download"):
        return api.get(url)
    return getattr(api, method)(url, body)


@pytest.fixture
def with_attachment(world):
    world.api("agent").upload(f"tickets/{world.ticket.number}/attachments")
    return world


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "path", "body", "expected"), ENDPOINTS,
                         ids=[e[0] for e in ENDPOINTS])
def test_endpoint_by_role(with_attachment, role, name, method, path, body, expected):
    world = with_attachment
    events_before = TicketEvent.objects.count()

    response = _call(world, role, method, path, body)

    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert set(response.json()) >= {"code", "message", "field"}
        assert TicketEvent.objects.count() == events_before  # nothing half-written
    if response.status_code in (401, 404):
        # Neither the subject nor anything else of the ticket leaks into the error.
        assert b"Reports are empty" not in response.content


@pytest.mark.parametrize("role", ["primary", "requester", "cc", "administrator", "agent"])
def test_authorisation_is_for_the_primary_contact_of_a_held_ticket_only(world, role):
    # The world's ticket is not held: the primary contact gets the conflict, others a 403.
    response = world.api(role).post(f"tickets/{world.ticket.number}/authorisation",
                                    {"approve": True})

    assert response.status_code == (409 if role == "primary" else 403)


@pytest.mark.parametrize("role", ["colleague", "outsider", "banned", "anonymous", "revoked"])
def test_authorisation_on_an_unseen_ticket_is_not_found(world, role):
    response = world.api(role).post(f"tickets/{world.ticket.number}/authorisation",
                                    {"approve": True})

    assert response.status_code == UNSEEN[role]


@pytest.mark.parametrize("role", ["anonymous", "revoked"])
def test_unauthenticated_callers_get_401_on_every_endpoint(world, role):
    paths = ["tickets", f"tickets/{world.ticket.number}", "tickets/999999", "timers/breaching",
             "attachments/1"]
    for path in paths:
        response = world.api(role).get(path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert world.api(role).post("tickets", {"subject": "x"}).status_code == 401


@pytest.mark.parametrize("role", ["colleague", "outsider", "banned", "requester"])
def test_an_unseen_ticket_and_a_missing_one_look_the_same(world, role):
    seen = world.api(role).get(f"tickets/{world.ticket.number}")
    missing = world.api(role).get("tickets/987654")

    if role == "requester":
        assert seen.status_code == 200
        return
    assert seen.status_code == missing.status_code == 404
    assert seen.json()["code"] == missing.json()["code"] == "not_found"


@pytest.mark.parametrize("role", ROLES)
def test_queue_lists_only_visible_tickets(world, role):
    response = world.api(role).get("tickets")

    if role in ("anonymous", "revoked"):
        assert response.status_code == 401
        return
    assert response.status_code == 200
    numbers = [t["number"] for t in response.json()["items"]]
    assert (world.ticket.number in numbers) == (role in SEES_TICKET)


@pytest.mark.parametrize("role", ROLES)
def test_breaching_timers_are_for_agents(world, role):
    response = world.api(role).get("timers/breaching", {"within": 60 * 24})

    expected = {"agent": 200, "anonymous": 401, "revoked": 401}.get(role, 403)
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_open_a_ticket_by_role(world, role):
    body = {"subject": "New one", "description": "Details"}
    if role == "agent":
        body |= {"organisation": world.org.pk, "requester": world.people["requester"].pk}

    response = world.api(role).post("tickets", body)

    expected = {"anonymous": 401, "revoked": 401, "banned": 403}.get(role, 201)
    assert response.status_code == expected, response.content
    if role == "banned":
        assert response.json()["code"] == "refused"
    if expected == 201:
        organisation = response.json()["organisation"]["id"]
        assert organisation == (world.other_org.pk if role == "outsider" else world.org.pk)


def test_internal_notes_and_internal_events_never_reach_contacts(world):
    engineer = Actor(channel="console", agent=world.people["agent"])
    ticket_note(ticket=world.ticket, actor=engineer, body="Customer is difficult",
                expected_version=None, now=NOW)
    n = world.ticket.number
    world.api("agent").post(f"tickets/{n}/calls", {"summary": "Rang them"})
    world.api("agent").patch(f"tickets/{n}", {"assignee": world.people["agent"].pk,
                                              "tags": ["vip"], "version": 3})

    for role in CONTACTS_WHO_SEE:
        api = world.api(role)
        messages = api.get(f"tickets/{n}/messages").json()
        events = api.get(f"tickets/{n}/events").json()
        detail = api.get(f"tickets/{n}").json()
        text = str(messages) + str(events) + str(detail)
        assert all(m["visibility"] == "public" for m in messages)
        assert "Customer is difficult" not in text and "Rang them" not in text
        kinds = {e["kind"] for e in events}
        assert not kinds & {"internal_note", "call_logged", "assigned", "tags_changed",
                            "exclusion_set"}
        assert detail["internal"] is None
        assert all(t["internal"] is None for t in detail["timers"])
        assert "vip" not in text and "administrator_not_included" not in text
        assert all(m["author"] is None or m["author"]["id"] is None for m in messages)

    agent_messages = world.api("agent").get(f"tickets/{n}/messages").json()
    assert {m["visibility"] for m in agent_messages} == {"public", "internal"}
    agent_detail = world.api("agent").get(f"tickets/{n}").json()
    assert agent_detail["internal"]["tags"] == ["vip"]
    assert agent_detail["internal"]["assignee"]["id"] == world.people["agent"].pk


def test_contact_events_carry_only_public_facts(world):
    events = world.api("requester").get(f"tickets/{world.ticket.number}/events").json()

    created = next(e for e in events if e["kind"] == "created")
    assert "group" not in created["new"] and "plan" not in created["new"]
    assert created["new"]["priority"] == "yellow"


def test_attachment_on_an_internal_note_is_hidden_from_contacts(world):
    engineer = Actor(channel="console", agent=world.people["agent"])
    note = ticket_note(ticket=world.ticket, actor=engineer, body="log", expected_version=None,
                       now=NOW)
    uploaded = world.api("agent").upload(f"tickets/{world.ticket.number}/attachments",
                                         name="server.log").json()
    Attachment.objects.filter(pk=uploaded["id"]).update(message=note)
    assert Message.objects.get(pk=note.pk).visibility == "internal"

    for role in CONTACTS_WHO_SEE:
        listed = world.api(role).get(f"tickets/{world.ticket.number}/attachments").json()
        assert listed == []
        assert world.api(role).get(f"attachments/{uploaded['id']}").status_code == 404
    assert world.api("agent").get(f"attachments/{uploaded['id']}").status_code == 200


# --- Professional Services (issue 17): an organisation's banks and engagements --------------

# Its primary contact and Administrator see them; nobody else of any organisation does.
SEES_ORGANISATION = {"agent", "primary", "administrator"}


@pytest.fixture
def ps_world(world):
    from pledgedesk.proservices.models import Engagement
    from pledgedesk.proservices.services import bank_buy
    bank_buy(organisation=world.org, tier="Gold", starts_on=NOW.date(),
             agent=world.people["agent"], now=NOW)
    for org in (world.org, world.other_org):
        Engagement.objects.create(organisation=org, kind="training", title=f"For {org.name}",
                                  stage="requested", passed=["requested"], created_at=NOW,
                                  stage_changed_at=NOW)
    return world


@pytest.mark.parametrize("role", ROLES)
def test_hour_banks_by_role(ps_world, role):
    own = ps_world.api(role).get(f"organisations/{ps_world.org.pk}/hour-banks")
    other = ps_world.api(role).get(f"organisations/{ps_world.other_org.pk}/hour-banks")

    if role in ("anonymous", "revoked"):
        assert own.status_code == other.status_code == 401
        return
    if role in SEES_ORGANISATION:
        assert own.status_code == 200 and [b["tier"] for b in own.json()] == ["Gold"]
    else:
        assert own.status_code == 404
    # The outsider is the other organisation's Administrator: theirs (no bank yet) only.
    assert other.status_code == (200 if role in ("agent", "outsider") else 404)
    if role == "outsider":
        assert other.json() == []


@pytest.mark.parametrize("role", ROLES)
def test_engagements_by_role(ps_world, role):
    from pledgedesk.proservices.models import Engagement
    listed = ps_world.api(role).get("engagements")
    theirs = Engagement.objects.get(organisation=ps_world.other_org)
    other = ps_world.api(role).get(f"engagements/{theirs.pk}")

    if role in ("anonymous", "revoked"):
        assert listed.status_code == other.status_code == 401
        return
    assert listed.status_code == 200
    titles = sorted(e["title"] for e in listed.json())
    if role == "agent":
        assert titles == ["For Acme <Corp>", "For Other Inc"]
    elif role in SEES_ORGANISATION:
        assert titles == ["For Acme <Corp>"]
    elif role == "outsider":
        assert titles == ["For Other Inc"]
    else:
        assert titles == []
    assert other.status_code == (200 if role in ("agent", "outsider") else 404)


@pytest.mark.parametrize("role", ROLES)
def test_engagement_documents_by_role(ps_world, role):
    """FG-12's documents (issue 17) go to whoever sees the engagement, always as downloads;
    another organisation's look exactly like a missing one."""
    from django.core.files.base import ContentFile

    from pledgedesk.proservices.models import Engagement, EngagementDocument
    docs = {}
    for org in (ps_world.org, ps_world.other_org):
        engagement = Engagement.objects.get(organisation=org)
        doc = EngagementDocument(engagement=engagement, stage="quoted", filename="quote.pdf",
                                 size=4, uploaded_at=NOW)
        doc.file.save("quote.pdf", ContentFile(b"%PDF"), save=True)
        docs[org.pk] = f"engagements/{engagement.pk}/documents/{doc.pk}"
    own = ps_world.api(role).get(docs[ps_world.org.pk])
    other = ps_world.api(role).get(docs[ps_world.other_org.pk])

    unseen = 401 if role in ("anonymous", "revoked") else 404
    assert own.status_code == (200 if role in SEES_ORGANISATION else unseen)
    assert other.status_code == (200 if role in ("agent", "outsider") else unseen)
    for response in (own, other):
        if response.status_code == 200:
            assert response["Content-Disposition"].startswith("attachment;")
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


# --- Inbound mail waiting for a person (issue 14): agents only; refusing is the support
# lead's and administrators', so an engineer's refusal is a 403 like a contact's -------------


@pytest.fixture
def mail_world(world):
    from pledgedesk.channels.services import inbound_process, inbound_store
    from tests.channels.mails import mail
    row, _ = inbound_store(raw=mail(sender="stranger@example.com"), mailbox="pipe", now=NOW)
    assert inbound_process(message_id=row.pk, now=NOW).outcome == "held"
    world.inbound = row.pk
    return world


INBOUND = [
    ("list", "get", "inbound-mail?kind=held", None, 200),
    ("reprocess", "post", "inbound-mail/{m}/reprocess", None, 200),
    ("release", "post", "inbound-mail/{m}/release", {"organisation": None}, 422),
    ("refuse", "post", "inbound-mail/{m}/refuse", {"reason": "spam"}, 403),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "path", "body", "for_agent"), INBOUND,
                         ids=[e[0] for e in INBOUND])
def test_inbound_mail_by_role(mail_world, role, name, method, path, body, for_agent):
    from pledgedesk.channels.models import InboundMessage
    api = mail_world.api(role)
    url = path.format(m=mail_world.inbound)

    response = api.get(url) if method == "get" else api.post(url, body)

    expected = {"agent": for_agent, "anonymous": 401, "revoked": 401}.get(role, 403)
    assert response.status_code == expected, response.content
    if role != "agent":
        assert b"stranger@example.com" not in response.content
        assert InboundMessage.objects.get(pk=mail_world.inbound).state == "held"


# Issue 19: the trends and workload reports are for the support lead and administrators, as
# the console's report pages: every other agent and every contact 403, no credentials 401.
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("report", ("backlog", "time", "trends"))
def test_trend_reports_by_role(world, role, report):
    from tests.api.conftest import Api, token_for
    from tests.pages import staff

    response = world.api(role).get(f"reports/{report}")
    assert response.status_code == (401 if role in ("anonymous", "revoked") else 403)
    lead = Api(token_for(staff(roles=("support_lead",)).user))
    assert lead.get(f"reports/{report}").status_code == 200
