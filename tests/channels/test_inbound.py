"""channels.services: raw-first intake, deduplication, threading, automatic mail and
quarantine, through the real ticket services and the seed policies."""

from datetime import timedelta

import pytest

from pledgedesk.accounts.models import ContactEmail
from pledgedesk.channels import services as inbound
from pledgedesk.channels.models import InboundMessage
from pledgedesk.channels.selectors import inbound_waiting_for_a_person
from pledgedesk.channels.services import (
    GRACE,
    LEASE,
    inbound_process,
    inbound_recover,
    inbound_retry,
    inbound_store,
)
from pledgedesk.tickets.models import Message, Ticket, TicketRefusal
from tests.channels.mails import mail, reply_to
from tests.factories import T0, contact, organisation

pytestmark = pytest.mark.django_db

RK = "crm-severity-colours"
FG = "fax-server-24x7"
RL = "ecommerce-platform"


def address(person) -> str:
    return person.emails.first().address


def take(raw: bytes, *, mailbox="imap://desk@mail/INBOX", now=T0):
    row, created = inbound_store(raw=raw, mailbox=mailbox, now=now)
    assert created
    return inbound_process(message_id=row.pk, now=now)


def test_new_message_from_a_contact_opens_an_email_ticket_with_its_files():
    org = organisation(RK)
    ann = contact(org)
    raw = mail(sender=address(ann), subject="Fwd: Printer on fire",
               attachments=[("log.txt", b"smoke\n", "text", "plain")])

    outcome = take(raw)

    ticket = Ticket.objects.get(number=outcome.ticket)
    assert (outcome.outcome, ticket.channel, ticket.requester, ticket.subject) == (
        "created", "email", ann, "Printer on fire")
    assert [a.filename for a in ticket.attachments.all()] == ["log.txt"]
    row = InboundMessage.objects.get(pk=outcome.row)
    assert bytes(row.raw) == raw  # the original is kept as it arrived
    assert (row.ticket, row.sender, row.mailbox) == (ticket, address(ann), "imap://desk@mail/INBOX")
    assert row.ticket_message.body == "It is on fire."


def test_the_same_message_through_two_mailboxes_is_stored_once():
    org = organisation(RK)
    raw = mail(sender=address(contact(org)))
    take(raw, mailbox="imap://a/INBOX")

    row, created = inbound_store(raw=raw, mailbox="pipe", now=T0 + timedelta(minutes=1))

    assert created is False
    assert row.mailbox == "imap://a/INBOX"
    assert InboundMessage.objects.count() == 1 and Ticket.objects.count() == 1


def test_a_reused_message_id_with_other_content_is_another_message():
    org = organisation(RK)
    ann = contact(org)
    take(mail(sender=address(ann), message_id="<same@x>", subject="One"))
    take(mail(sender=address(ann), message_id="<same@x>", subject="Two", body="other\n"))
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["One", "Two"]


def test_processing_twice_acts_once():
    org = organisation(RK)
    first = take(mail(sender=address(contact(org))))
    again = inbound_process(message_id=first.row, now=T0)
    assert again == first
    assert Ticket.objects.count() == 1


def test_reply_by_in_reply_to_is_appended_without_its_quoted_history():
    org = organisation(RK)
    ann = contact(org)
    opened = take(mail(sender=address(ann), message_id="<first@x>"))
    body = "Still broken.\n\nOn Mon, 5 Jan 2026, Desk wrote:\n> Please restart it.\n"

    outcome = take(reply_to("<first@x>", sender=address(ann), message_id="<second@x>",
                            subject="Re: something else entirely", body=body),
                   now=T0 + timedelta(hours=1))

    assert (outcome.outcome, outcome.ticket) == ("appended", opened.ticket)
    message = InboundMessage.objects.get(pk=outcome.row).ticket_message
    assert message.body == "Still broken."
    assert message.channel == "email" and message.author_contact == ann
    assert b"> Please restart it." in bytes(InboundMessage.objects.get(pk=outcome.row).raw)


def test_reply_found_through_references_when_in_reply_to_is_unknown():
    org = organisation(RK)
    ann = contact(org)
    opened = take(mail(sender=address(ann), message_id="<root@x>"))
    raw = mail(sender=address(ann), message_id="<r2@x>", subject="Re: x",
               headers={"In-Reply-To": "<not-ours@elsewhere>",
                        "References": "<root@x> <not-ours@elsewhere>"})
    assert take(raw).ticket == opened.ticket


def test_ticket_tag_in_the_subject_threads_the_requesters_mail():
    org = organisation(RK)
    ann = contact(org)
    opened = take(mail(sender=address(ann)))

    outcome = take(mail(sender=address(ann), message_id="<later@x>",
                        subject=f"AW: [#{opened.ticket}] Printer on fire"))

    assert (outcome.outcome, outcome.ticket) == ("appended", opened.ticket)


def test_a_stranger_quoting_a_ticket_number_opens_their_own_ticket():
    victim_org, other_org = organisation(RK), organisation(RK)
    opened = take(mail(sender=address(contact(victim_org))))
    stranger = contact(other_org)

    outcome = take(mail(sender=address(stranger), message_id="<hijack@x>",
                        subject=f"Re: [#{opened.ticket}] let me in"))

    assert outcome.outcome == "created" and outcome.ticket != opened.ticket
    assert Ticket.objects.get(number=opened.ticket).messages.count() == 1


def test_a_colleague_who_is_not_on_the_ticket_cannot_use_its_number():
    org = organisation(RK)
    opened = take(mail(sender=address(contact(org))))
    colleague = contact(org)  # not the requester, not copied, not authorised
    outcome = take(mail(sender=address(colleague), message_id="<c@x>",
                        subject=f"[#{opened.ticket}] me too"))
    assert outcome.outcome == "created" and outcome.ticket != opened.ticket


@pytest.mark.parametrize("headers", [{"Auto-Submitted": "auto-replied"},
                                     {"Precedence": "bulk"}, {"X-Autoreply": "yes"}])
def test_automatic_mail_is_recorded_and_opens_nothing(headers):
    org = organisation(RK)
    outcome = take(mail(sender=address(contact(org)), headers=headers))
    assert (outcome.outcome, outcome.ticket) == ("ignored", None)
    assert outcome.reason
    assert Ticket.objects.count() == 0


def test_outlooks_auto_response_suppress_alone_still_opens_a_ticket():
    org = organisation(RK)
    outcome = take(mail(sender=address(contact(org)),
                        headers={"X-Auto-Response-Suppress": "All"}))
    assert outcome.outcome == "created"


def test_a_bounce_opens_nothing():
    org = organisation(RK)
    outcome = take(mail(sender=address(contact(org)),
                        headers={"X-Failed-Recipients": "gone@example.com"}))
    assert (outcome.outcome, outcome.ticket) == ("bounce", None)
    assert Ticket.objects.count() == 0


def test_unknown_sender_is_held_visibly_and_retried_once_known():
    org = organisation(RK)
    outcome = take(mail(sender="new.person@example.com"))
    assert (outcome.outcome, outcome.ticket, outcome.reason) == (
        "held", None, "unknown sender: new.person@example.com")
    assert inbound_waiting_for_a_person() == 1

    person = contact(org)
    ContactEmail.objects.create(contact=person, address="New.Person@example.com")
    retried = inbound_retry(message_id=outcome.row, now=T0 + timedelta(hours=1))

    assert retried.outcome == "created"
    assert Ticket.objects.get(number=retried.ticket).requester == person
    assert inbound_waiting_for_a_person() == 0


def test_a_failure_in_intake_is_quarantined_with_its_reason_and_retried_after_the_fix(
        monkeypatch):
    org = organisation(RK)

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(inbound, "ticket_create", broken)
    outcome = take(mail(sender=address(contact(org))))
    assert (outcome.outcome, outcome.reason) == ("quarantined", "RuntimeError: database hiccup")
    assert InboundMessage.objects.get(pk=outcome.row).attempts == 1

    monkeypatch.undo()
    assert inbound_retry(message_id=outcome.row, now=T0).outcome == "created"
    assert InboundMessage.objects.get(pk=outcome.row).attempts == 2


def test_a_message_a_crashed_processor_left_is_taken_over_after_its_lease():
    org = organisation(RK)
    row, _ = inbound_store(raw=mail(sender=address(contact(org))), mailbox="pipe", now=T0)
    # A processor claimed it, then was killed before its ticket transaction committed.
    InboundMessage.objects.filter(pk=row.pk).update(state="processing", attempts=1,
                                                    lease_until=T0 + LEASE)

    assert inbound_process(message_id=row.pk, now=T0).outcome == "processing"  # still its own
    assert inbound_recover(now=T0 + LEASE - timedelta(seconds=1)) == []
    [outcome] = inbound_recover(now=T0 + LEASE)

    assert outcome.outcome == "created"
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.get(pk=row.pk).attempts == 2


def test_a_message_just_stored_is_left_to_its_own_door_for_a_minute():
    org = organisation(RK)
    row, _ = inbound_store(raw=mail(sender=address(contact(org))), mailbox="pipe", now=T0)

    assert inbound_recover(now=T0 + GRACE - timedelta(seconds=1)) == []  # the pipe's own
    [outcome] = inbound_recover(now=T0 + GRACE)  # the pipe died before processing it

    assert (outcome.row, outcome.outcome) == (row.pk, "created")


def test_a_processor_whose_claim_was_taken_over_rolls_its_ticket_back(monkeypatch):
    """The slow first processor's ticket and the outcome commit together, only while its
    claim holds: after a take-over, its ticket transaction is rolled back, so one ticket."""
    org = organisation(RK)
    row, _ = inbound_store(raw=mail(sender=address(contact(org))), mailbox="pipe", now=T0)
    real_create = inbound.ticket_create
    calls = []

    def slow_create(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:  # while the first processor works, its lease runs out
            monkeypatch.setattr(inbound, "ticket_create", real_create)
            calls.append(inbound_process(message_id=row.pk, now=T0 + LEASE))
        return real_create(**kwargs)

    monkeypatch.setattr(inbound, "ticket_create", slow_create)
    first = inbound_process(message_id=row.pk, now=T0)

    second = calls[1]
    assert second.outcome == "created"
    assert first == second  # the first processor reports what the second one did
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1


def test_unreadable_message_is_kept_and_quarantined():
    outcome = take(b"Subject: no sender at all\r\n\r\nbody\r\n")
    assert (outcome.outcome, outcome.reason) == (
        "quarantined", "unreadable message: the message has no From address")


def test_oversized_message_is_kept_with_a_clear_outcome(settings):
    settings.PLEDGEDESK_MAX_INBOUND_BYTES = 1000
    org = organisation(RK)
    raw = mail(sender=address(contact(org)), body="x" * 2000 + "\n")
    outcome = take(raw)
    assert outcome.outcome == "quarantined"
    assert outcome.reason == (f"message is {len(raw)} bytes; the limit is 1000 "
                              "(PLEDGEDESK_MAX_INBOUND_BYTES)")


def test_fg3_email_cannot_set_the_priority():
    org = organisation(FG, timezone="America/Chicago", country="US")
    requester = contact(org, authorised=True)
    outcome = take(mail(sender=address(requester), subject="URGENT: fax down",
                        headers={"X-Priority": "1 (Highest)", "Importance": "high"}))
    ticket = Ticket.objects.get(number=outcome.ticket)
    assert (ticket.channel, ticket.priority) == ("email", "medium")  # the policy's default


def test_fg10_unauthorised_sender_is_held_for_the_primary_contact():
    org = organisation(FG, timezone="America/Chicago", country="US")
    contact(org, role="primary")
    outcome = take(mail(sender=address(contact(org))))
    ticket = Ticket.objects.get(number=outcome.ticket)
    assert (outcome.outcome, ticket.hold) == ("held", Ticket.Hold.AWAITING_AUTHORISATION)
    assert outcome.reason.startswith("awaiting authorisation")
    assert inbound_waiting_for_a_person() == 0  # it waits on its ticket, not in the admin


def test_rl7_banned_sender_is_refused_and_kept():
    org = organisation(RL)
    banned = contact(org)
    banned.banned_at, banned.ban_reason = T0, "abusive"
    banned.save()

    outcome = take(mail(sender=address(banned)))

    assert outcome.outcome == "refused" and "banned" in outcome.reason
    assert TicketRefusal.objects.get().requester == banned
    assert Ticket.objects.count() == 0
    assert InboundMessage.objects.get(pk=outcome.row).raw


def test_rk2_administrator_in_cc_is_copied_and_not_flagged():
    org = organisation(RK)
    admin = contact(org, role="administrator")
    ann = contact(org)
    outcome = take(mail(sender=address(ann), headers={"Cc": address(admin)}))
    ticket = Ticket.objects.get(number=outcome.ticket)
    assert list(ticket.cc.all()) == [admin]
    assert ticket.administrator_not_included is False


def test_reply_to_a_closed_ticket_is_quarantined_not_lost():
    org = organisation(RK)
    ann = contact(org)
    opened = take(mail(sender=address(ann), message_id="<o@x>"))
    Ticket.objects.filter(number=opened.ticket).update(status="closed", status_category="closed")
    outcome = take(reply_to("<o@x>", sender=address(ann), message_id="<late@x>"))
    assert outcome.outcome == "quarantined" and outcome.reason.startswith("ticket_closed")
    assert Message.objects.filter(ticket__number=opened.ticket).count() == 1
