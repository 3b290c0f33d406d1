"""Suspected defects (RK-5) and feature requests (RL-8), routed where the policy says.

A defect goes to the policy's development team with its tracker reference. Without a workaround
the ticket goes to the policy's on-hold status and the customer is told in the policy's words
(a public reply, mailed like any other); with one, the workaround is the reply. The
``product_defect`` exclusion then takes the ticket out of its resolution target (RK-4).
All of it is one ticket change in one transaction (``ticket_reply`` with the defect recorded
under the ticket's lock): it happens completely or not at all.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from pledgedesk.accounts.models import Agent, AgentGroup, Contact
from pledgedesk.errors import Conflict, InvalidInput, NotFound
from pledgedesk.proservices.models import Defect, FeatureRequest
from pledgedesk.proservices.terms import DEFECT_EXCLUSION
from pledgedesk.tickets.intake import door_channel
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import (
    Actor,
    Change,
    NewTicket,
    ticket_create,
    ticket_reply,
    ticket_system_change,
)
from pledgedesk.versions.policies import policy_for, policy_in_force

MAX_REFERENCE = 300
MAX_WORKAROUND = 20_000
MAX_SUMMARY = 300
DEFAULT_TOLD = "We have passed this defect to our development team."


def defect_report(*, ticket: Ticket, agent: Agent | None, reference: str, workaround: str,
                  now: datetime) -> Defect:
    """RK-5 in one ticket change, one transaction: the defect row, the move to the policy's
    development team (On-Hold without a workaround), the customer told in the policy's words
    (or given the workaround) and the ``product_defect`` exclusion (RK-4). A ticket already
    reported answers its defect and changes nothing."""
    if agent is None or not agent.active:
        raise InvalidInput("only agents report defects", field="agent")
    policy = policy_for(ticket.policy_version)
    spec = policy.spec.defects
    if spec is None:
        raise InvalidInput("this ticket's policy has no defect path", field="ticket")
    reference, workaround = (reference or "").strip(), (workaround or "").strip()
    if not reference or len(reference) > MAX_REFERENCE:
        raise InvalidInput(f"reference must be 1 to {MAX_REFERENCE} characters",
                           field="reference")
    if len(workaround) > MAX_WORKAROUND:
        raise InvalidInput(f"workaround is longer than {MAX_WORKAROUND} characters",
                           field="workaround")
    known = Defect.objects.filter(ticket=ticket).first()
    if known is not None:
        return known
    made: list[Defect] = []

    def record(locked: Ticket, _message) -> None:
        if Defect.objects.filter(ticket=locked).exists():  # another agent, just now
            raise Conflict("this ticket's defect was just reported", field="ticket")
        made.append(Defect.objects.create(
            ticket=locked, reference=reference, team=spec.team, workaround=workaround,
            priority="" if workaround else (spec.priority or ""), reported_by=agent,
            reported_at=now))

    ticket_reply(
        ticket=ticket, actor=Actor(channel="web", agent=agent), expected_version=None, now=now,
        body=workaround or spec.customer_message or DEFAULT_TOLD,
        change=Change(group=AgentGroup.objects.filter(key=spec.team).first(),
                      status=None if workaround else spec.without_workaround_status),
        exclusion=DEFECT_EXCLUSION if DEFECT_EXCLUSION in policy.exclusion_reasons else None,
        record=record)
    return made[0]


def feature_request_open(*, ticket: Ticket, agent: Agent | None, summary: str,
                         now: datetime) -> FeatureRequest:
    """RL-8: the ticket is a feature request, routed to the team the policy names."""
    if agent is None or not agent.active:
        raise InvalidInput("only agents take feature requests", field="agent")
    team = policy_for(ticket.policy_version).spec.intake.feature_requests_to
    if team is None:
        raise InvalidInput("this ticket's policy names no team for feature requests",
                           field="ticket")
    summary = _summary(summary)
    made: list[FeatureRequest] = []

    def claim() -> bool:
        if FeatureRequest.objects.filter(ticket=ticket).exists():
            return False
        made.append(FeatureRequest.objects.create(ticket=ticket, team=team, summary=summary,
                                                  opened_by=agent, created_at=now,
                                                  updated_at=now))
        return True

    ticket_system_change(ticket=ticket, claim=claim, now=now,
                         change=Change(group=AgentGroup.objects.filter(key=team).first()))
    if not made:
        raise InvalidInput("this ticket is already a feature request", field="ticket")
    return made[0]


def feature_request_submit(*, contact: Contact, summary: str, description: str, door: str,
                           now: datetime) -> FeatureRequest:
    """RL-8 from the customer's side: a feature request is a request type. The ticket and its
    ``FeatureRequest`` are written in one transaction (``ticket_create``'s ``record``); the
    move to the owning team follows through the outbox when the ticket's creation is planned,
    as a title marker's case does (``proservices.mail``), and may be run again."""
    policy = policy_in_force(contact.organisation.policy_key, now=now)[1]
    team = policy.spec.intake.feature_requests_to
    if team is None:
        raise InvalidInput("your support policy takes no feature requests", field="summary")
    channel = door_channel(policy, door)  # "web" or "api": the channel the policy records
    if channel is None:
        raise InvalidInput(f"your support policy takes no requests through the {door}",
                           field="summary")
    summary = _summary(summary)
    made: list[FeatureRequest] = []

    def record(ticket: Ticket, _message) -> None:
        made.append(FeatureRequest.objects.create(ticket=ticket, team=team, summary=summary,
                                                  created_at=now, updated_at=now))

    ticket_create(new=NewTicket(
        organisation=contact.organisation, requester=contact, channel=channel,
        subject=f"Feature request: {summary}",
        description=(description or "").strip() or summary), record=record, now=now)
    return made[0]


def feature_request_route(*, ticket_id: int, now: datetime) -> None:
    """Move a customer's feature request to the team that owns it; nothing if it is there."""
    found = FeatureRequest.objects.select_related("ticket").filter(ticket_id=ticket_id).first()
    group = AgentGroup.objects.filter(key=found.team).first() if found else None
    if group is not None and found.ticket.group_id != group.pk:
        ticket_system_change(ticket=found.ticket, change=Change(group=group), now=now)


def _summary(value: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > MAX_SUMMARY:
        raise InvalidInput(f"summary must be 1 to {MAX_SUMMARY} characters", field="summary")
    return value


def feature_request_set_status(*, ticket: Ticket, agent: Agent | None, status: str,
                               now: datetime) -> FeatureRequest:
    if agent is None or not agent.active:
        raise InvalidInput("only agents change a feature request", field="agent")
    if status not in FeatureRequest.Status.values:
        raise InvalidInput(f"unknown status {status!r} (known: "
                           f"{', '.join(FeatureRequest.Status.values)})", field="status")
    with transaction.atomic(durable=True):
        found = FeatureRequest.objects.select_for_update().filter(ticket=ticket).first()
        if found is None:
            raise NotFound("this ticket is not a feature request", field="ticket")
        found.status, found.updated_at = status, now
        found.save(update_fields=["status", "updated_at"])
        return found
