"""``mail ingest`` and an IMAP fetch take messages in batches: a batch is stored and committed
before any of it is read, then processed in one transaction with a savepoint a message
(``inbound_process_many``). Each message still has its own outcome: one that fails is
quarantined alone and the others are kept; one that meets a passing database error (a
deadlock with another processor) is processed again on its own, not quarantined; a reply in
the batch finds the ticket an earlier message of the same batch opened."""

import contextlib
import io
import json

import pytest
from django.db import OperationalError, connection

from pledgedesk.channels import commands
from pledgedesk.channels import services as inbound
from pledgedesk.channels.models import InboundMessage
from pledgedesk.tickets.models import Ticket
from tests.channels.mails import mail, reply_to
from tests.factories import contact, organisation

pytestmark = pytest.mark.django_db

RK = "crm-severity-colours"


@pytest.fixture
def sender():
    return contact(organisation(RK)).emails.first().address


def _ingest(tmp_path, raws: list[bytes]) -> list[dict]:
    paths = []
    for i, raw in enumerate(raws):
        path = tmp_path / f"{i:03d}.eml"
        path.write_bytes(raw)
        paths.append(str(path))
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert commands.ingest(paths) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_failing_message_is_quarantined_alone_and_the_others_are_kept(tmp_path, sender,
                                                                         monkeypatch):
    real = inbound.ticket_create

    def create(*, new, **kwargs):
        if new.subject == "Breaks":
            raise RuntimeError("a bug in intake")
        return real(new=new, **kwargs)

    monkeypatch.setattr(inbound, "ticket_create", create)
    outcomes = _ingest(tmp_path, [
        mail(sender=sender, message_id="<a@x>", subject="First"),
        mail(sender=sender, message_id="<b@x>", subject="Breaks"),
        reply_to("<a@x>", sender=sender, message_id="<c@x>", subject="Re: First"),
    ])

    assert [o["outcome"] for o in outcomes] == ["created", "quarantined", "appended"]
    assert outcomes[1]["reason"] == "RuntimeError: a bug in intake"
    assert outcomes[2]["ticket"] == outcomes[0]["ticket"]  # found within the same batch
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["First"]
    assert Ticket.objects.get().messages.count() == 2
    row = InboundMessage.objects.get(message_id="b@x")
    assert (row.state, row.ticket) == ("quarantined", None)
    assert b"Subject: Breaks" in bytes(row.raw)  # kept as it came, for a retry after a fix


def test_a_passing_database_error_is_retried_alone_not_quarantined(tmp_path, sender,
                                                                   monkeypatch):
    real = inbound.ticket_create
    failed = []

    def create(*, new, **kwargs):
        if new.subject == "Deadlocked" and not failed:
            failed.append(new.subject)
            raise OperationalError("deadlock detected")
        return real(new=new, **kwargs)

    monkeypatch.setattr(inbound, "ticket_create", create)
    outcomes = _ingest(tmp_path, [
        mail(sender=sender, message_id="<d1@x>", subject="Before"),
        mail(sender=sender, message_id="<d2@x>", subject="Deadlocked"),
        mail(sender=sender, message_id="<d3@x>", subject="After"),
    ])

    assert failed == ["Deadlocked"]
    assert [o["outcome"] for o in outcomes] == ["created"] * 3
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "After", "Before", "Deadlocked"]
    assert InboundMessage.objects.get(message_id="d2@x").attempts == 1  # rolled back, then one


@pytest.mark.django_db(transaction=True)  # real commits, to count
def test_a_batch_commits_once_to_store_and_once_to_process(tmp_path, sender, monkeypatch):
    commits = []
    real = connection.commit

    def commit():
        commits.append(1)
        real()

    monkeypatch.setattr(connection, "commit", commit)
    outcomes = _ingest(tmp_path, [mail(sender=sender, message_id=f"<n{i}@x>",
                                       subject=f"Request {i}") for i in range(5)])

    assert [o["outcome"] for o in outcomes] == ["created"] * 5
    assert Ticket.objects.count() == 5
    assert len(commits) == 2  # message by message, it was two a message


def test_a_reply_does_not_thread_on_a_ticket_its_batch_rolled_back(tmp_path, sender,
                                                                   monkeypatch):
    real = inbound.ticket_create

    def create(*, new, record, **kwargs):
        def record_then_fail(ticket, message):  # inside the ticket's own transaction
            record(ticket, message)
            if new.subject == "Ghost":
                raise RuntimeError("a bug after the outcome was recorded")
        return real(new=new, record=record_then_fail, **kwargs)

    monkeypatch.setattr(inbound, "ticket_create", create)
    outcomes = _ingest(tmp_path, [
        mail(sender=sender, message_id="<g@x>", subject="Ghost"),
        reply_to("<g@x>", sender=sender, message_id="<g2@x>", subject="Re: Still there"),
    ])

    # The request's ticket was rolled back with its savepoint: the reply opens its own.
    assert [o["outcome"] for o in outcomes] == ["quarantined", "created"]
    assert list(Ticket.objects.values_list("number", flat=True)) == [outcomes[1]["ticket"]]
    assert InboundMessage.objects.get(message_id="g@x").ticket is None


def test_a_claim_lost_before_the_batch_writes_its_outcomes_redoes_each_alone(
        tmp_path, sender, monkeypatch):
    real, lost = inbound._finish_all, []

    def taken_over_once(finished):
        if not lost:  # another processor took the first row over (its lease ran out)
            lost.append(finished[0][0])
            InboundMessage.objects.filter(pk=finished[0][0]).update(attempts=2)
        return real(finished)

    monkeypatch.setattr(inbound, "_finish_all", taken_over_once)
    outcomes = _ingest(tmp_path, [mail(sender=sender, message_id=f"<t{i}@x>",
                                       subject=f"Taken {i}") for i in range(3)])

    # The whole batch rolled back (the takeover with it, here), then each message alone:
    # nothing lost, nothing twice.
    assert [o["outcome"] for o in outcomes] == ["created"] * 3
    assert Ticket.objects.count() == 3
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {"created"}


def test_the_same_bytes_twice_in_one_batch_are_one_row(tmp_path, sender):
    raw = mail(sender=sender, message_id="<twice@x>", subject="Twice")
    outcomes = _ingest(tmp_path, [raw, raw])

    assert [o["outcome"] for o in outcomes] == ["created", "duplicate"]
    assert outcomes[1]["ticket"] == outcomes[0]["ticket"]
    assert InboundMessage.objects.count() == 1
    assert Ticket.objects.count() == 1
