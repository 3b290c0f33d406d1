"""Issue 16's demo bugs on the ticket page: a customer reply arriving while an agent types
no longer makes the agent's Send fail (it goes through, with a notice of what the customer
wrote); properties keep a per-field conflict check whose page keeps the agent's input and
re-applies it on the current version; one submit sends the reply with property changes;
"Save changes" keeps a half-written reply."""

from datetime import timedelta

import pytest

from pledgedesk.tickets.models import Message, Ticket
from pledgedesk.tickets.services import Actor, Change, ticket_customer_reply, ticket_update
from pledgedesk.workspace.models import Draft
from tests.pages import NOW, RK, as_agent, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    org = organisation(RK, timezone="America/Chicago", country="US")
    admin = person(org, role="administrator", name="Ada Admin")
    maria = staff(name="Maria Lopez")
    return org, admin, maria, open_ticket(org, admin, priority="red")


def loaded_form(ticket, **extra) -> dict:
    """What the ticket page posts, as it was when the agent loaded it."""
    ticket.refresh_from_db()
    seen = ticket.messages.order_by("-pk").values_list("pk", flat=True).first() or 0
    props = {"status": ticket.status, "priority": ticket.priority,
             "assignee": str(ticket.assignee_id or ""),
             "group": ticket.group.key if ticket.group else ""}
    return {"kind": "reply", "body": "", "version": ticket.version, "seen": seen, **props,
            **{f"was_{k}": v for k, v in props.items()}, **extra}


def customer_writes(ticket, admin, body, at=NOW + timedelta(minutes=1)):
    ticket_customer_reply(ticket=Ticket.objects.get(pk=ticket.pk),
                          actor=Actor(channel="portal", contact=admin), body=body, now=at)


def test_a_reply_goes_through_after_a_customer_reply_with_a_notice_of_it(client, desk, at_now):
    _, admin, maria, ticket = desk
    client.force_login(maria.user)
    form = loaded_form(ticket, body="Restart the service, please.")
    customer_writes(ticket, admin, "Also, the printer now beeps twice.")

    response = client.post(f"/console/tickets/{ticket.number}/compose/", form, follow=True)

    assert response.status_code == 200
    reply = Message.objects.get(ticket=ticket, author_agent=maria)
    assert reply.body == "Restart the service, please."
    page = response.content.decode()
    assert "Meanwhile, Ada Admin wrote" in page
    assert "the printer now beeps twice" in page
    assert "changed since you loaded it" not in page


def test_a_reply_from_a_client_sending_only_a_stale_version_still_goes_through(
        client, desk, at_now):
    _, admin, maria, ticket = desk
    client.force_login(maria.user)
    stale = ticket.version
    customer_writes(ticket, admin, "Any news?")

    response = client.post(f"/console/tickets/{ticket.number}/compose/",
                           {"kind": "reply", "body": "Working on it.", "version": stale})

    assert response.status_code == 302
    assert Message.objects.filter(ticket=ticket, author_agent=maria).count() == 1


def test_a_property_change_someone_else_made_meanwhile_is_a_conflict_keeping_the_input(
        client, desk, at_now):
    _, _, maria, ticket = desk
    client.force_login(maria.user)
    form = loaded_form(ticket, body="Lowering this.", priority="yellow")
    ticket_update(ticket=ticket, actor=as_agent(staff(name="Omar Other")),
                  change=Change(priority="blue"), expected_version=None, now=NOW)

    response = client.post(f"/console/tickets/{ticket.number}/compose/", form)

    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this ticket" in page
    assert "Lowering this." in page  # the reply is kept
    assert 'value="yellow" selected' in page  # the agent's choice is kept
    assert not Message.objects.filter(ticket=ticket, author_agent=maria).exists()
    ticket.refresh_from_db()
    assert ticket.priority == "blue"
    # The page is set to the current version: submitting it again re-applies the choice.
    assert f'name="version" value="{ticket.version}"' in page
    assert 'name="was_priority" value="blue"' in page


def test_resubmitting_the_conflict_page_re_applies_the_input_on_the_current_version(
        client, desk, at_now):
    _, _, maria, ticket = desk
    client.force_login(maria.user)
    form = loaded_form(ticket, body="Lowering this.", priority="yellow")
    ticket_update(ticket=ticket, actor=as_agent(staff()), change=Change(priority="blue"),
                  expected_version=None, now=NOW)
    client.post(f"/console/tickets/{ticket.number}/compose/", form)

    again = loaded_form(ticket, body="Lowering this.", priority="yellow")
    response = client.post(f"/console/tickets/{ticket.number}/compose/", again)

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == "yellow"
    assert Message.objects.filter(ticket=ticket, author_agent=maria).count() == 1


def test_a_change_of_another_property_meanwhile_does_not_block_mine(client, desk, at_now):
    _, _, maria, ticket = desk
    client.force_login(maria.user)
    form = loaded_form(ticket, body="Yellow it is.", priority="yellow")
    ticket_update(ticket=ticket, actor=as_agent(staff()), change=Change(assignee=maria),
                  expected_version=None, now=NOW)

    response = client.post(f"/console/tickets/{ticket.number}/compose/", form)

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.assignee) == ("yellow", maria)


def test_one_submit_sends_the_reply_and_the_property_changes_together(client, desk, at_now):
    _, _, maria, ticket = desk
    client.force_login(maria.user)
    form = loaded_form(ticket, body="Fixed; closing out.", status="solved",
                       assignee=str(maria.pk))

    response = client.post(f"/console/tickets/{ticket.number}/compose/", form)

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == ("solved", maria)
    reply = Message.objects.get(ticket=ticket, author_agent=maria)
    # One transaction: the reply and the changes share the instant and a single version step.
    assert ticket.events.filter(kind="status_changed").get().at == reply.created_at


def test_save_changes_keeps_the_half_written_reply_as_a_draft(client, desk, at_now):
    _, _, maria, ticket = desk
    client.force_login(maria.user)
    form = loaded_form(ticket, body="Half a thought", priority="yellow")

    client.post(f"/console/tickets/{ticket.number}/update/", form)
    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()

    assert Draft.objects.get(agent=maria, ticket=ticket).body == "Half a thought"
    assert "Half a thought</textarea>" in page
    ticket.refresh_from_db()
    assert ticket.priority == "yellow"
    assert not Message.objects.filter(ticket=ticket, author_agent=maria).exists()


def test_a_reply_asking_the_customer_sets_pending_when_the_agent_chooses(client, desk, at_now):
    _, _, maria, ticket = desk
    client.force_login(maria.user)

    client.post(f"/console/tickets/{ticket.number}/compose/",
                loaded_form(ticket, body="Which version do you run?", ask_customer="on"))

    ticket.refresh_from_db()
    assert ticket.status == "pending"
    assert ticket.timers.get(metric="first_response").state == "met"


def test_a_plain_reply_opens_a_new_ticket(client, desk, at_now):
    _, _, maria, ticket = desk
    client.force_login(maria.user)

    client.post(f"/console/tickets/{ticket.number}/compose/",
                loaded_form(ticket, body="On it."))

    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_save_changes_conflict_keeps_the_choices_without_asking_for_a_reply(
        client, desk, at_now):
    _, _, maria, ticket = desk
    client.force_login(maria.user)
    form = loaded_form(ticket, status="on_hold")
    ticket_update(ticket=ticket, actor=as_agent(staff()), change=Change(status="pending"),
                  expected_version=None, now=NOW)

    response = client.post(f"/console/tickets/{ticket.number}/update/", form)

    page = response.content.decode()
    assert response.status_code == 409
    assert "This field is required" not in page
    assert 'value="on_hold" selected' in page
    assert f'formaction="/console/tickets/{ticket.number}/update/"' in page
