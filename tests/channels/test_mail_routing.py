"""``mail ingest --to``: the envelope recipient names the policy support address a message
came to when its headers do not (Bcc, an alias); checked before anything is stored."""

import json

import pytest

from pledgedesk import cli
from pledgedesk.channels.models import InboundMessage
from pledgedesk.tickets.models import Ticket
from tests.channels.mails import mail
from tests.factories import contact, organisation

pytestmark = pytest.mark.django_db
RK, FG = "crm-severity-colours", "fax-server-24x7"
RK_ADDRESS, FG_ADDRESS = "support@rethinkcrm.com", "support@thefaxguysot.wpengine.com"


def _lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_an_unknown_sender_bcc_to_a_policy_address_is_held_naming_that_policy(tmp_path, capsys):
    organisation(RK)
    path = tmp_path / "bcc.eml"
    path.write_bytes(mail(sender="new@example.org", to="undisclosed-recipients:;"))

    assert cli.main(["mail", "ingest", "--to", "Support@RethinkCRM.com", str(path)]) == 0

    [line] = _lines(capsys)
    assert line == {"source": str(path), "outcome": "held", "ticket": None,
                    "reason": f"unknown sender: new@example.org (to {RK_ADDRESS}, policy {RK})"}
    assert InboundMessage.objects.get().recipient == RK_ADDRESS


def test_without_to_the_delivered_to_header_names_the_address(tmp_path, capsys):
    organisation(FG)
    path = tmp_path / "alias.eml"
    path.write_bytes(mail(sender="new@example.org", to="help@alias.example",
                          headers={"Delivered-To": FG_ADDRESS}))
    assert cli.main(["mail", "ingest", str(path)]) == 0
    [line] = _lines(capsys)
    assert line["reason"] == f"unknown sender: new@example.org (to {FG_ADDRESS}, policy {FG})"


def test_a_contact_writing_to_another_policys_address_is_opened_under_their_own(
        tmp_path, capsys):
    organisation(FG)
    ann = contact(organisation(RK))
    path = tmp_path / "m.eml"
    path.write_bytes(mail(sender=ann.emails.first().address))

    assert cli.main(["mail", "ingest", "--to", FG_ADDRESS, str(path)]) == 0

    [line] = _lines(capsys)
    assert line["outcome"] == "created"
    assert line["reason"] == (f"sent to {FG_ADDRESS} (policy {FG}); opened under the "
                              f"requester's organisation (policy {RK})")
    assert Ticket.objects.get(number=line["ticket"]).organisation == ann.organisation


def test_to_the_requesters_own_policy_address_says_nothing_more(tmp_path, capsys):
    ann = contact(organisation(RK))
    path = tmp_path / "m.eml"
    path.write_bytes(mail(sender=ann.emails.first().address))
    assert cli.main(["mail", "ingest", "--to", RK_ADDRESS, str(path)]) == 0
    [line] = _lines(capsys)
    assert (line["outcome"], line["reason"]) == ("created", "")


@pytest.mark.parametrize(("to", "error"), [
    ("not an address", "--to: 'not an address' is not an email address"),
    ("a@b@c", "--to: 'a@b@c' is not an email address"),
    ("sales@rethinkcrm.com", "--to: sales@rethinkcrm.com is not the address of any policy's "
                             f"email channel (addresses: {RK_ADDRESS})"),
])
def test_a_bad_to_is_one_line_and_nothing_is_stored(tmp_path, capsys, to, error):
    organisation(RK)
    path = tmp_path / "m.eml"
    path.write_bytes(mail())
    assert cli.main(["mail", "ingest", "--to", to, str(path)]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"pledgedesk: {error}\n")
    assert InboundMessage.objects.count() == 0


def test_a_missing_second_file_stores_nothing(tmp_path, capsys):
    good = tmp_path / "good.eml"
    good.write_bytes(mail())
    assert cli.main(["mail", "ingest", str(good), str(tmp_path / "gone.eml")]) == 2
    assert capsys.readouterr().out == ""
    assert InboundMessage.objects.count() == 0


def test_every_outcome_the_issue_names_is_printed_in_one_shape(tmp_path, capsys):
    """created, appended, ignored, bounce, duplicate, quarantined, refused, held: one JSON
    object per message with exactly source/outcome/ticket/reason, and status 0."""
    rk, fg = organisation(RK), organisation(FG)
    ann = contact(rk)
    banned = contact(rk)
    banned.banned_at, banned.ban_reason = ann.created_at, "abusive"
    banned.save()
    messages = {
        "created": mail(sender=ann.emails.first().address, message_id="<a@x>"),
        "appended": mail(sender=ann.emails.first().address, message_id="<b@x>",
                         headers={"In-Reply-To": "<a@x>"}),
        "ignored": mail(sender=ann.emails.first().address, message_id="<c@x>",
                        headers={"Auto-Submitted": "auto-replied"}),
        "bounce": mail(sender="mailer-daemon@example.com", message_id="<d@x>",
                       headers={"X-Failed-Recipients": "gone@example.com"}),
        "quarantined": b"Subject: no sender\r\n\r\nbody\r\n",
        "refused": mail(sender=banned.emails.first().address, message_id="<e@x>"),
        "held": mail(sender=contact(fg).emails.first().address, message_id="<f@x>"),
    }
    paths = []
    for name, raw in messages.items():
        paths.append(tmp_path / f"{name}.eml")
        paths[-1].write_bytes(raw)
    paths.append(paths[0])  # the same file again

    assert cli.main(["mail", "ingest", *map(str, paths)]) == 0

    lines = _lines(capsys)
    assert [line["outcome"] for line in lines] == [*messages, "duplicate"]
    assert all(set(line) == {"source", "outcome", "ticket", "reason"} for line in lines)
    by = {line["outcome"]: line for line in lines}
    assert by["duplicate"]["ticket"] == by["created"]["ticket"] == by["appended"]["ticket"]
    assert by["held"]["ticket"] is not None  # FG-10: opened, held for the primary contact
    assert all(by[o]["ticket"] is None for o in ("ignored", "bounce", "quarantined", "refused"))
