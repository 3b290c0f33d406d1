"""Escalation chains at run time: planning a chain's steps when a warning or a breach is
recorded, and running one step when its instant comes (doors in ``automation.handlers``).

Planning (the ``escalation`` planner): an ``sla_warning`` / ``sla_breached`` event plans every
step of every chain the policy matches (``Policy.chains_for``) as an outbox row, topic
``escalation.step``, key ``esc:<ticket>:<metric>:<cycle>:<on>:<chain>:<step>``, due at the
step's instant (``policy.escalation.schedule``: business hours of the chain's calendar in the
customer's zone, or 24x7). The cycle is the start of the clock that crossed: the SLA engine's
verdict at the instant crossed, worked out here in the worker so the sweep never runs the engine
(``automation.sweep``). Planning twice plans the same keys, which the outbox ignores; so does a
second warning of the same cycle (a change moved its instant), whose steps already ran.

Running (the ``escalation.step`` handler, ``services.escalation_step_run``): a step whose
reason is gone (the clock met, paused or restarted, the ticket solved or closed) does nothing;
otherwise it acts and records one ``escalation_step`` event saying who was told, how and why,
once per key (``StepRun``'s unique key). Mail is sent before it is recorded, with a Message-ID
derived from the key, so a retry after a crash sends the same message again (at least once;
receivers drop the copy). A page is handed to ``pledgedesk.oncall``, whose own events say
whether anyone was paged; this history never claims a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.mail import EmailMessage

from pledgedesk.accounts.models import Agent, ContactEmail
from pledgedesk.automation.selectors import clock_now
from pledgedesk.channels.mailid import keyed_message_id
from pledgedesk.channels.outbound import mail_thread
from pledgedesk.outbox.registry import Planned
from pledgedesk.policy.compile import Policy
from pledgedesk.policy.escalation import EscalationChain, Step, schedule
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Ticket, TicketEvent
from pledgedesk.versions.policies import policy_for

TOPIC = "escalation.step"
TRIGGERS = {EventKind.SLA_WARNING: "warning", EventKind.SLA_BREACHED: "breach"}


def escalation_plan(*, event_id: int) -> list[Planned]:
    """Every step of every chain that the warning or breach ``event_id`` starts."""
    event = (TicketEvent.objects.select_related("ticket__organisation",
                                                "ticket__policy_version")
             .filter(pk=event_id).first())
    if event is None or event.kind not in TRIGGERS:
        return []
    ticket, facts, on = event.ticket, event.new or {}, TRIGGERS[event.kind]
    started = _cycle(ticket, facts)
    if started is None:
        return []
    policy = policy_for(ticket.policy_version)
    location = ticket.organisation.location if ticket.organisation else None
    cycle = int(started.timestamp())
    planned = []
    for chain in policy.chains_for(metric=facts["metric"], on=on, plan=facts["plan"],
                                   priority=facts["priority"]):
        calendar = policy.calendar(chain.calendar, location)
        for step, at in schedule(chain, event.at, calendar):
            key = f"esc:{ticket.pk}:{facts['metric']}:{cycle}:{on}:{chain.key}:{step.number}"
            planned.append(Planned(TOPIC, key, {
                "ticket": ticket.pk, "event": event.pk, "metric": facts["metric"],
                "cycle": started.isoformat(), "on": on, "chain": chain.key,
                "step": step.number,
            }, not_before=at))
    return planned


def _cycle(ticket: Ticket, facts: dict) -> datetime | None:
    """The start of the clock whose warning or late instant the event records: the engine's
    timer at that instant (events written later do not count). Events recorded before the
    sweep stopped running the engine carry it."""
    if facts.get("cycle"):
        return datetime.fromisoformat(facts["cycle"])
    timer = clock_now(ticket, facts["metric"], datetime.fromisoformat(facts["instant"]))
    return timer.started_at if timer is not None else None


def chain_step(policy: Policy, chain_key: str, number: int) -> tuple[EscalationChain, Step]:
    chain = next(c for c in policy.escalation_chains if c.key == chain_key)
    return chain, next(s for s in chain.steps if s.number == number)


# --- telling people --------------------------------------------------------------------------


@dataclass(frozen=True)
class Told:
    """Who a step reached and how, for its event."""

    names: tuple[str, ...]
    addresses: tuple[str, ...]


def agent_addresses(agents: list[Agent]) -> Told:
    reachable = [a for a in agents if a.user.email]
    return Told(tuple(a.name for a in agents), tuple(a.user.email for a in reachable))


def requester_address(ticket: Ticket) -> Told:
    if ticket.requester is None:
        return Told((), ())
    emails = ContactEmail.objects.filter(contact=ticket.requester).order_by("pk")
    first = emails.values_list("address", flat=True).first()
    return Told((ticket.requester.name,), (first,) if first else ())


def send(*, key: str, told: Told, subject: str, body: str, ticket: Ticket,
         thread: list[str] = ()) -> None:
    """Mail ``told`` over Django's mail API (``PLEDGEDESK_SMTP_URL``). The Message-ID comes
    from the outbox key, so a retried delivery sends the same message and receivers can drop
    the copy. Automatic mail says so (Auto-Submitted), so auto-replies do not answer it. Mail
    to the customer continues the ticket's conversation: ``thread`` (its Message-IDs, oldest
    first) become In-Reply-To and References, as every other outbound mail's do, so it lands
    in the customer's thread and their answer threads back into the ticket."""
    if not told.addresses:
        return
    headers = {"Message-ID": keyed_message_id(key, prefix="escalation"),
               "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
    if thread:
        headers["In-Reply-To"] = f"<{thread[-1]}>"
        headers["References"] = " ".join(f"<{i}>" for i in thread)
    EmailMessage(subject=f"[#{ticket.number}] {subject}", body=body, to=list(told.addresses),
                 headers=headers).send()


def customer_thread(ticket: Ticket) -> list[str]:
    """The ticket's mail conversation as Message-IDs, oldest first, exactly as the outbound
    mail of ``pledgedesk.channels`` threads its own."""
    return mail_thread(ticket)
