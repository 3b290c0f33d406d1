"""FG-8 end to end with an injected clock: an Urgent 24x7 ticket at 02:00 on a Saturday pages
the on-call engineer at once, repeats, goes to the next layer and then to the lead; by email
it pages nobody; the history says "paged" only for what was sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from pledgedesk.channels.services import inbound_process, inbound_store
from pledgedesk.errors import Conflict, NotFound
from pledgedesk.oncall import services, tokens
from pledgedesk.oncall.models import Page, PageNotification
from pledgedesk.outbox.models import Delivery
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Ticket, TicketEvent
from tests.oncall.conftest import SATURDAY_2AM
from tests.outbox.helpers import drain


def _kinds(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket, kind__startswith="page")
                .order_by("at", "id").values_list("kind", flat=True))


def _pages_mailed():
    return [m for m in mail.outbox if m.subject.startswith("[PAGE]")]


def _sent_to():
    return [m.to[0] for m in _pages_mailed()]


def _walk(to):
    services.advance_pages(now=to)
    drain(now=to)


def test_urgent_24x7_after_hours_pages_the_on_call_engineer_then_repeats_then_the_lead(desk):
    ticket = desk.ticket()
    assert _kinds(ticket) == ["page_on_call"]  # intake asks; nobody is paged yet
    assert EventKind.PAGE_ON_CALL.label == "On-call page requested"

    drain(now=SATURDAY_2AM)  # the worker, within the minute

    page = Page.objects.get(ticket=ticket)
    assert page.responders == [desk.eve.pk, desk.fay.pk, desk.lead.pk]
    assert _sent_to() == ["eve@desk.example"]
    assert _kinds(ticket) == ["page_on_call", "page_requested", "page_sent"]
    sent = TicketEvent.objects.get(ticket=ticket, kind="page_sent")
    assert sent.new["agent_name"] == "Eve Engineer" and sent.new["method"] == "email"

    _walk(SATURDAY_2AM + timedelta(minutes=14))
    assert _sent_to() == ["eve@desk.example"]  # still inside the window
    _walk(SATURDAY_2AM + timedelta(minutes=15))
    assert _sent_to() == ["eve@desk.example"] * 2  # the one repeat
    _walk(SATURDAY_2AM + timedelta(minutes=30))
    assert _sent_to()[-1] == "fay@desk.example"  # the next layer
    assert Page.objects.get(pk=page.pk).state == Page.State.ESCALATED
    _walk(SATURDAY_2AM + timedelta(minutes=45))
    assert _sent_to()[-1] == "fay@desk.example"  # her repeat
    _walk(SATURDAY_2AM + timedelta(minutes=60))
    assert _sent_to()[-1] == "lee@desk.example"  # then the lead
    escalations = TicketEvent.objects.filter(ticket=ticket, kind="page_escalated")
    assert [e.new["to_lead"] for e in escalations.order_by("at")] == [False, True]
    _walk(SATURDAY_2AM + timedelta(minutes=75))
    _walk(SATURDAY_2AM + timedelta(minutes=90))
    assert _sent_to() == ["eve@desk.example"] * 2 + ["fay@desk.example"] * 2 + [
        "lee@desk.example"] * 2
    assert _kinds(ticket)[-1] == "page_unanswered"
    assert services.advance_pages(now=SATURDAY_2AM + timedelta(hours=5)) == 0


def test_the_same_ticket_by_email_pages_nobody(desk):
    ticket = desk.ticket(channel="email")
    drain(now=SATURDAY_2AM)
    services.advance_pages(now=SATURDAY_2AM + timedelta(hours=2))
    assert ticket.page_on_call is False
    assert not Page.objects.exists() and _pages_mailed() == []
    assert _kinds(ticket) == []


def test_a_non_urgent_ticket_after_hours_pages_nobody(desk):
    desk.ticket(priority="medium")
    drain(now=SATURDAY_2AM)
    assert not Page.objects.exists() and _pages_mailed() == []


def test_the_history_never_claims_a_page_that_was_not_sent(desk, settings):
    settings.EMAIL_BACKEND = "tests.oncall.test_paging.RefusingBackend"
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    assert _kinds(ticket) == ["page_on_call", "page_requested"]
    row = Delivery.objects.get(topic="page.email")
    assert row.state == Delivery.State.PENDING and "refused" in row.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    drain(now=SATURDAY_2AM + timedelta(minutes=1))
    assert _kinds(ticket) == ["page_on_call", "page_requested", "page_sent"]


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server refused the connection")


def test_a_page_is_opened_once_per_ticket_and_source(desk):
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    again = services.page_on_call(ticket_id=ticket.pk, reason="again", now=SATURDAY_2AM,
                                  source="intake")
    assert Page.objects.filter(ticket=ticket).count() == 1
    assert again.pk == Page.objects.get(ticket=ticket).pk
    assert _sent_to() == ["eve@desk.example"]


def test_acknowledging_stops_repeats_and_an_unsent_repeat_is_not_sent(desk):
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    page = Page.objects.get(ticket=ticket)
    services.advance_pages(now=SATURDAY_2AM + timedelta(minutes=15))  # repeat requested
    services.page_acknowledge(page_id=page.pk, agent=desk.eve, via="console",
                              now=SATURDAY_2AM + timedelta(minutes=16))
    drain(now=SATURDAY_2AM + timedelta(minutes=16))
    _walk(SATURDAY_2AM + timedelta(hours=3))
    assert _sent_to() == ["eve@desk.example"]
    assert _kinds(ticket) == ["page_on_call", "page_requested", "page_sent", "page_requested",
                              "page_acknowledged"]
    skipped = PageNotification.objects.get(page=page, step=2)
    assert skipped.sent_at is None and skipped.skipped_at is not None
    with pytest.raises(Conflict, match="already acknowledged by Eve Engineer"):
        services.page_acknowledge(page_id=page.pk, agent=desk.fay, via="api",
                                  now=SATURDAY_2AM + timedelta(minutes=17))


def _link_token(notification: PageNotification) -> str:
    return tokens.ack_token(notification.key, notification.ack_nonce)


def test_the_acknowledge_link_works_once_for_its_agent_and_expires(desk):
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    first = PageNotification.objects.get(page__ticket=ticket, step=1)
    assert first.ack_digest == tokens.digest(_link_token(first))  # only the digest is kept
    assert _link_token(first) not in str(Delivery.objects.filter(
        topic="page.email").values_list("payload", flat=True)[0])

    page = services.page_acknowledge_by_link(token=_link_token(first),
                                             now=SATURDAY_2AM + timedelta(minutes=3))
    assert page.state == Page.State.ACKNOWLEDGED and page.acknowledged_by == desk.eve
    assert page.acknowledged_via == "link"
    with pytest.raises(Conflict, match="already used"):
        services.page_acknowledge_by_link(token=_link_token(first),
                                          now=SATURDAY_2AM + timedelta(minutes=4))
    with pytest.raises(NotFound):
        services.page_acknowledge_by_link(token="forged", now=SATURDAY_2AM)


def test_an_expired_acknowledge_link_acknowledges_nothing(desk):
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    first = PageNotification.objects.get(page__ticket=ticket, step=1)
    with pytest.raises(Conflict, match="expired"):
        services.page_acknowledge_by_link(
            token=_link_token(first), now=SATURDAY_2AM + services.ACK_LINK_TTL)
    assert Page.objects.get(ticket=ticket).state == Page.State.TRIGGERED


def test_the_mail_has_a_message_id_from_its_delivery_key_and_the_link(desk):
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    message = _pages_mailed()[0]
    first = PageNotification.objects.get(page__ticket=ticket, step=1)
    assert message.extra_headers["Message-ID"].startswith("<page.")
    assert f"/oncall/ack/{_link_token(first)}/" in message.body
    assert f"#{ticket.number}" in message.subject


def test_without_a_schedule_the_history_says_nobody_was_paged(desk):
    desk.schedule.delete()
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    assert _kinds(ticket) == ["page_on_call", "page_unanswered"]
    assert "no on-call schedule" in TicketEvent.objects.get(
        ticket=ticket, kind="page_unanswered").new["why"]
    assert _pages_mailed() == []


def test_resolving_a_page_stops_it(desk):
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    page = Page.objects.get(ticket=ticket)
    services.page_resolve(page_id=page.pk, agent=desk.fay, via="console",
                          now=SATURDAY_2AM + timedelta(minutes=5))
    _walk(SATURDAY_2AM + timedelta(hours=2))
    assert _sent_to() == ["eve@desk.example"]
    with pytest.raises(Conflict):
        services.page_resolve(page_id=page.pk, agent=desk.fay, via="console",
                              now=SATURDAY_2AM + timedelta(minutes=6))


def test_a_mailed_urgent_request_at_night_becomes_a_ticket_and_pages_nobody(desk):
    sender = desk.requester.emails.first().address
    raw = (f"From: {sender}\r\nTo: support@fax.example\r\nSubject: URGENT: all fax lines down"
           "\r\nMessage-ID: <night-1@fax.example>\r\nDate: Sat, 10 Jan 2026 02:00:00 -0600\r\n"
           "\r\nProduction is down, please page someone.\r\n").encode()
    row, _ = inbound_store(raw=raw, mailbox="INBOX", now=SATURDAY_2AM)
    outcome = inbound_process(message_id=row.pk, now=SATURDAY_2AM)
    drain(now=SATURDAY_2AM)
    services.advance_pages(now=SATURDAY_2AM + timedelta(hours=1))
    ticket = TicketEvent.objects.get(kind="created").ticket
    assert ticket.channel == "email" and outcome is not None
    assert not Page.objects.exists() and _pages_mailed() == []
    assert _kinds(ticket) == []


def test_advancing_twice_at_one_instant_takes_one_step(desk):
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    later = SATURDAY_2AM + timedelta(minutes=15)
    assert services.advance_pages(now=later) == 1
    assert services.advance_pages(now=later) == 0  # a second sweep finds nothing due
    drain(now=later)
    drain(now=later)
    assert Page.objects.get(ticket=ticket).step == 2
    assert _sent_to() == ["eve@desk.example"] * 2
    assert TicketEvent.objects.filter(ticket=ticket, kind="page_sent").count() == 2


def test_a_page_whose_ticket_was_solved_stops_at_its_next_step(desk):
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    Ticket.objects.filter(pk=ticket.pk).update(status_category="solved")  # as ticket_update does
    _walk(SATURDAY_2AM + timedelta(minutes=15))
    assert Page.objects.get(ticket=ticket).state == Page.State.RESOLVED
    assert _sent_to() == ["eve@desk.example"]
    assert _kinds(ticket)[-1] == "page_resolved"


def test_an_agent_who_left_is_not_paged(desk):
    desk.eve.active = False
    desk.eve.save(update_fields=["active"])
    ticket = desk.ticket()
    drain(now=SATURDAY_2AM)
    assert Page.objects.get(ticket=ticket).responders == [desk.fay.pk, desk.lead.pk]
    assert _sent_to() == ["fay@desk.example"]
