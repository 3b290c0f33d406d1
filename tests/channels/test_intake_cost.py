"""Issues 20 and 14: what messages cost the database in ``pledgedesk mail ingest``. A batch is
stored by one look-up and one INSERT, already claimed (no claim UPDATE); the senders and the
people in To and Cc of the whole batch are one look-up, and so are its threading headers; the
support addresses are read once per run, not per message; the stored row is not read back
before or after intake; and the outcome printed is the one written."""

import contextlib
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledgedesk.channels import commands
from pledgedesk.channels.models import InboundMessage
from pledgedesk.tickets.models import Ticket
from tests.channels.mails import mail, reply_to
from tests.factories import contact, organisation

pytestmark = pytest.mark.django_db

RK = "crm-severity-colours"


def _ingest(tmp_path, raws: list[bytes]) -> tuple[list[dict], list[str]]:
    paths = []
    for i, raw in enumerate(raws):
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}-{i}.eml"
        path.write_bytes(raw)
        paths.append(str(path))
    out = io.StringIO()
    with CaptureQueriesContext(connection) as queries, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(io.StringIO()):
        assert commands.ingest(paths) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()], \
        [q["sql"] for q in queries]


def test_new_requests_and_replies_stay_within_their_query_budget(tmp_path):
    org = organisation(RK)
    people = [contact(org) for _ in range(3)]
    admin = contact(org, role="administrator")
    senders = [p.emails.first().address for p in people]
    _ingest(tmp_path, [mail(sender=senders[0], message_id="<warm@x>")])  # first-use work

    new = [mail(sender=s, message_id=f"<n{i}@x>", subject=f"Request {i}",
                headers={"Cc": admin.emails.first().address}) for i, s in enumerate(senders)]
    outcomes, queries = _ingest(tmp_path, new)
    assert [o["outcome"] for o in outcomes] == ["created"] * 3
    assert Ticket.objects.get(number=outcomes[0]["ticket"]).cc.get() == admin  # RK-2 still read
    _within_budget(queries)

    replies = [reply_to(f"<n{i}@x>", sender=s, message_id=f"<r{i}@x>")
               for i, s in enumerate(senders)]
    outcomes, queries = _ingest(tmp_path, replies)
    assert [o["outcome"] for o in outcomes] == ["appended"] * 3
    _within_budget(queries)
    # The three replies thread by one look-up of the stored ids, not one a message.
    assert sum(q.startswith("SELECT") and 'FROM "channels_inboundmessage"' in q
               and '"ticket_id" IS NOT NULL' in q for q in queries) == 1, "\n".join(queries)


def _within_budget(queries: list[str]) -> None:
    shown = "\n".join(queries)
    # The support addresses: once for the run, whatever the number of messages.
    assert sum("policy_key" in q and "DISTINCT" in q for q in queries) <= 1, shown
    # Sender, To and Cc of every message of the batch: one look-up.
    assert sum(q.startswith("SELECT") and "accounts_contactemail" in q
               for q in queries) == 1, shown
    # Stored by one INSERT, claimed as stored (no claim UPDATE), the outcomes written by one
    # UPDATE for the batch.
    assert sum(q.startswith('INSERT INTO "channels_inboundmessage"') for q in queries) == 1, shown
    assert sum(q.startswith('UPDATE "channels_inboundmessage"') for q in queries) == 1, shown
    # The row just stored is neither read before intake nor read back after it.
    assert not [q for q in queries
                if q.startswith("SELECT") and 'FROM "channels_inboundmessage"' in q
                and "COUNT(*)" not in q and "message_id" not in q.split("WHERE")[-1]], shown


def test_the_outcome_printed_is_the_one_stored(tmp_path):
    org = organisation(RK)
    ann = contact(org)
    raws = [mail(sender=ann.emails.first().address, message_id="<a@x>"),
            mail(sender="stranger@unknown.example", message_id="<b@x>"),
            mail(sender=ann.emails.first().address, message_id="<c@x>",
                 headers={"Auto-Submitted": "auto-replied"})]
    outcomes, _ = _ingest(tmp_path, raws)

    for outcome, message_id in zip(outcomes, ("a@x", "b@x", "c@x"), strict=True):
        row = InboundMessage.objects.select_related("ticket").get(message_id=message_id)
        assert (outcome["outcome"], outcome["reason"]) == (row.state, row.reason)
        assert outcome["ticket"] == (row.ticket.number if row.ticket else None)
    assert [o["outcome"] for o in outcomes] == ["created", "held", "ignored"]
