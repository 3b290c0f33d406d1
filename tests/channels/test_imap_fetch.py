"""channels.fetch against a real IMAP server (Dovecot): messages delivered with IMAP APPEND
are stored raw, then marked seen, then processed; nothing is lost when storing fails, and
two fetchers never work one mailbox at once."""

import itertools
import json
from datetime import timedelta

import pytest
from imap_tools import AND, MailBoxUnencrypted, MailMessageFlags

from pledgedesk import cli
from pledgedesk.channels import services as inbound_services
from pledgedesk.channels.fetch import MailboxBusy, mailbox_fetch
from pledgedesk.channels.models import InboundMessage, MailboxCursor
from pledgedesk.config import imap as imap_config
from pledgedesk.tickets.models import Ticket
from tests.channels import dovecot
from tests.channels.mails import mail, reply_to
from tests.factories import T0, contact, organisation

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
_folders = itertools.count(1)


@pytest.fixture
def folder(imap_server):
    """A folder of its own for each test, so no test sees another's mail."""
    name = f"T{next(_folders)}"
    with _box(imap_server) as box:
        box.folder.create(name)
    return name


def _box(server, folder="INBOX"):
    return MailBoxUnencrypted("127.0.0.1", server.port).login(
        dovecot.USER, dovecot.PASSWORD, initial_folder=folder)


def _config(server, folder):
    return imap_config({"PLEDGEDESK_IMAP_URL": server.url.replace("/INBOX", f"/{folder}")})


def _deliver(server, folder, *messages):
    with _box(server) as box:
        for raw in messages:
            box.append(raw, folder, flag_set=())


def _unseen(server, folder) -> int:
    with _box(server, folder) as box:
        return len(box.uids(AND(seen=False)))


def _clock(start=T0):
    ticks = itertools.count()
    return lambda: start + timedelta(seconds=next(ticks))


def test_fetch_stores_marks_seen_and_processes(imap_server, folder):
    org = organisation("crm-severity-colours")
    ann = contact(org)
    sender = ann.emails.first().address
    first = mail(sender=sender, message_id="<f1@x>", subject="Printer on fire")
    _deliver(imap_server, folder, first,
             mail(sender=sender, message_id="<auto@x>", headers={"Auto-Submitted": "auto-replied"}))

    result = mailbox_fetch(imap=_config(imap_server, folder), now=_clock())

    assert (result.stored, result.duplicates) == (2, 0)
    assert sorted(o.outcome for o in result.outcomes) == ["created", "ignored"]
    assert _unseen(imap_server, folder) == 0
    row = InboundMessage.objects.get(message_id="f1@x")
    assert bytes(row.raw) == first  # the server's exact bytes
    assert row.mailbox == f"imap://desk@127.0.0.1:{imap_server.port}/{folder}"
    cursor = MailboxCursor.objects.get(mailbox=row.mailbox)
    assert cursor.uidvalidity and cursor.locked_until is None

    # A reply arrives later; the same message delivered twice is stored once.
    _deliver(imap_server, folder, reply_to("<f1@x>", sender=sender, message_id="<f2@x>"), first)
    again = mailbox_fetch(imap=_config(imap_server, folder), now=_clock(T0 + timedelta(hours=1)))

    assert (again.stored, again.duplicates) == (1, 1)
    assert [o.outcome for o in again.outcomes] == ["appended"]
    assert Ticket.objects.count() == 1


def test_a_message_that_could_not_be_stored_stays_unseen_and_is_fetched_next_time(
        imap_server, folder, monkeypatch):
    org = organisation("crm-severity-colours")
    sender = contact(org).emails.first().address
    _deliver(imap_server, folder, *[mail(sender=sender, message_id=f"<n{i}@x>",
                                         subject=f"Request {i}") for i in range(3)])
    real_store, calls = inbound_services._new_row, itertools.count()

    def store_fails_on_the_second(**kwargs):
        if next(calls) == 1:
            raise ConnectionError("database went away")
        return real_store(**kwargs)

    monkeypatch.setattr(inbound_services, "_new_row", store_fails_on_the_second)
    with pytest.raises(ConnectionError):
        mailbox_fetch(imap=_config(imap_server, folder), now=_clock())
    # The batch is stored in one transaction: it failed before it was marked, so nothing is
    # seen, nothing is stored, the cursor did not move.
    assert _unseen(imap_server, folder) == 3
    assert InboundMessage.objects.count() == 0
    assert MailboxCursor.objects.get().last_uid == 0

    monkeypatch.undo()
    result = mailbox_fetch(imap=_config(imap_server, folder), now=_clock())
    assert (result.stored, result.duplicates) == (3, 0)
    assert Ticket.objects.count() == 3
    assert _unseen(imap_server, folder) == 0
    assert MailboxCursor.objects.get().last_uid == 3


def test_a_second_fetcher_is_refused_while_the_first_holds_the_lease(imap_server, folder):
    _deliver(imap_server, folder, mail(message_id="<busy@x>"))
    config = _config(imap_server, folder)
    MailboxCursor.objects.create(mailbox=config.name, locked_until=T0 + timedelta(minutes=5),
                                 holder="other")

    with pytest.raises(MailboxBusy):
        mailbox_fetch(imap=config, now=_clock())
    assert _unseen(imap_server, folder) == 1 and InboundMessage.objects.count() == 0

    # A crashed fetcher's lease runs out: later, the mailbox is fetched.
    assert mailbox_fetch(imap=config, now=_clock(T0 + timedelta(minutes=6))).stored == 1


def test_move_to_a_folder_after_storing(imap_server, folder):
    with _box(imap_server) as box:
        box.folder.create(f"{folder}-done")
    _deliver(imap_server, folder, mail(message_id="<mv@x>"))

    mailbox_fetch(imap=_config(imap_server, folder), now=_clock(), move_to=f"{folder}-done")

    with _box(imap_server, folder) as box:
        assert box.uids() == []
    with _box(imap_server, f"{folder}-done") as box:
        assert len(box.uids()) == 1


def test_the_mail_fetch_command(imap_server, folder, monkeypatch, capsys):
    org = organisation("crm-severity-colours")
    sender = contact(org).emails.first().address
    _deliver(imap_server, folder, mail(sender=sender, message_id="<cmd@x>"))
    monkeypatch.setenv("PLEDGEDESK_IMAP_URL", imap_server.url.replace("/INBOX", f"/{folder}"))

    assert cli.main(["mail", "fetch"]) == 0

    [line] = capsys.readouterr().out.splitlines()
    printed = json.loads(line)
    assert printed["outcome"] == "created" and printed["ticket"] is not None


def test_a_wrong_password_is_one_line(imap_server, monkeypatch, capsys):
    monkeypatch.setenv("PLEDGEDESK_IMAP_URL",
                       f"imap://desk:wrong@127.0.0.1:{imap_server.port}/INBOX")
    assert cli.main(["mail", "fetch"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pledgedesk: PLEDGEDESK_IMAP_URL: cannot fetch from imap://desk@")
    assert "wrong" not in err and len(err.splitlines()) == 1


def _flag(server, folder, seen: bool):
    with _box(server, folder) as box:
        box.flag(box.uids(), MailMessageFlags.SEEN, seen)


def test_only_uids_above_the_remembered_one_are_fetched(imap_server, folder):
    org = organisation("crm-severity-colours")
    sender = contact(org).emails.first().address
    _deliver(imap_server, folder, mail(sender=sender, message_id="<u1@x>"))
    config = _config(imap_server, folder)
    assert mailbox_fetch(imap=config, now=_clock()).stored == 1
    cursor = MailboxCursor.objects.get(mailbox=config.name)
    assert cursor.last_uid == 1

    # A person marks the first one unread again in their mail client; a new one arrives.
    _flag(imap_server, folder, False)
    _deliver(imap_server, folder, mail(sender=sender, message_id="<u2@x>", subject="Two"))
    again = mailbox_fetch(imap=config, now=_clock())

    assert (again.stored, again.duplicates) == (1, 0)  # the first was not even downloaded
    assert MailboxCursor.objects.get(mailbox=config.name).last_uid == 2


def test_the_first_contact_takes_only_what_nobody_has_read(imap_server, folder):
    with _box(imap_server) as box:
        box.append(mail(message_id="<old@x>"), folder, flag_set=[MailMessageFlags.SEEN])
        box.append(mail(message_id="<new@x>", body="new\n"), folder, flag_set=())
    result = mailbox_fetch(imap=_config(imap_server, folder), now=_clock())
    assert result.stored == 1
    assert list(InboundMessage.objects.values_list("message_id", flat=True)) == ["new@x"]


def test_a_new_uidvalidity_fetches_everything_again_and_dedupes(imap_server, folder):
    org = organisation("crm-severity-colours")
    sender = contact(org).emails.first().address
    first = [mail(sender=sender, message_id=f"<v{i}@x>", subject=f"V{i}") for i in range(2)]
    _deliver(imap_server, folder, *first)
    config = _config(imap_server, folder)
    mailbox_fetch(imap=config, now=_clock())
    before = MailboxCursor.objects.get(mailbox=config.name).uidvalidity

    # The folder is deleted and restored from a backup (read, this time), plus one new.
    with _box(imap_server) as box:
        box.folder.delete(folder)
        box.folder.create(folder)
    with _box(imap_server) as box:
        for raw in first:
            box.append(raw, folder, flag_set=[MailMessageFlags.SEEN])
    _deliver(imap_server, folder, mail(sender=sender, message_id="<v2@x>", subject="V2"))

    again = mailbox_fetch(imap=config, now=_clock(T0 + timedelta(hours=1)))

    cursor = MailboxCursor.objects.get(mailbox=config.name)
    assert cursor.uidvalidity != before and cursor.last_uid == 3
    assert (again.stored, again.duplicates) == (1, 2)
    assert InboundMessage.objects.count() == 3 and Ticket.objects.count() == 3


def test_the_worker_task_polls_every_mailbox_and_takes_over_what_a_crash_left(
        imap_server, folder, monkeypatch):
    from pledgedesk import clock
    from pledgedesk.channels.services import LEASE, inbound_store
    from pledgedesk.channels.tasks import mail_poll_every_minute

    org = organisation("crm-severity-colours")
    sender = contact(org).emails.first().address
    other = f"{folder}-b"
    with _box(imap_server) as box:
        box.folder.create(other)
    _deliver(imap_server, folder, mail(sender=sender, message_id="<a@x>", subject="A"))
    _deliver(imap_server, other, mail(sender=sender, message_id="<b@x>", subject="B"))
    wrong = f"imap://desk:wrong@127.0.0.1:{imap_server.port}/INBOX"
    urls = [imap_server.url.replace("/INBOX", f"/{name}") for name in (folder, other)]
    monkeypatch.setenv("PLEDGEDESK_IMAP_URL", f"{urls[0]}\n {wrong} {urls[1]}")
    # Piped in earlier by the MTA; its processor was killed mid-intake.
    row, _ = inbound_store(raw=mail(sender=sender, message_id="<c@x>", subject="C"),
                           mailbox="pipe", now=T0)
    InboundMessage.objects.filter(pk=row.pk).update(state="processing", attempts=1,
                                                    lease_until=T0 + LEASE)

    with clock.use(clock.FixedClock(T0 + LEASE)):
        mail_poll_every_minute.call_local()

    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["A", "B", "C"]
    bad = MailboxCursor.objects.get(mailbox=f"imap://desk@127.0.0.1:{imap_server.port}/INBOX")
    assert bad.last_error.startswith("MailboxLoginError") and bad.locked_until is None
    assert MailboxCursor.objects.exclude(pk=bad.pk).filter(last_error="").count() == 2


def test_the_command_fetches_every_mailbox_moving_where_the_url_says(
        imap_server, folder, monkeypatch, capsys):
    org = organisation("crm-severity-colours")
    sender = contact(org).emails.first().address
    with _box(imap_server) as box:
        box.folder.create(f"{folder}-done")
    _deliver(imap_server, folder, mail(sender=sender, message_id="<mv1@x>"))
    url = imap_server.url.replace("/INBOX", f"/{folder}?move_to={folder}-done")
    wrong = f"imap://desk:wrong@127.0.0.1:{imap_server.port}/{folder}-done"
    monkeypatch.setenv("PLEDGEDESK_IMAP_URL", f"{wrong} {url}")

    assert cli.main(["mail", "fetch"]) == 2  # one mailbox failed; the other was fetched

    out, err = capsys.readouterr()
    assert [json.loads(line)["outcome"] for line in out.splitlines()] == ["created"]
    assert err.startswith("pledgedesk: PLEDGEDESK_IMAP_URL: cannot fetch from imap://desk@")
    with _box(imap_server, folder) as box:
        assert box.uids() == []
    with _box(imap_server, f"{folder}-done") as box:
        assert len(box.uids()) == 1
