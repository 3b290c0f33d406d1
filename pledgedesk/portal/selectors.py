"""Reads for the primary contact's personnel page (FG-10): held requests go through the one
permission check like every ticket read."""

from __future__ import annotations

from pledgedesk.accounts.authorization import Principal, visible_tickets
from pledgedesk.accounts.models import AccessGrant, Contact, Organisation
from pledgedesk.tickets.models import Ticket

HELD_SHOWN = 50
PEOPLE_SHOWN = 200


def held_requests(principal: Principal, organisation: Organisation) -> list[Ticket]:
    """Requests waiting for the primary contact's confirmation, oldest first."""
    held = Ticket.objects.filter(organisation=organisation,
                                 hold=Ticket.Hold.AWAITING_AUTHORISATION)
    return list(visible_tickets(principal, held).select_related("requester")
                .order_by("received_at", "id")[:HELD_SHOWN])


def organisation_people(organisation: Organisation) -> tuple[list[Contact], set[int]]:
    """The organisation's contacts with their addresses, and which of them asked for
    temporary access that is still undecided."""
    contacts = list(organisation.contacts.prefetch_related("emails")
                    .order_by("name", "id")[:PEOPLE_SHOWN])
    pending = set(AccessGrant.objects.filter(contact__organisation=organisation,
                                             state=AccessGrant.State.PENDING)
                  .values_list("contact_id", flat=True))
    return contacts, pending
