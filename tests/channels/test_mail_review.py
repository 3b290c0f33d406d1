"""channels.review and review_selectors (issue 14): quarantined and held inbound mail waits for
a person, who reprocesses it after a fix, releases an unknown sender's message as a contact's,
or refuses it (support lead, administrators); FG-10 holds wait for the primary contact alone.
The raw bytes survive every decision."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledgedesk.accounts.models import Contact, ContactEmail
from pledgedesk.channels import services as inbound
from pledgedesk.channels.models import InboundMessage
from pledgedesk.channels.review import mail_refuse, mail_release, mail_reprocess
from pledgedesk.channels.review_selectors import mail_actions, mail_raw, mail_waiting
from pledgedesk.channels.services import inbound_process, inbound_store
from pledgedesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pledgedesk.tickets.models import Ticket
from tests.channels.mails import mail
from tests.factories import T0, agent, contact, organisation

pytestmark = pytest.mark.django_db

RK = "crm-severity-colours"
FG = "fax-server-24x7"
LATER = T0 + timedelta(hours=1)


def take(raw: bytes, *, now=T0):
    row, _ = inbound_store(raw=raw, mailbox="pipe", now=now)
    return inbound_process(message_id=row.pk, now=now)


def quarantined(monkeypatch, sender: str):
    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(inbound, "ticket_create", broken)
    outcome = take(mail(sender=sender, message_id="<broken@example.com>"))
    monkeypatch.undo()
    assert outcome.outcome == "quarantined"
    return outcome


@pytest.fixture
def fg10_hold():
    org = organisation(FG, timezone="America/Chicago", country="US")
    contact(org, role="primary", name="Pia Primary")
    outcome = take(mail(sender=contact(org).emails.first().address,
                        message_id="<fg10@example.com>", subject="Fax is down"))
    assert outcome.outcome == "held" and outcome.ticket is not None
    return outcome


def test_lists_quarantined_and_held_mail_newest_first_with_their_actions(monkeypatch,
                                                                         fg10_hold):
    org = organisation(RK)
    broken = quarantined(monkeypatch, contact(org).emails.first().address)
    unknown = take(mail(sender="stranger@example.com", message_id="<s@example.com>"),
                   now=LATER)

    held = mail_waiting(kind="held")
    [quarantine] = mail_waiting(kind="quarantined")

    assert [r.pk for r in held] == [unknown.row, fg10_hold.row]
    assert [mail_actions(r) for r in held] == [("reprocess", "release", "refuse"), ()]
    assert (quarantine.pk, quarantine.reason) == (broken.row, "RuntimeError: database hiccup")
    assert mail_actions(quarantine) == ("reprocess", "refuse")


def test_an_fg10_hold_leaves_the_list_once_the_primary_contact_decided(fg10_hold):
    Ticket.objects.filter(number=fg10_hold.ticket).update(hold="")

    assert mail_waiting(kind="held") == []


def test_reprocess_after_the_fix_opens_the_ticket_and_keeps_the_bytes(monkeypatch):
    org = organisation(RK)
    broken = quarantined(monkeypatch, contact(org).emails.first().address)
    raw = mail_raw(broken.row)

    outcome = mail_reprocess(message_id=broken.row, now=LATER)

    assert outcome.outcome == "created" and outcome.ticket is not None
    assert mail_raw(broken.row) == raw and b"Printer on fire" in raw
    assert mail_waiting(kind="quarantined") == []


def test_release_makes_the_unknown_sender_a_contact_and_opens_their_ticket():
    org = organisation(RK)
    held = take(mail(sender="New.Person@example.com"))

    outcome = mail_release(message_id=held.row, organisation=org, name=" Nia New ", now=LATER)

    ticket = Ticket.objects.get(number=outcome.ticket)
    assert outcome.outcome == "created"
    assert (ticket.requester.name, ticket.requester.organisation) == ("Nia New", org)
    assert ticket.requester.emails.get().address == "new.person@example.com"


def test_release_goes_through_intake_so_fg10_holds_it_for_the_primary_contact():
    org = organisation(FG, timezone="America/Chicago", country="US")
    contact(org, role="primary")
    held = take(mail(sender="temp@example.com"))

    outcome = mail_release(message_id=held.row, organisation=org, name="", now=LATER)

    assert outcome.outcome == "held"  # now FG-10's hold, with its ticket
    assert Ticket.objects.get(number=outcome.ticket).hold == Ticket.Hold.AWAITING_AUTHORISATION
    assert Contact.objects.get(emails__address="temp@example.com").name == "temp@example.com"


def test_release_needs_an_organisation_unless_the_sender_became_a_contact_meanwhile():
    org = organisation(RK)
    held = take(mail(sender="late@example.com"))

    with pytest.raises(InvalidInput) as refused:
        mail_release(message_id=held.row, organisation=None, name="", now=LATER)
    assert refused.value.field == "organisation"

    ContactEmail.objects.create(contact=contact(org), address="late@example.com")
    outcome = mail_release(message_id=held.row, organisation=None, name="", now=LATER)
    assert outcome.outcome == "created"
    assert Contact.objects.filter(emails__address__iexact="late@example.com").count() == 1


def test_refuse_is_for_the_support_lead_and_administrators_and_keeps_the_message():
    held = take(mail(sender="spam@example.com"))
    engineer, lead = agent(), agent(roles=("support_lead",), name="Lee Lead")

    with pytest.raises(PermissionDenied):
        mail_refuse(message_id=held.row, agent=engineer, reason="spam", now=LATER)
    with pytest.raises(InvalidInput):
        mail_refuse(message_id=held.row, agent=lead, reason="  ", now=LATER)
    outcome = mail_refuse(message_id=held.row, agent=lead, reason="spam", now=LATER)

    row = InboundMessage.objects.get(pk=held.row)
    assert (outcome.outcome, outcome.reason) == ("refused", "refused by Lee Lead on review: spam")
    assert (row.state, row.processed_at) == ("refused", LATER)
    assert mail_raw(held.row) is not None and b"spam@example.com" in mail_raw(held.row)
    assert mail_waiting(kind="held") == []
    with pytest.raises(NotFound):  # refused is final: no longer waiting
        mail_reprocess(message_id=held.row, now=LATER)


def test_agents_cannot_decide_an_fg10_hold(fg10_hold):
    admin = agent(roles=("administrator",))

    for act in (lambda: mail_reprocess(message_id=fg10_hold.row, now=LATER),
                lambda: mail_release(message_id=fg10_hold.row, organisation=None, name="",
                                     now=LATER),
                lambda: mail_refuse(message_id=fg10_hold.row, agent=admin, reason="no",
                                    now=LATER)):
        with pytest.raises(Conflict) as refused:
            act()
        assert "primary contact" in refused.value.message
    assert Ticket.objects.get(number=fg10_hold.ticket).hold == "awaiting_authorisation"


def test_a_processed_message_is_not_waiting():
    org = organisation(RK)
    created = take(mail(sender=contact(org).emails.first().address))

    with pytest.raises(NotFound):
        mail_reprocess(message_id=created.row, now=LATER)
    with pytest.raises(NotFound):
        mail_reprocess(message_id=999999, now=LATER)
