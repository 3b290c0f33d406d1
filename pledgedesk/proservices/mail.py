"""Outbox work of Professional Services (issue 17): the replenish notice to the primary contact
(RK-10) and the case a title marker opens.

The notice is rendered from ``channels/mail/ps_replenish.*`` (a policy's own template directory
first, as every mail) and sent with a Message-ID derived from the outbox key, so a retried
delivery is recognisably the same message to the receiver (at least once).
"""

from __future__ import annotations

from datetime import datetime
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.urls import reverse

from pledgedesk.channels import outbound_render as mailtext
from pledgedesk.channels.mailid import keyed_message_id
from pledgedesk.channels.outbound import support_address
from pledgedesk.outbox.registry import EventNotice, PermanentFailure, Planned, handler, planner
from pledgedesk.proservices import rules
from pledgedesk.proservices.models import ThresholdNotice
from pledgedesk.proservices.selectors import hours, marked_case
from pledgedesk.proservices.services import MAIL_TOPIC, ps_case_from_marker
from pledgedesk.tickets.events import EventKind

CASE_TOPIC = "ps-case"


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
    try:
        rendered = mailtext.render_mail(delivery.payload["template"], context, policy)
    except mailtext.TemplateProblem as exc:
        raise PermanentFailure(str(exc)) from None
    support = support_address(policy)
    mail = EmailMultiAlternatives(
        subject=rendered.subject, body=rendered.text, to=to,
        from_email=formataddr((policy.spec.policy.name,
                               parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
        headers={"Message-ID": keyed_message_id(delivery.key, prefix="pd",
                                                 domain=support.rpartition("@")[2]),
                 "Reply-To": support, "Auto-Submitted": "auto-generated",
                 "X-Auto-Response-Suppress": "All"},
        connection=get_connection(fail_silently=False))
    mail.attach_alternative(rendered.html, "text/html")
    mail.send(fail_silently=False)


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
