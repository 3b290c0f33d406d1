"""``pledgedesk mail ingest FILE|-``: the MTA's pipe and message files, one JSON line each."""

import io
import json

import pytest

from pledgedesk import cli
from pledgedesk.channels.models import InboundMessage
from pledgedesk.tickets.models import Ticket
from tests.channels.mails import mail
from tests.factories import contact, organisation

pytestmark = pytest.mark.django_db


def _lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_files_and_stdin_are_stored_and_processed(tmp_path, monkeypatch, capsys):
    org = organisation("crm-severity-colours")
    sender = contact(org).emails.first().address
    path = tmp_path / "one.eml"
    path.write_bytes(mail(sender=sender, message_id="<one@x>"))
    piped = mail(sender=sender, message_id="<two@x>", subject="Second")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(piped)))

    assert cli.main(["mail", "ingest", str(path), "-"]) == 0

    first, second = _lines(capsys)
    assert (first["source"], first["outcome"]) == (str(path), "created")
    assert (second["source"], second["outcome"], second["reason"]) == ("-", "created", "")
    assert Ticket.objects.get(number=second["ticket"]).subject == "Second"
    assert InboundMessage.objects.get(message_id="two@x").mailbox == "pipe"


def test_ingesting_the_same_bytes_twice_is_one_ticket_and_one_duplicate(tmp_path, capsys):
    org = organisation("crm-severity-colours")
    path = tmp_path / "m.eml"
    path.write_bytes(mail(sender=contact(org).emails.first().address))

    assert cli.main(["mail", "ingest", str(path)]) == 0
    assert cli.main(["mail", "ingest", str(path)]) == 0

    created, duplicate = _lines(capsys)
    assert duplicate["outcome"] == "duplicate"
    assert duplicate["ticket"] == created["ticket"]
    assert Ticket.objects.count() == 1


def test_a_held_message_is_still_a_successful_delivery(tmp_path, capsys):
    path = tmp_path / "stranger.eml"
    path.write_bytes(mail(sender="nobody@unknown.example"))
    assert cli.main(["mail", "ingest", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ("1 inbound message waiting for a person, quarantined or held "
                   "(console: Mail in, /console/mail/in/)\n")
    [line] = [json.loads(text) for text in out.splitlines()]
    assert line == {"source": str(path), "outcome": "held", "ticket": None,
                    "reason": "unknown sender: nobody@unknown.example"}


def test_an_unreadable_file_is_one_line_and_status_2(tmp_path, capsys):
    missing = tmp_path / "missing.eml"
    assert cli.main(["mail", "ingest", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err == f"pledgedesk: {missing}: cannot read: No such file or directory\n"
