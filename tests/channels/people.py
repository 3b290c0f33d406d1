"""The organisations and contacts a mail mix is written by (tests.channels.mails.mix): the
kill test's runner and the benchmark seed the same ones."""

from __future__ import annotations

from tests.channels.mails import People
from tests.factories import T0, contact, organisation


def seed_people(*, contacts: int = 20) -> People:
    rk = organisation("crm-severity-colours")
    fg = organisation("fax-server-24x7", timezone="America/Chicago", country="US")
    contact(fg, role="primary")
    banned = contact(rk)
    banned.banned_at, banned.ban_reason = T0, "abusive"
    banned.save()
    return People(contacts=tuple(contact(rk).emails.first().address for _ in range(contacts)),
                  unauthorised=contact(fg).emails.first().address,
                  banned=banned.emails.first().address)
