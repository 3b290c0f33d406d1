"""Which ticket an inbound message continues, if any.

Headers first: In-Reply-To and References against every stored Message-ID, inbound and
outbound (a reply to the desk's own mail may name only the desk's id). The ``[#123]`` tag in
the subject last, and only when the sender belongs to that ticket: anyone can type a number
into a subject, and a stranger quoting one must never land in someone else's conversation
(Zammad#5064).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pledgedesk.accounts.models import Contact
from pledgedesk.channels import outbound_selectors, selectors
from pledgedesk.channels.parsing import ParsedMail, ticket_tag
from pledgedesk.tickets.models import Ticket


@dataclass
class ThreadIndex:
    """For a batch of messages (``index_for``): what the header look-ups of ``thread_for``
    would find for any id the batch names, read in one go, then kept up to date as the batch
    opens tickets and adds to them (``add``), so a reply finds a request earlier in its own
    batch as it would in the database."""

    inbound: dict[str, tuple] = field(default_factory=dict)  # id -> ((at, pk), ticket key)
    outbound: dict[str, tuple] = field(default_factory=dict)
    tickets: dict[int, Ticket] = field(default_factory=dict)

    def ticket(self, ids: Iterable[str]) -> Ticket | None:
        for table in (self.inbound, self.outbound):
            found = [table[i] for i in ids if i in table]
            if found:
                return self.tickets[max(found, key=lambda f: f[0])[1]]
        return None

    def add(self, message_id: str, order: tuple, ticket: Ticket) -> None:
        """Inbound ``message_id`` (received, id: ``order``) is now on ``ticket``, as it stands
        after that message (the latest copy of a ticket is the one kept)."""
        known = self.inbound.get(message_id)
        if known is None or known[0] < order:
            self.inbound[message_id] = (order, ticket.pk)
        self.tickets[ticket.pk] = ticket


def index_for(mails: Iterable[ParsedMail]) -> ThreadIndex:
    """The header look-ups of every one of ``mails``, in three queries."""
    ids = [i for mail in mails for i in (*mail.in_reply_to, *mail.references)]
    return ThreadIndex(*selectors.threads_by_message_ids(ids))


def thread_for(mail: ParsedMail, contact: Contact,
               index: ThreadIndex | None = None) -> Ticket | None:
    """``index``: the batch's (``index_for``, covering ``mail``), instead of two queries."""
    ids = (*mail.in_reply_to, *reversed(mail.references))
    if index is not None:
        ticket = index.ticket(ids)
    else:
        ticket = (selectors.ticket_by_message_ids(ids)
                  or outbound_selectors.ticket_by_outbound_ids(ids))
    if ticket is not None and ticket.organisation_id == contact.organisation_id:
        return ticket
    number = ticket_tag(mail.subject)
    if number is None:
        return None
    ticket = selectors.ticket_by_number(number)
    return ticket if ticket is not None and belongs_to(contact, ticket) else None


def belongs_to(contact: Contact, ticket: Ticket) -> bool:
    """The requester, a CC, or the organisation's primary contact, Administrator or authorised
    personnel."""
    if contact.pk == ticket.requester_id:
        return True
    if contact.organisation_id != ticket.organisation_id:
        return False
    org = ticket.organisation
    return (contact.authorised or contact.pk in (org.primary_contact_id, org.administrator_id)
            or ticket.cc.filter(pk=contact.pk).exists())
