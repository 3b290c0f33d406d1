"""/api/v1/inbound-mail (issue 14): the console's mail review for integrations, through the same
services (channels.review). The permission matrix is in test_permissions.py."""

from __future__ import annotations

import pytest

from pledgedesk.channels.models import InboundMessage
from pledgedesk.channels.services import inbound_process, inbound_store
from tests.api.conftest import NOW, RK, Api, token_for
from tests.channels.mails import mail
from tests.factories import agent, organisation

pytestmark = pytest.mark.django_db


def held(sender="stranger@example.com", message_id="<s@example.com>"):
    row, _ = inbound_store(raw=mail(sender=sender, message_id=message_id, subject="Hi there"),
                           mailbox="pipe", now=NOW)
    return inbound_process(message_id=row.pk, now=NOW).row


def test_lists_held_mail_with_its_actions_and_releases_it(fixed_clock):
    org = organisation(RK)
    row = held()
    api = Api(token_for(agent().user))

    listed = api.get("inbound-mail", {"kind": "held"}).json()
    released = api.post(f"inbound-mail/{row}/release", {"organisation": org.pk,
                                                         "name": "Sam Stranger"})

    assert [(m["id"], m["sender"], m["subject"], m["ticket"], m["actions"]) for m in listed] \
        == [(row, "stranger@example.com", "Hi there", None, ["reprocess", "release", "refuse"])]
    assert listed[0]["reason"] == "unknown sender: stranger@example.com"
    assert api.get("inbound-mail").json() == []  # quarantined by default: none
    body = released.json()
    assert (released.status_code, body["id"], body["outcome"]) == (200, row, "created")
    assert InboundMessage.objects.get(pk=row).ticket.number == body["ticket"]


def test_bad_input_names_its_field(fixed_clock):
    row = held()
    api = Api(token_for(agent(roles=("administrator",)).user))

    unknown_org = api.post(f"inbound-mail/{row}/release", {"organisation": 987654})
    bad_kind = api.get("inbound-mail", {"kind": "everything"})
    no_reason = api.post(f"inbound-mail/{row}/refuse", {"reason": ""})
    missing = api.post("inbound-mail/987654/reprocess")

    assert (unknown_org.status_code, unknown_org.json()["field"]) == (422, "organisation")
    assert bad_kind.status_code == 422 and no_reason.status_code == 422
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_an_administrator_refuses_and_the_message_is_kept(fixed_clock):
    row = held()
    api = Api(token_for(agent(roles=("administrator",), name="Ada Admin").user))

    refused = api.post(f"inbound-mail/{row}/refuse", {"reason": "phishing"})
    again = api.post(f"inbound-mail/{row}/reprocess")

    assert refused.json() == {"id": row, "outcome": "refused", "ticket": None,
                              "reason": "refused by Ada Admin on review: phishing"}
    assert again.status_code == 404  # no longer waiting
    assert b"stranger@example.com" in bytes(InboundMessage.objects.get(pk=row).raw)
