"""Inbound mail waiting for a person (issue 14): what the console's mail review page and the
API list, and the one row an action is about.

- Quarantined: unreadable, oversized, or failed in intake; waits for a fix and a reprocess.
- Held without a ticket: the sender is no contact (unknown sender); waits for an agent to
  release it (the sender becomes a contact) or refuse it.
- Held with a ticket still awaiting authorisation: FG-10, the sender is not authorised
  personnel and the organisation's primary contact was asked by mail; only they decide
  (``tickets.services.ticket_authorise``), so agents see it here but have no action on it.

The raw bytes are never loaded for a list; ``mail_raw`` reads them for one row.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pledgedesk.channels.models import InboundMessage
from pledgedesk.tickets.models import Ticket

State = InboundMessage.State
SHOWN = 200
KINDS = ("quarantined", "held")
# Rows an agent may act on: reprocess (both), release and refuse (unknown senders), refuse.
ACTIONABLE = Q(state=State.QUARANTINED) | Q(state=State.HELD, ticket__isnull=True)
# FG-10: held with its ticket, while the primary contact has not decided. Once they have, the
# row keeps its "held" outcome (what intake did) but waits for nobody.
AWAITING_PRIMARY = Q(state=State.HELD, ticket__isnull=False,
                     ticket__hold=Ticket.Hold.AWAITING_AUTHORISATION)


def _rows() -> QuerySet[InboundMessage]:
    return InboundMessage.objects.defer("raw").select_related(
        "ticket__organisation__primary_contact")


def mail_waiting(*, kind: str, limit: int = SHOWN) -> list[InboundMessage]:
    """``kind`` "quarantined" or "held" (unknown senders, then FG-10 holds), newest first."""
    if kind == "quarantined":
        found = _rows().filter(state=State.QUARANTINED)
    else:
        found = _rows().filter(Q(state=State.HELD, ticket__isnull=True) | AWAITING_PRIMARY)
    return list(found.order_by("-received_at", "-pk")[:limit])


def mail_waiting_one(message_id: int) -> InboundMessage | None:
    """The row, if it is one the review lists (quarantined or held and waiting)."""
    return _rows().filter(ACTIONABLE | AWAITING_PRIMARY, pk=message_id).first()


def mail_raw(message_id: int) -> bytes | None:
    """The message byte for byte as it arrived, for any stored row (evidence, never dropped)."""
    raw = InboundMessage.objects.filter(pk=message_id).values_list("raw", flat=True).first()
    return bytes(raw) if raw is not None else None


def mail_actions(row: InboundMessage) -> tuple[str, ...]:
    """What an agent may do with ``row`` now: the page's buttons and the API's ``actions``.
    Refusing is further limited to the support lead and administrators (``review``)."""
    if row.state == State.QUARANTINED:
        return ("reprocess", "refuse")
    if row.state == State.HELD and row.ticket_id is None:
        return ("reprocess", "release", "refuse")
    return ()
