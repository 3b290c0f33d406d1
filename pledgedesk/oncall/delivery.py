"""Sending pages: the outbox handlers of "page.open", "page.email" and "page.webhook", and the
planner that turns intake's PAGE_ON_CALL event into a page (FG-8).

A handler sends, then calls ``services.notification_sent``: the ticket's history says
"paged" only after the mail server or the receiver took the page. A retry sends the same
message again with the same Message-ID / webhook-id, so the receiver can drop the duplicate.

The webhook body (Standard Webhooks: ``webhook-id``, ``webhook-timestamp``,
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``) is documented in
``docs/oncall.md``; its ``data.pagerduty`` is a PagerDuty Events API v2 event that a relay can
post to https://events.pagerduty.com/v2/enqueue as it is.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse

from pledgedesk import __version__
from pledgedesk.channels.mailid import keyed_message_id
from pledgedesk.oncall import services, tokens
from pledgedesk.oncall.models import PageNotification
from pledgedesk.outbox.registry import EventNotice, PermanentFailure, Planned, handler, planner
from pledgedesk.tickets.events import EventKind

WEBHOOK_TIMEOUT = 10  # seconds
SEVERITIES = ("critical", "error", "warning")  # by priority rank; lower ranks are "info"
INTAKE_SOURCE = "intake"


@planner("oncall")
def plan(notice: EventNotice, *, now: datetime) -> list[Planned]:
    """Intake decided to page (FG-8: a 24x7 plan, an Urgent priority, a channel that pages,
    after hours): open the page, through its own row so a failure retries on its own."""
    if notice.kind != EventKind.PAGE_ON_CALL:
        return []
    return [Planned("page.open", f"page:open:ticket:{notice.ticket_id}:{INTAKE_SOURCE}",
                    {"ticket": notice.ticket_id, "event": notice.event_id})]


@handler("page.open", max_attempts=10, backoff_seconds=10, max_backoff_seconds=300)
def open_page(delivery, *, now: datetime) -> None:
    services.page_on_call(
        ticket_id=delivery.payload["ticket"], now=now, source=INTAKE_SOURCE,
        reason="FG-8: an Urgent ticket of a 24x7 customer arrived after hours")


def _notification(delivery, now: datetime) -> PageNotification | None:
    row = (PageNotification.objects
           .select_related("page__ticket__organisation", "page__schedule", "agent",
                           "contact_method")
           .filter(pk=delivery.payload["notification"]).first())
    if row is None or row.sent_at is not None:
        return None  # sent before (a retry after the record): nothing to do again
    if row.action == "trigger" and not row.page.is_open:
        services.notification_skip(notification_id=row.pk, now=now)
        return None  # answered before this went out: not sent, and not claimed
    return row


# --- email -------------------------------------------------------------------------------------


@handler("page.email", max_attempts=6, backoff_seconds=20, max_backoff_seconds=300)
def send_email(delivery, *, now: datetime) -> None:
    row = _notification(delivery, now)
    if row is None:
        return
    page, ticket = row.page, row.page.ticket
    link = public_url(reverse("console:oncall_ack", args=[_ack(row)]))
    body = "\n".join([
        f"You are paged for ticket #{ticket.number}: {ticket.subject}",
        f"Organisation: {ticket.organisation.name}; priority: {ticket.priority}.",
        f"Why: {page.reason}",
        f"Notification {row.step} of this page; it repeats and then escalates until someone "
        "acknowledges it.",
        "",
        f"Acknowledge (opens a page with a button; the link works once and expires at "
        f"{row.ack_expires_at:%Y-%m-%d %H:%M} UTC):",
        link,
        "",
        f"The ticket: {public_url(reverse('console:ticket', args=[ticket.number]))}",
    ])
    mail = EmailMessage(
        subject=f"[PAGE] #{ticket.number} {ticket.subject}"[:200], body=body,
        from_email=settings.DEFAULT_FROM_EMAIL, to=[row.to],
        headers={"Message-ID": keyed_message_id(delivery.key, prefix="page"),
                 "Auto-Submitted": "auto-generated",
                 "X-Priority": "1"},
        connection=get_connection(fail_silently=False))
    mail.send(fail_silently=False)
    services.notification_sent(notification_id=row.pk, now=now)


def _ack(row: PageNotification) -> str:
    return tokens.ack_token(row.key, row.ack_nonce)


def public_url(path: str) -> str:
    """An absolute URL for a link sent out of the desk (mail, webhook)."""
    return settings.PLEDGEDESK_PUBLIC_URL + path


# --- webhook -----------------------------------------------------------------------------------


@handler("page.webhook", max_attempts=8, backoff_seconds=15, max_backoff_seconds=900)
def send_webhook(delivery, *, now: datetime) -> None:
    row = _notification(delivery, now)
    if row is None or row.contact_method is None:
        return
    body = json.dumps(webhook_body(row, now), separators=(",", ":")).encode()
    msg_id = "msg_" + hashlib.sha256(delivery.key.encode()).hexdigest()[:32]
    stamp = int(now.timestamp())
    url = row.contact_method.url
    if not url.startswith(("http://", "https://")):  # checked at entry too (schedules)
        raise PermanentFailure("a page webhook must be an http or https URL")
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json", "User-Agent": f"Pledgedesk/{__version__}",
        "webhook-id": msg_id, "webhook-timestamp": str(stamp),
        "webhook-signature": tokens.webhook_signature(row.contact_method.secret, msg_id,
                                                      stamp, body)})
    try:
        with _opener().open(request, timeout=WEBHOOK_TIMEOUT) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        if exc.code == 410:  # Standard Webhooks: the receiver says stop
            raise PermanentFailure(f"the receiver answered 410 Gone: {row.to}") from None
        raise RuntimeError(f"the receiver answered {exc.code}") from None
    services.notification_sent(notification_id=row.pk, now=now)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer, not a new address to sign for


def _opener():
    return urllib.request.build_opener(_NoRedirects)


def webhook_body(row: PageNotification, now: datetime) -> dict:
    page, ticket = row.page, row.page.ticket
    state = {"trigger": "triggered", "acknowledge": "acknowledged", "resolve": "resolved"}
    data = {
        "page": {"id": page.pk, "state": page.state, "step": row.step, "source": page.source,
                 "reason": page.reason, "created_at": page.created_at.isoformat()},
        "ticket": {"number": ticket.number, "subject": ticket.subject,
                   "priority": ticket.priority, "organisation": ticket.organisation.name,
                   "url": public_url(reverse("console:ticket", args=[ticket.number]))},
        "responder": {"id": row.agent_id, "name": row.agent.name},
        "schedule": ({"id": page.schedule.pk, "name": page.schedule.name,
                      "zone": page.schedule.zone} if page.schedule else None),
        "pagerduty": _pagerduty(row, now),
    }
    if row.action == "trigger":
        data["page"]["acknowledge_url"] = public_url(reverse("console:oncall_ack",
                                                             args=[_ack(row)]))
    return {"type": f"page.{state[row.action]}", "timestamp": now.isoformat(), "data": data}


def _pagerduty(row: PageNotification, now: datetime) -> dict:
    """A PagerDuty Events API v2 event: trigger, acknowledge or resolve one dedup_key."""
    page, ticket = row.page, row.page.ticket
    event = {"routing_key": row.contact_method.routing_key, "event_action": row.action,
             "dedup_key": f"pledgedesk-page-{page.pk}"}
    if row.action == "trigger":
        rank = ticket.priority_rank
        event["payload"] = {
            "summary": f"#{ticket.number} {ticket.subject}"[:1024],
            "source": f"pledgedesk:{ticket.organisation.policy_key}",
            "severity": SEVERITIES[rank] if rank < len(SEVERITIES) else "info",
            "timestamp": now.isoformat(),
            "custom_details": {"ticket": ticket.number, "organisation": ticket.organisation.name,
                               "priority": ticket.priority, "reason": page.reason,
                               "step": row.step, "responder": row.agent.name}}
    return event

