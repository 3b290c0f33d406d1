"""Outbox work of Professional Services (issue 17): the replenish notice to the primary contact
(RK-10), the mail telling them an engagement moved (FG-12), the case a title marker opens and
the routing of a feature request the customer asked for as one (RL-8).

Each mail is rendered from ``channels/mail/ps_*.*`` (a policy's own template directory
first, as every mail) and sent with a Message-ID derived from the outbox key, so a retried
delivery is recognisably the same message to the receiver (at least once).
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from pledgedesk.accounts.models import Agent, Contact
from pledgedesk.channels import outbound_render as mailtext
from pledgedesk.channels.outbound import support_address
from pledgedesk.outbox.registry import EventNotice, PermanentFailure, Planned, handler, planner
from pledgedesk.proservices import rules
from pledgedesk.proservices.defects import feature_request_route
from pledgedesk.proservices.engagements import MOVE_MAIL_TOPIC
from pledgedesk.proservices.models import EngagementMove, ThresholdNotice
from pledgedesk.proservices.selectors import asked_as_feature, hours, marked_case
from pledgedesk.proservices.services import MAIL_TOPIC, ps_case_from_marker
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.selectors import organisation_zone

CASE_TOPIC = "ps-case"
FEATURE_TOPIC = "ps-feature"


@handler(MAIL_TOPIC, max_attempts=8, backoff_seconds=60, max_backoff_seconds=3600)
def deliver(delivery, *, now: datetime) -> None:
    notice = (ThresholdNotice.objects.select_related("bank__organisation", "contact")
              .filter(pk=delivery.payload["notice"]).first())
    if notice is None or notice.contact is None:
        raise PermanentFailure("the notice or its primary contact no longer exists")
    to = list(notice.contact.emails.values_list("address", flat=True))
    if not to:
        raise PermanentFailure(f"{notice.contact} has no e-mail address")
    bank, org = notice.bank, notice.bank.organisation
    policy = rules.policy_of(org, now=now)
    terms = rules.bank_terms_required(policy)
    context = {
        "contact": notice.contact, "organisation": org, "tier": bank.tier,
        "hours_bought": bank.minutes_bought // 60, "balance": hours(notice.balance_minutes),
        "percent": round((terms.spec.replenish_below or 0) * 100),
        "starts_on": bank.starts_on.isoformat(), "ends_on": bank.ends_on.isoformat(),
        "policy_name": policy.spec.policy.name,
        "bank_url": mailtext.absolute(reverse("portal:ps_bank")),
    }
    _send(delivery, to=to, context=context, policy=policy)


def _send(delivery, *, to: list[str], context: dict, policy) -> None:
    """The payload's template rendered with ``context`` and sent as an automatic notice with a
    Message-ID derived from the outbox key, so a retried delivery is the same message."""
    try:
        rendered = mailtext.render_mail(delivery.payload["template"], context, policy)
    except mailtext.TemplateProblem as exc:
        raise PermanentFailure(str(exc)) from None
    mailtext.send_automatic(rendered, to=to, policy=policy, support=support_address(policy),
                            key=delivery.key)


@handler(MOVE_MAIL_TOPIC, max_attempts=8, backoff_seconds=60, max_backoff_seconds=3600)
def tell_move(delivery, *, now: datetime) -> None:
    """FG-12: an engagement moved; its organisation's primary contact is told what and when."""
    move = (EngagementMove.objects.select_related("engagement__organisation", "agent")
            .filter(pk=delivery.payload["move"]).first())
    contact = Contact.objects.filter(pk=delivery.payload["contact"]).first()
    if move is None or contact is None:
        raise PermanentFailure("the move or the primary contact no longer exists")
    to = list(contact.emails.values_list("address", flat=True))
    if not to:
        raise PermanentFailure(f"{contact} has no e-mail address")
    org = move.engagement.organisation
    policy = rules.policy_of(org, now=now)
    _send(delivery, to=to, policy=policy,
          context=move_context(move, contact, policy, zone=organisation_zone(org, policy)))


def move_context(move: EngagementMove, contact: Contact, policy, *, zone: str) -> dict:
    engagement = move.engagement
    spec = policy.spec.engagements
    labels = {s.key: s.label for s in spec.stages} if spec is not None else {}
    facts = move.facts
    people = {a.pk: a.name for a in Agent.objects.filter(
        pk__in=[facts[f] for f in ("project_manager", "engineer") if f in facts])}
    return {
        "contact": contact, "organisation": engagement.organisation, "title": engagement.title,
        "kind": engagement.kind.replace("_", " "),
        "stage": labels.get(move.to_stage, move.to_stage),
        "from_stage": labels.get(move.from_stage, move.from_stage),
        "moved_at": mailtext.instant(move.at, zone),
        "meeting_at": _when(facts.get("meeting_at"), zone),
        "scheduled_at": _when(facts.get("scheduled_at"), zone),
        "project_manager": people.get(facts.get("project_manager"), ""),
        "engineer": people.get(facts.get("engineer"), ""),
        "po_number": facts.get("po_number", ""), "document": facts.get("document", ""),
        "engagement_url": mailtext.absolute(reverse("portal:ps_engagement",
                                                    args=[engagement.pk])),
        "policy_name": policy.spec.policy.name,
    }


def _when(value: str | None, zone: str) -> str:
    return mailtext.instant(datetime.fromisoformat(value), zone) if value else ""


@planner("ps-case")
def plan(notice: EventNotice, *, now: datetime) -> list[Planned]:
    """RK-10: a created ticket may carry the Professional Services title marker."""
    if notice.kind != EventKind.CREATED or not marked_case(notice.ticket_id):
        return []
    return [Planned(topic=CASE_TOPIC, key=f"ps-case:ticket:{notice.ticket_id}",
                    payload={"ticket": notice.ticket_id})]


@handler(CASE_TOPIC, max_attempts=8)
def open_case(delivery, *, now: datetime) -> None:
    ps_case_from_marker(ticket_id=delivery.payload["ticket"], now=now)


@planner("ps-feature")
def plan_feature(notice: EventNotice, *, now: datetime) -> list[Planned]:
    """RL-8: a request the customer made as a feature request goes to its owning team."""
    if notice.kind != EventKind.CREATED or not asked_as_feature(notice.ticket_id):
        return []
    return [Planned(topic=FEATURE_TOPIC, key=f"ps-feature:ticket:{notice.ticket_id}",
                    payload={"ticket": notice.ticket_id})]


@handler(FEATURE_TOPIC, max_attempts=8)
def route_feature(delivery, *, now: datetime) -> None:
    feature_request_route(ticket_id=delivery.payload["ticket"], now=now)
