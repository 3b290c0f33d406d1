"""Which ticket an inbound message continues, if any.

Headers first: In-Reply-To and References against every stored Message-ID, inbound and
outbound (a reply to the desk's own mail may name only the desk's id). The ``[#123]`` tag in
the subject last, and only when the sender belongs to that ticket: anyone can type a number
into a subject, and a stranger quoting one must never land in someone else's conversation
(Zammad#5064).
"""

from __future__ import annotations

from pledgedesk.accounts.models import Contact
from pledgedesk.channels import outbound_selectors, selectors
from pledgedesk.channels.parsing import ParsedMail, ticket_tag
from pledgedesk.tickets.models import Ticket


def thread_for(mail: ParsedMail, contact: Contact) -> Ticket | None:
    ids = (*mail.in_reply_to, *reversed(mail.references))
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
