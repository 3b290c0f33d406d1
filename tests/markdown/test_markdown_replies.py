"""Markdown in what agents write (issue 16): rendered by markdown-it-py, cleaned by the one
cleaner, bare links made clickable with rel nofollow noopener; raw HTML and javascript: links
stay inert; the mail's text part is the text as typed; customers' messages are not Markdown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.api.render import message_out
from pledgedesk.channels.models import OutboundMessage
from pledgedesk.markdown_replies import markdown_html
from pledgedesk.tickets.models import Message
from pledgedesk.tickets.services import Actor, ticket_customer_reply, ticket_reply
from tests.outbox.helpers import drain
from tests.pages import NOW, RK, as_agent, open_ticket, organisation, person, staff

pytestmark = pytest.mark.django_db
BODY = ("Hi **Dana**,\nsee https://example.com/kb?id=1 or [this](javascript:alert(1)).\n\n"
        "- step one\n- step two\n\n<img src=x onerror=alert(1)>")


def test_markdown_is_rendered_linkified_and_cleaned():
    html = markdown_html(BODY)
    assert "<strong>Dana</strong>,<br>" in html
    assert ('<a href="https://example.com/kb?id=1" rel="noopener noreferrer nofollow">'
            "https://example.com/kb?id=1</a>") in html
    assert "<ul>\n<li>step one</li>" in html
    assert 'href="javascript' not in html  # left as text, never a link
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.fixture
def replied():
    org = organisation(RK, timezone="America/Chicago", country="US")
    admin = person(org, role="administrator", name="Dana")
    maria = staff(name="Maria")
    ticket = open_ticket(org, admin)
    ticket_reply(ticket=ticket, actor=as_agent(maria), body=BODY, expected_version=None,
                 now=NOW + timedelta(minutes=1))
    ticket_customer_reply(ticket=ticket, actor=Actor(channel="portal", contact=admin),
                          body="Thanks **a lot**", now=NOW + timedelta(minutes=2))
    return ticket, maria


def test_the_console_the_api_and_the_mail_show_an_agents_markdown(client, replied, at_now):
    ticket, maria = replied
    client.force_login(maria.user)
    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert "<strong>Dana</strong>" in page and 'rel="noopener noreferrer nofollow"' in page
    assert "Thanks **a lot**" in page  # the customer's text is not Markdown

    reply = Message.objects.get(ticket=ticket, author_agent=maria)
    out = message_out(reply, agent=True)
    assert out.body == BODY and "<li>step two</li>" in out.body_html

    drain(now=NOW + timedelta(minutes=3))
    mail = OutboundMessage.objects.get(ticket=ticket, kind=OutboundMessage.Kind.REPLY)
    assert "Hi **Dana**," in mail.text and "- step one" in mail.text  # readable as typed
    assert "<strong>Dana</strong>" in mail.html and "<li>step one</li>" in mail.html
    assert "<img" not in mail.html
