"""Reading Professional Services facts, each narrowed to what the caller may see (issue 17).

An agent sees every organisation's banks and engagements; a contact only their own
organisation's, and only its primary contact or Administrator (who see all of its tickets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet, Sum

from pledgedesk import rowsql
from pledgedesk.accounts.authorization import Principal, visible_tickets
from pledgedesk.accounts.models import Contact, Organisation
from pledgedesk.errors import NotFound
from pledgedesk.policy.compile import Policy
from pledgedesk.proservices import rules
from pledgedesk.proservices.models import (
    Defect,
    Engagement,
    EngagementDocument,
    FeatureRequest,
    HourBank,
    PolicyException,
    PsCase,
    ThresholdNotice,
    TimeEntry,
)
from pledgedesk.tickets.models import Ticket
from pledgedesk.versions.models import PolicyVersion
from pledgedesk.versions.policies import policy_for


def hours(minutes: int) -> str:
    """``2 h 05 min``; ``-0 h 30 min`` below zero."""
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    return f"{sign}{minutes // 60} h {minutes % 60:02d} min"


def marked_case(ticket_id: int) -> bool:
    """RK-10: the ticket's title carries the marker of the team that sells hour banks.

    The outbox asks this of every created ticket (issue 20), so it reads only the title and the
    policy version's identity, by a statement built once, and keeps each version's compiled
    policy and hour-bank team per process (a version's text never changes: its digest names
    it)."""
    sql = rowsql.statement(("proservices.marked_case",), lambda q: (
        f"SELECT {q.col(Ticket, 'subject')}, {q.col(PolicyVersion, 'id')}, "  # noqa: S608
        f"{q.col(PolicyVersion, 'key')}, {q.col(PolicyVersion, 'digest')} "
        f"FROM {q.table(Ticket)} INNER JOIN {q.table(PolicyVersion)} "
        f"ON {q.col(PolicyVersion, 'id')} = {q.col(Ticket, 'policy_version')} "
        f"WHERE {q.col(Ticket, 'id')} = %s LIMIT 1"))
    rows = rowsql.fetch(sql, [rowsql.prepared(Ticket, "id", ticket_id)])
    if not rows:
        return False
    subject, version_id, key, digest = rows[0]
    known = _bank_teams.get((key, digest))
    if known is None:
        policy = policy_for(PolicyVersion.objects.get(pk=version_id))
        terms = rules.bank_terms(policy)
        known = (policy, terms.team if terms is not None else None)
        if len(_bank_teams) >= _BANK_TEAMS_KEPT:
            _bank_teams.clear()
        _bank_teams[(key, digest)] = known
    policy, team = known
    return team is not None and policy.route_title(subject) == team


# (policy key, version digest) -> (the version compiled, its hour-bank team or None).
_bank_teams: dict[tuple[str, str], tuple[Policy, str | None]] = {}
_BANK_TEAMS_KEPT = 64


def organisation_for(principal: Principal, org_id: int) -> Organisation:
    """The organisation ``org_id`` when ``principal`` may see its banks and engagements."""
    if principal.is_agent:
        found = Organisation.objects.filter(pk=org_id).first()
    elif principal.sees_whole_organisation and principal.contact.organisation_id == org_id:
        found = principal.contact.organisation
    else:
        found = None
    if found is None:
        raise NotFound("no such organisation", field="organisation")
    return found


def own_organisation(principal: Principal) -> Organisation:
    """A contact's own organisation, when they may see its banks (portal)."""
    if principal.contact is None:
        raise NotFound("no such organisation", field="organisation")
    return organisation_for(principal, principal.contact.organisation_id)


@dataclass(frozen=True)
class BankView:
    bank: HourBank
    balance: str
    below_line: bool
    active: bool
    entries: list[TimeEntry]
    notices: list[ThresholdNotice]


def banks_of(org: Organisation, *, now: datetime, statement: bool = True) -> list[BankView]:
    terms = rules.bank_terms(rules.policy_of(org, now=now))
    today = now.date()
    views = []
    for bank in HourBank.objects.filter(organisation=org).order_by("-starts_on", "-pk"):
        line = terms.line(bank.minutes_bought) if terms else None
        entries = list(bank.entries.select_related("ticket", "agent")
                       .order_by("worked_on", "pk")) if statement else []
        views.append(BankView(
            bank=bank, balance=hours(bank.balance_minutes),
            below_line=line is not None and bank.balance_minutes < line,
            active=bank.starts_on <= today < bank.ends_on, entries=entries,
            notices=list(bank.notices.order_by("crossing"))))
    return views


def ticket_time(ticket: Ticket) -> tuple[list[TimeEntry], int]:
    entries = list(TimeEntry.objects.filter(ticket=ticket).select_related("agent")
                   .order_by("worked_on", "pk"))
    return entries, sum(e.minutes for e in entries)


def ps_case_of(ticket: Ticket) -> PsCase | None:
    return PsCase.objects.filter(ticket=ticket).first()


def courtesy_report(*, since: datetime | None = None) -> QuerySet:
    """RK-11: courtesy minutes and tickets per organisation."""
    rows = TimeEntry.objects.filter(courtesy=True)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    return (rows.values("ticket__organisation_id", "ticket__organisation__name")
            .annotate(minutes=Sum("minutes"), tickets=Count("ticket", distinct=True))
            .order_by("-minutes"))


def exceptions_list(*, organisation_id: int | None = None,
                    agent_id: int | None = None) -> QuerySet:
    """RL-11: exceptions to policy, newest first, per organisation or agent."""
    rows = PolicyException.objects.select_related("organisation", "agent", "ticket")
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    if agent_id is not None:
        rows = rows.filter(agent_id=agent_id)
    return rows.order_by("-created_at", "-pk")


def engagements_visible(principal: Principal) -> QuerySet:
    rows = Engagement.objects.select_related("organisation", "project_manager", "engineer")
    if principal.is_agent:
        return rows
    if principal.sees_whole_organisation:
        return rows.filter(organisation_id=principal.contact.organisation_id)
    return rows.none()


def engagement_for(principal: Principal, engagement_id: int) -> Engagement:
    found = engagements_visible(principal).filter(pk=engagement_id).first()
    if found is None:
        raise NotFound("no such engagement", field="engagement")
    return found


@dataclass(frozen=True)
class DocumentView:
    document: EngagementDocument
    stage_label: str


def documents_of(engagement: Engagement, *, now: datetime) -> list[DocumentView]:
    """FG-12's documents (quote, signed quote with PO, statement of work), oldest first, each
    named by the policy's label of the stage it was given at."""
    spec = rules.policy_of(engagement.organisation, now=now).spec.engagements
    labels = {s.key: s.label for s in spec.stages} if spec is not None else {}
    return [DocumentView(d, labels.get(d.stage, d.stage))
            for d in engagement.documents.order_by("uploaded_at", "pk")]


def document_for(principal: Principal, engagement_id: int,
                 document_id: int) -> EngagementDocument:
    """An engagement's document when ``principal`` may see the engagement (agents; the
    organisation's primary contact or Administrator): NotFound otherwise, never 403."""
    engagement = engagement_for(principal, engagement_id)
    found = EngagementDocument.objects.filter(engagement=engagement, pk=document_id).first()
    if found is None:
        raise NotFound("no such document", field="document")
    return found


def takes_feature_requests(contact: Contact, *, now: datetime) -> bool:
    """RL-8: the contact's policy names a team that owns feature requests."""
    policy = rules.policy_of(contact.organisation, now=now)
    return policy.spec.intake.feature_requests_to is not None


def asked_as_feature(ticket_id: int) -> bool:
    """RL-8: the customer asked for this ticket as a feature request (no agent took it).
    Asked of every created ticket by the outbox: a statement built once (issue 20)."""
    sql = rowsql.statement(("proservices.asked_as_feature",), lambda q: (
        f"SELECT 1 FROM {q.table(FeatureRequest)} "  # noqa: S608
        f"WHERE {q.col(FeatureRequest, 'ticket')} = %s "
        f"AND {q.col(FeatureRequest, 'opened_by')} IS NULL LIMIT 1"))
    return bool(rowsql.fetch(sql, [rowsql.prepared(FeatureRequest, "ticket", ticket_id)]))


def feature_request_of(ticket: Ticket) -> FeatureRequest | None:
    return FeatureRequest.objects.select_related("ticket").filter(ticket=ticket).first()


def feature_requests_visible(principal: Principal) -> QuerySet:
    """RL-8: feature requests on the tickets ``principal`` may see, newest change first."""
    tickets = visible_tickets(principal, Ticket.objects.all())
    return (FeatureRequest.objects.select_related("ticket").filter(ticket__in=tickets)
            .order_by("-updated_at", "-pk"))


def defect_of(ticket: Ticket) -> Defect | None:
    return Defect.objects.filter(ticket=ticket).first()
