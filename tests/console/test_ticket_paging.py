"""Issue 20: a long ticket's page shows the newest messages and events first, a page of each;
"Earlier messages" / "Earlier events" load the next older page as an htmx fragment, so a
500-event ticket costs what a short one does. The queue's rows, now written in Python, escape
what they show."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pledgedesk.console.selectors import TICKET_PAGE_SIZE
from pledgedesk.tickets.services import Actor, ticket_customer_reply, ticket_note
from tests.pages import NOW, RK, as_agent, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db

NOTES = 2 * TICKET_PAGE_SIZE + 5


@pytest.fixture
def long_ticket():
    org = organisation(RK, timezone="America/Chicago", country="US")
    maria = staff()
    ticket = open_ticket(org, person(org, role="administrator"))
    for n in range(NOTES):
        ticket_note(ticket=ticket, actor=as_agent(maria), body=f"note-{n:03d}",
                    expected_version=None, now=NOW + timedelta(minutes=n + 1))
    return ticket, maria


def notes_in(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"note-(\d{3})", html)]


def earlier_link(html: str, what: str) -> str | None:
    found = re.search(rf'hx-get="([^"]+)"[^>]*>Earlier {what}</button>', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_conversation_shows_the_newest_page_first_and_pages_back_to_the_start(
        client, long_ticket, at_now):
    ticket, maria = long_ticket
    client.force_login(maria.user)

    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()
    seen = notes_in(page)
    assert seen == list(range(NOTES - 1, NOTES - 1 - TICKET_PAGE_SIZE, -1))  # newest first
    link = earlier_link(page, "messages")
    while link:
        fragment = client.get(link, headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
        seen += notes_in(fragment.content.decode())
        link = earlier_link(fragment.content.decode(), "messages")

    assert seen == list(range(NOTES - 1, -1, -1))  # each message once, in order


def test_the_history_pages_back_to_the_ticket_being_created(client, long_ticket, at_now):
    ticket, maria = long_ticket
    client.force_login(maria.user)

    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()
    history = page[page.index('id="hist-h"'):]
    shown = history.count("<li><time")
    link = earlier_link(history, "events")
    created = "Ticket created via" in history
    while link:
        fragment = client.get(link).content.decode()
        shown += fragment.count("<li><time")
        created = created or "Ticket created via" in fragment
        link = earlier_link(fragment, "events")

    assert shown == ticket.events.count() and created
    assert history.count("<li><time") == TICKET_PAGE_SIZE


def test_the_page_of_a_long_ticket_is_bounded(client, long_ticket, at_now,
                                              django_assert_max_num_queries):
    ticket, maria = long_ticket
    client.force_login(maria.user)

    with django_assert_max_num_queries(21):
        page = client.get(f"/console/tickets/{ticket.number}/").content.decode()

    assert len(notes_in(page)) == TICKET_PAGE_SIZE


def test_earlier_rejects_another_tickets_row_and_a_malformed_id(client, long_ticket, at_now):
    ticket, maria = long_ticket
    other = open_ticket(ticket.organisation, ticket.requester, subject="Another")
    foreign = other.events.first().pk
    client.force_login(maria.user)
    base = f"/console/tickets/{ticket.number}"

    assert client.get(f"{base}/history/?before={foreign}").status_code == 404
    assert client.get(f"{base}/conversation/?before={foreign}").status_code == 404
    bad = client.get(f"{base}/history/?before=x%00")
    assert bad.status_code == 400 and b"before" in bad.content
    assert client.get(f"{base}/conversation/").status_code == 400


def test_earlier_needs_a_signed_in_agent(client, long_ticket, at_now):
    ticket, _ = long_ticket
    newest = ticket.messages.order_by("-id").first().pk

    response = client.get(f"/console/tickets/{ticket.number}/conversation/?before={newest}")

    assert response.status_code == 302 and "/console/sign-in/" in response["Location"]


def test_queue_rows_escape_what_they_show(client, at_now):
    org = organisation(RK, name='Acme <b>"&', timezone="America/Chicago", country="US")
    maria = staff()
    open_ticket(org, person(org, role="administrator", name="<i>Ann</i>"),
                subject='<script>alert("x")</script>')
    client.force_login(maria.user)

    for headers in ({}, {"HX-Request": "true"}):
        page = client.get("/console/", headers=headers).content.decode()
        assert "<script>alert" not in page and "<i>Ann" not in page and "<b>" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
        assert "&lt;i&gt;Ann&lt;/i&gt;" in page and "Acme &lt;b&gt;&quot;&amp;" in page


def test_the_ticket_page_escapes_names_and_file_names_it_builds_in_python(client, at_now):
    org = organisation(RK, timezone="America/Chicago", country="US")
    maria = staff(name="<i>Ann</i>")
    bob = person(org, role="administrator", name='<b>Bob</b> "&')
    ticket = open_ticket(org, bob)
    ticket_note(ticket=ticket, actor=as_agent(maria), body="Looking.", expected_version=None,
                now=NOW + timedelta(minutes=1))
    ticket_customer_reply(ticket=ticket, actor=Actor(channel="portal", contact=bob),
                          body="More.", now=NOW + timedelta(minutes=2),
                          files=[SimpleUploadedFile('<u x="1">log&.txt', b"trace")])
    client.force_login(maria.user)

    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()

    assert "<i>Ann" not in page and "<b>Bob" not in page and "<u x" not in page
    assert page.count("&lt;i&gt;Ann&lt;/i&gt;") >= 2  # the note's author, the history's actor
    assert "&lt;b&gt;Bob&lt;/b&gt; &quot;&amp;" in page
    file = ticket.attachments.get()
    link = f'<a href="/console/tickets/{ticket.number}/attachments/{file.pk}/" download>'
    assert f"{link}&lt;u x=&quot;1&quot;&gt;log&amp;.txt</a>" in page
    assert client.get(f"/console/tickets/{ticket.number}/attachments/{file.pk}/")\
        .status_code == 200
