"""Paging the on-call engineer (FG-8): open a page, notify, repeat, escalate, acknowledge.

Each function is one transaction, taking ``now``. Notifications are outbox rows ("page.email",
"page.webhook") written in the page's own transaction; the handlers (``oncall.delivery``) send
them and then call ``notification_sent``, which is the only place a ticket's history says
someone *was* paged. Until then the history says a page was *requested* (PITFALLS: never claim
a page that was not sent).

A page's responders are fixed when it opens (``selectors.responders``: whoever is on call,
each layer's on-call agent, the schedule's lead). Each gets ``1 + repeats`` notifications
``ack_timeout_minutes`` apart, then the next one is paged. Concurrent workers and doors agree
through compare-and-set updates on the page row: the first write wins, the rest change nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from pledgedesk.accounts.models import Agent
from pledgedesk.errors import Conflict, NotFound
from pledgedesk.oncall import selectors, tokens
from pledgedesk.oncall.models import Page, PageNotification
from pledgedesk.outbox import services as outbox
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.history import ticket_event_record
from pledgedesk.tickets.models import OPEN_CATEGORIES, Ticket

ACK_LINK_TTL = timedelta(hours=12)
ADVANCE_BATCH = 200
EMAIL, WEBHOOK = PageNotification.Method.EMAIL, PageNotification.Method.WEBHOOK


# --- opening a page ---------------------------------------------------------------------------


def page_on_call(*, ticket_id: int, reason: str, now: datetime, source: str) -> Page:
    """Open the page of ``ticket_id`` from ``source`` (once: a second call returns the first
    page) and request its first notification to whoever is on call now."""
    with transaction.atomic(durable=True):
        ticket = (Ticket.objects.select_for_update(of=("self",)).select_related("organisation")
                  .get(pk=ticket_id))
        existing = Page.objects.filter(ticket=ticket, source=source).first()
        if existing is not None:
            return existing
        schedule = selectors.schedule_for_policy(ticket.organisation.policy_key)
        order = selectors.responders(schedule, at=now) if schedule is not None else []
        try:
            with transaction.atomic():
                page = Page.objects.create(ticket=ticket, schedule=schedule, source=source,
                                           reason=reason[:300], responders=order,
                                           created_at=now)
        except IntegrityError:  # a concurrent caller opened it first (SQLite has no row lock)
            return Page.objects.get(ticket=ticket, source=source)
        if not order:
            why = ("no on-call schedule answers the policy " + ticket.organisation.policy_key
                   if schedule is None else f"nobody is on call in {schedule.name}")
            _record(page, EventKind.PAGE_UNANSWERED, now, {"why": why})
        else:
            _notify(page, now, why=reason)
        page.save()
    return page


def _notify(page: Page, now: datetime, *, why: str) -> None:
    """Request one round of notifications to the current responder (the caller saves)."""
    agent = Agent.objects.select_related("user").get(pk=page.responders[page.target])
    page.step += 1
    page.attempt += 1
    timeout = page.schedule.ack_timeout_minutes if page.schedule else 15
    page.next_step_at = now + timedelta(minutes=timeout)
    methods = _contact_notifications(page, agent, now)
    _record(page, EventKind.PAGE_REQUESTED, now, {
        "page": page.pk, "step": page.step, "agent": agent.pk, "agent_name": agent.name,
        "methods": [n.method for n in methods], "why": why,
        "no_contact_method": not methods})


def _contact_notifications(page: Page, agent: Agent, now: datetime) -> list[PageNotification]:
    made = []
    if agent.user.email:
        made.append(_notification(page, agent, EMAIL, agent.user.email, None, now))
    for method in agent.oncall_methods.filter(enabled=True).order_by("id"):
        made.append(_notification(page, agent, WEBHOOK, method.url, method, now))
    return made


def _notification(page: Page, agent: Agent, method: str, to: str, contact_method, now: datetime,
                  *, action: str = "trigger") -> PageNotification:
    suffix = f":{contact_method.pk}" if contact_method is not None else ""
    step = f"step:{page.step}" if action == "trigger" else action
    key = f"page:{page.pk}:{step}:{method}{suffix}"
    nonce = tokens.new_nonce() if action == "trigger" else ""
    row = PageNotification.objects.create(
        page=page, step=page.step, action=action, agent=agent, method=method,
        contact_method=contact_method, to=to, key=key, requested_at=now, ack_nonce=nonce,
        ack_digest=tokens.digest(tokens.ack_token(key, nonce)) if nonce else None,
        ack_expires_at=now + ACK_LINK_TTL if nonce else None)
    outbox.enqueue(topic=f"page.{method}", key=key, payload={"notification": row.pk}, now=now,
                   ticket_id=page.ticket_id, organisation_id=page.ticket.organisation_id)
    return row


def _record(page: Page, kind: EventKind, now: datetime, facts: dict, *,
            agent: Agent | None = None, channel: str = "") -> None:
    ticket_event_record(ticket=page.ticket, kind=kind, now=now, new={"page": page.pk, **facts},
                        agent=agent, channel=channel)


# --- repeating and escalating -----------------------------------------------------------------


def advance_pages(*, now: datetime) -> int:
    """Take every open page whose acknowledgement window passed one step further: page the
    same responder again (``repeats`` times), then the next one, and record when nobody is
    left. Each page advances in its own transaction; returns how many advanced."""
    due = list(Page.objects.filter(state__in=Page.OPEN, next_step_at__lte=now)
               .order_by("next_step_at", "id").values_list("id", flat=True)[:ADVANCE_BATCH])
    return sum(_advance(page_id, now) for page_id in due)


def _advance(page_id: int, now: datetime) -> int:
    with transaction.atomic(durable=True):
        # The claim is the transaction's first write: a second worker's matches no row.
        if not (Page.objects.filter(pk=page_id, state__in=Page.OPEN, next_step_at__lte=now)
                .update(next_step_at=None)):
            return 0
        page = Page.objects.select_related("ticket", "schedule").get(pk=page_id)
        repeats = page.schedule.repeats if page.schedule else 0
        waited = int((now - _last_requested(page)) / timedelta(minutes=1))
        if page.ticket.status_category not in OPEN_CATEGORIES:
            _close_with_ticket(page, now)  # solved or closed meanwhile: nobody is woken for it
        elif page.attempt <= repeats:
            _notify(page, now, why=f"not acknowledged within {waited} minutes: repeat "
                                    f"{page.attempt} of {repeats}")
        elif page.target + 1 < len(page.responders):
            _escalate(page, now, waited)
        else:
            _record(page, EventKind.PAGE_UNANSWERED, now, {
                "why": f"nobody acknowledged after {page.step} notifications"})
        page.save()
    return 1


def _close_with_ticket(page: Page, now: datetime) -> None:
    page.state, page.resolved_at = Page.State.RESOLVED, now
    _record(page, EventKind.PAGE_RESOLVED, now, {
        "agent": None, "agent_name": "nobody", "via": f"ticket {page.ticket.status_category}"})
    _tell_webhooks(page, "resolve", now)


def _last_requested(page: Page) -> datetime:
    return (page.notifications.filter(action="trigger").order_by("-requested_at")
            .values_list("requested_at", flat=True).first() or page.created_at)


def _escalate(page: Page, now: datetime, waited: int) -> None:
    previous = page.responders[page.target]
    page.target += 1
    page.attempt = 0
    page.state = Page.State.ESCALATED
    nxt = page.responders[page.target]
    lead = page.schedule is not None and nxt == page.schedule.lead_id
    why = f"agent {previous} did not acknowledge within {waited} minutes"
    _record(page, EventKind.PAGE_ESCALATED, now, {"from": previous, "to": nxt,
                                                  "to_lead": lead, "why": why})
    _notify(page, now, why=why + ("; paging the lead" if lead else "; paging the next layer"))


# --- answering ---------------------------------------------------------------------------------


def page_acknowledge(*, page_id: int, agent: Agent, via: str, now: datetime) -> Page:
    """``agent`` takes the page: no more repeats or escalation. Conflict if it was already
    acknowledged or resolved (the first acknowledgement stands)."""
    with transaction.atomic(durable=True):
        return _acknowledge(page_id, agent, via, now)


def _acknowledge(page_id: int, agent: Agent, via: str, now: datetime) -> Page:
    if not Page.objects.filter(pk=page_id).exists():
        raise NotFound(f"page {page_id} not found", field="page")
    if not (Page.objects.filter(pk=page_id, state__in=Page.OPEN)
            .update(state=Page.State.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=agent,
                    acknowledged_via=via, next_step_at=None)):
        raise Conflict(_answered(Page.objects.select_related("acknowledged_by").get(pk=page_id)),
                       field="page")
    page = Page.objects.select_related("ticket", "schedule", "acknowledged_by").get(pk=page_id)
    _record(page, EventKind.PAGE_ACKNOWLEDGED, now,
            {"agent": agent.pk, "agent_name": agent.name, "via": via}, agent=agent, channel=via)
    _tell_webhooks(page, "acknowledge", now)
    return page


def _answered(page: Page) -> str:
    if page.state == Page.State.ACKNOWLEDGED and page.acknowledged_by is not None:
        return f"page {page.pk} was already acknowledged by {page.acknowledged_by.name}"
    return f"page {page.pk} is {page.state}"


def page_acknowledge_by_link(*, token: str, now: datetime) -> Page:
    """The acknowledge link of one notification: once, before it expires, for the agent it
    was sent to."""
    with transaction.atomic(durable=True):
        found = (PageNotification.objects.select_related("agent")
                 .filter(ack_digest=tokens.digest(token)).first())
        if found is None:
            raise NotFound("this acknowledge link is not valid", field="token")
        if found.ack_used_at is not None:
            raise Conflict("this acknowledge link was already used", field="token")
        if found.ack_expires_at <= now:
            raise Conflict("this acknowledge link has expired", field="token")
        if not (PageNotification.objects.filter(pk=found.pk, ack_used_at__isnull=True)
                .update(ack_used_at=now)):
            raise Conflict("this acknowledge link was already used", field="token")
        return _acknowledge(found.page_id, found.agent, "link", now)


def page_resolve(*, page_id: int, agent: Agent, via: str, now: datetime) -> Page:
    with transaction.atomic(durable=True):
        if not (Page.objects.filter(pk=page_id).exclude(state=Page.State.RESOLVED)
                .update(state=Page.State.RESOLVED, resolved_at=now, resolved_by=agent,
                        next_step_at=None)):
            selectors.page_get(page_id)  # NotFound for a page that does not exist
            raise Conflict(f"page {page_id} is already resolved", field="page")
        page = Page.objects.select_related("ticket", "schedule").get(pk=page_id)
        _record(page, EventKind.PAGE_RESOLVED, now, {"agent": agent.pk,
                                                     "agent_name": agent.name, "via": via},
                agent=agent, channel=via)
        _tell_webhooks(page, "resolve", now)
    return page


def _tell_webhooks(page: Page, action: str, now: datetime) -> None:
    """Every webhook that was sent the page hears it was acknowledged or resolved, so a
    paging service it was handed to stops paging (PagerDuty's event_action)."""
    told = (page.notifications.filter(method=WEBHOOK, action="trigger",
                                      contact_method__isnull=False)
            .select_related("contact_method", "agent"))
    seen = set()
    for row in told:
        if row.contact_method_id in seen:
            continue
        seen.add(row.contact_method_id)
        _notification(page, row.agent, WEBHOOK, row.to, row.contact_method, now, action=action)


# --- the handlers' side ------------------------------------------------------------------------


def notification_sent(*, notification_id: int, now: datetime) -> bool:
    """Record that a notification went out; the ticket's history says "paged" from here on.
    Idempotent: a retried delivery records nothing twice. Returns whether it recorded."""
    with transaction.atomic(durable=True):
        if not (PageNotification.objects.filter(pk=notification_id, sent_at__isnull=True)
                .update(sent_at=now)):
            return False
        row = (PageNotification.objects.select_related("page__ticket", "agent")
               .get(pk=notification_id))
        if row.action == "trigger":
            _record(row.page, EventKind.PAGE_SENT, now, {
                "step": row.step, "agent": row.agent_id, "agent_name": row.agent.name,
                "method": row.method, "to": row.to if row.method == EMAIL else "webhook"})
    return True


def notification_skip(*, notification_id: int, now: datetime) -> None:
    """The page was answered before this notification went out: it is not sent."""
    PageNotification.objects.filter(pk=notification_id, sent_at__isnull=True,
                                    skipped_at__isnull=True).update(skipped_at=now)

