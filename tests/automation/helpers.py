"""Walking tickets forward in time: sweeps, the outbox, and what they left on the history."""

from __future__ import annotations

from datetime import datetime

from django.core import mail

from pledgedesk.automation.services import sweep_sla
from pledgedesk.tickets.models import Ticket, TicketEvent
from tests import factories
from tests.outbox.helpers import drain


def agent(name: str, *, roles=("engineer",), groups=()):
    """An agent with a mail address, so escalation steps can reach them."""
    person = factories.agent(roles=roles, groups=groups, name=name)
    person.user.email = f"{name.lower().replace(' ', '.')}@desk.example"
    person.user.save()
    return person


def walk(now: datetime):
    """What the worker does at ``now``: one sweep, then every outbox row due."""
    result = sweep_sla(now=now)
    drain(now=now)
    return result


def events(ticket: Ticket, kind: str) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket, kind=kind).order_by("at", "id"))


def steps(ticket: Ticket) -> list[tuple]:
    """Each escalation step on the history: (chain, step, action, outcome, told)."""
    return [(e.new["chain"], e.new["step"], e.new["action"], e.new["outcome"],
             e.new.get("told"))
            for e in events(ticket, "escalation_step")]


def escalation_mail() -> list:
    """The mails escalation chains sent (other mail, such as acknowledgements, left out)."""
    return [m for m in mail.outbox if m.extra_headers.get("Message-ID", "").startswith(
        "<escalation.")]
