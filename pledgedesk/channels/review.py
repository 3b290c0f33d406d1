"""A person's decisions on inbound mail that waits for one (issue 14; the console's mail review
page and the API call these, nothing else):

- ``mail_reprocess``: run intake again on a quarantined message (after the fix) or on a held
  one whose unknown sender has since become a contact (``services.inbound_retry``).
- ``mail_release``: an unknown sender's held message; the agent names the organisation, the
  sender becomes its contact, and intake runs again, so every policy rule applies as for any
  contact's mail (FG-10 may hold it again, now for the primary contact; RL-7 may refuse it).
- ``mail_refuse``: the support lead or an administrator (as for RL-7 bans) refuses a held or
  quarantined message: it is marked refused with who and why and kept, raw bytes and all.

FG-10's holds (a ticket awaiting the primary contact's confirmation) are not decided here:
only the primary contact confirms or rejects (``tickets.services.ticket_authorise``).
"""

from __future__ import annotations

from datetime import datetime

from pledgedesk.accounts.models import Agent, Organisation
from pledgedesk.accounts.services import contact_by_email, contact_create, may_ban
from pledgedesk.channels.models import InboundMessage
from pledgedesk.channels.review_selectors import ACTIONABLE, mail_actions, mail_waiting_one
from pledgedesk.channels.services import Outcome, inbound_retry
from pledgedesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied

State = InboundMessage.State
MAX_REASON = 2000


def may_refuse_mail(agent: Agent | None) -> bool:
    """Refusing is final for the message (it stays kept): the same people who may ban (RL-7)."""
    return may_ban(agent)


def mail_reprocess(*, message_id: int, now: datetime) -> Outcome:
    _waiting(message_id, "reprocess")
    return inbound_retry(message_id=message_id, now=now)


def mail_release(*, message_id: int, organisation: Organisation | None, name: str,
                 now: datetime) -> Outcome:
    """An unknown sender's message: the sender becomes a contact of ``organisation`` (named
    ``name``, or their address) and the message is processed as theirs. When someone made them
    a contact meanwhile, no organisation is needed and none is created."""
    row = _waiting(message_id, "release")
    if contact_by_email(row.sender) is None:
        if organisation is None:
            raise InvalidInput(f"{row.sender or 'the sender'} is no contact yet: name the "
                               "organisation they belong to", field="organisation")
        if not row.sender:
            raise Conflict("the message has no sender address to make a contact of",
                           field="sender")
        contact_create(organisation=organisation, name=name.strip() or row.sender,
                       emails=[row.sender], now=now)
    return inbound_retry(message_id=message_id, now=now)


def mail_refuse(*, message_id: int, agent: Agent, reason: str, now: datetime) -> Outcome:
    if not may_refuse_mail(agent):
        raise PermissionDenied("only the support lead or an administrator can refuse mail")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why the message is refused", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"reason is longer than {MAX_REASON} characters", field="reason")
    row = _waiting(message_id, "refuse")
    # Compare-and-set: a reprocess that got there first wins, and this refusal says so.
    done = InboundMessage.objects.filter(ACTIONABLE, pk=row.pk, state=row.state).update(
        state=State.REFUSED, reason=f"refused by {agent.name} on review: {reason}"[:2000],
        processed_at=now, lease_until=None)
    if not done:
        raise Conflict(f"message {message_id} changed meanwhile; look again", field="state")
    row.refresh_from_db(fields=["state", "reason"])
    return Outcome(row=row.pk, outcome=row.state, ticket=None, reason=row.reason)


def _waiting(message_id: int, action: str) -> InboundMessage:
    row = mail_waiting_one(message_id)
    if row is None:
        raise NotFound(f"no inbound message {message_id} waits for a person", field="id")
    if action not in mail_actions(row):
        waits = ("the primary contact's confirmation (FG-10)" if row.state == State.HELD
                 else "nobody")
        raise Conflict(f"cannot {action} message {message_id}: it waits for {waits}",
                       field="state")
    return row
