"""Drafts per agent and ticket, kept on the server as the agent types (htmx), found again
after a reload or on another device, private to their agent, cleared when sent."""

import re
from datetime import timedelta

import pytest

from pledgedesk.errors import InvalidInput
from pledgedesk.workspace.models import Draft
from pledgedesk.workspace.services import draft_save
from tests.pages import NOW, RK, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    org = organisation(RK, timezone="America/Chicago", country="US")
    admin = person(org, role="administrator")
    return org, staff(name="Maria Lopez"), open_ticket(org, admin, priority="red")


def type_draft(client, ticket, body, kind="reply"):
    return client.post(f"/console/tickets/{ticket.number}/draft/",
                       {"kind": kind, "body": body}, HTTP_HX_REQUEST="true")


def test_typing_keeps_a_draft_that_a_reload_shows(client, desk, at_now):
    _, maria, ticket = desk
    client.force_login(maria.user)

    response = type_draft(client, ticket, "Dear Ada, we found")
    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()

    assert response.status_code == 200
    assert "Draft saved" in response.content.decode()
    assert "Dear Ada, we found</textarea>" in page


def test_the_textarea_saves_by_htmx_debounced_without_inline_script(client, desk, at_now):
    _, maria, ticket = desk
    client.force_login(maria.user)

    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()

    assert f'hx-post="/console/tickets/{ticket.number}/draft/"' in page
    assert 'hx-trigger="input changed delay:800ms"' in page
    assert "<script>" not in page and " onclick=" not in page


def test_a_draft_follows_the_agent_to_another_device(client, desk, at_now):
    from django.test import Client

    _, maria, ticket = desk
    client.force_login(maria.user)
    type_draft(client, ticket, "Started on my laptop", kind="note")
    phone = Client()
    phone.force_login(maria.user)

    page = phone.get(f"/console/tickets/{ticket.number}/").content.decode()

    assert "Started on my laptop</textarea>" in page
    assert re.search(r'<input type="radio" name="kind" value="note"[^>]*checked', page)


def test_drafts_are_private_to_their_agent(client, desk, at_now):
    _, maria, ticket = desk
    omar = staff(name="Omar Other")
    client.force_login(maria.user)
    type_draft(client, ticket, "Maria's private words")
    client.force_login(omar.user)

    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()

    assert "Maria's private words" not in page


def test_sending_clears_the_draft(client, desk, at_now):
    _, maria, ticket = desk
    client.force_login(maria.user)
    type_draft(client, ticket, "Final answer")

    client.post(f"/console/tickets/{ticket.number}/compose/",
                {"kind": "reply", "body": "Final answer", "version": ticket.version})

    assert not Draft.objects.filter(agent=maria, ticket=ticket).exists()


def test_emptying_the_box_deletes_the_draft(client, desk, at_now):
    _, maria, ticket = desk
    client.force_login(maria.user)
    type_draft(client, ticket, "oops")

    type_draft(client, ticket, "   ")

    assert not Draft.objects.exists()


def test_a_later_save_replaces_the_draft(desk):
    _, maria, ticket = desk
    draft_save(agent=maria, ticket=ticket, kind="reply", body="one", now=NOW)

    draft_save(agent=maria, ticket=ticket, kind="reply", body="two",
               now=NOW + timedelta(seconds=5))

    draft = Draft.objects.get()
    assert (draft.body, draft.updated_at) == ("two", NOW + timedelta(seconds=5))


def test_an_unknown_kind_is_refused(desk):
    _, maria, ticket = desk

    with pytest.raises(InvalidInput) as refused:
        draft_save(agent=maria, ticket=ticket, kind="tweet", body="x", now=NOW)

    assert refused.value.field == "kind"


def test_nobody_signed_out_keeps_a_draft(client, desk, at_now):
    _, maria, ticket = desk
    client.force_login(maria.user)
    assert type_draft(client, ticket, "fine").status_code == 200
    client.logout()

    response = client.post(f"/console/tickets/{ticket.number}/draft/", {"body": "x"})

    assert response.status_code == 302  # to the sign-in page, nothing kept
    assert Draft.objects.get().body == "fine"
