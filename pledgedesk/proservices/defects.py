"""Suspected defects (RK-5) and feature requests (RL-8), routed where the policy says.

A defect goes to the policy's development team with its tracker reference. Without a workaround
the ticket goes to the policy's on-hold status and the customer is told in the policy's words
(a public reply, mailed like any other); with one, the workaround is the reply. The
``product_defect`` exclusion then takes the ticket out of its resolution target (RK-4).
Each step is one ticket service (its own transaction); ``defect_report`` may be run again
after a failure part-way and completes what is missing, never doing a step twice.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from pledgedesk.accounts.models import Agent, AgentGroup
from pledgedesk.errors import InvalidInput, NotFound
from pledgedesk.proservices.models import Defect, FeatureRequest
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Ticket
from pledgedesk.tickets.services import (
    Actor,
    Change,
    ticket_reply,
    ticket_set_exclusion,
    ticket_system_change,
)
from pledgedesk.versions.policies import policy_for

DEFECT_EXCLUSION = "product_defect"
MAX_REFERENCE = 300
MAX_WORKAROUND = 20_000


def defect_report(*, ticket: Ticket, agent: Agent | None, reference: str, workaround: str,
                  now: datetime) -> Defect:
    if agent is None or not agent.active:
        raise InvalidInput("only agents report defects", field="agent")
    spec = policy_for(ticket.policy_version).spec.defects
    if spec is None:
        raise InvalidInput("this ticket's policy has no defect path", field="ticket")
    reference, workaround = (reference or "").strip(), (workaround or "").strip()
    if not reference or len(reference) > MAX_REFERENCE:
        raise InvalidInput(f"reference must be 1 to {MAX_REFERENCE} characters",
                           field="reference")
    if len(workaround) > MAX_WORKAROUND:
        raise InvalidInput(f"workaround is longer than {MAX_WORKAROUND} characters",
                           field="workaround")
    with transaction.atomic(durable=True):
        defect, created = Defect.objects.get_or_create(ticket=ticket, defaults={
            "reference": reference, "team": spec.team, "workaround": workaround,
            "priority": "" if workaround else (spec.priority or ""),
            "reported_by": agent, "reported_at": now})
    if created or not _told(ticket, defect):
        actor = Actor(channel="web", agent=agent)
        body = defect.workaround or spec.customer_message or (
            "We have passed this defect to our development team.")
        ticket_reply(ticket=ticket, actor=actor, body=body, expected_version=None, now=now,
                     change=Change(group=AgentGroup.objects.filter(key=spec.team).first(),
                                   status=None if defect.workaround
                                   else spec.without_workaround_status))
    policy = policy_for(ticket.policy_version)
    if DEFECT_EXCLUSION in policy.exclusion_reasons:
        ticket_set_exclusion(ticket=ticket, actor=Actor(channel="web", agent=agent),
                             reason=DEFECT_EXCLUSION, active=True, expected_version=None,
                             now=now)
    return defect


def _told(ticket: Ticket, defect: Defect) -> bool:
    return ticket.events.filter(kind=EventKind.PUBLIC_REPLY, at__gte=defect.reported_at,
                                actor_agent=defect.reported_by).exists()


def feature_request_open(*, ticket: Ticket, agent: Agent | None, summary: str,
                         now: datetime) -> FeatureRequest:
    """RL-8: the ticket is a feature request, routed to the team the policy names."""
    if agent is None or not agent.active:
        raise InvalidInput("only agents take feature requests", field="agent")
    team = policy_for(ticket.policy_version).spec.intake.feature_requests_to
    if team is None:
        raise InvalidInput("this ticket's policy names no team for feature requests",
                           field="ticket")
    summary = (summary or "").strip()
    if not summary or len(summary) > 300:
        raise InvalidInput("summary must be 1 to 300 characters", field="summary")
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
