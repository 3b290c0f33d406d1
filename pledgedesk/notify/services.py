"""Telling agents: a notification per agent per event, in the console and by mail or digest.

The planner (``plan_event``) asks ``rules.notices_for`` who is told; the ``notify`` handler
writes each notification once (a unique constraint) and, for an agent who wants this kind
mailed at once, writes the mail as its own outbox row in the same transaction. Digests are
collected by a periodic job (``send_digests``) into one mail per agent per window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from pledgedesk.accounts.models import Agent
from pledgedesk.errors import InvalidInput, NotFound
from pledgedesk.notify.models import Kind, Notification, NotifySettings
from pledgedesk.notify.rules import NOTIFIED_KINDS, notices_for
from pledgedesk.outbox.registry import EventNotice, Planned
from pledgedesk.outbox.services import enqueue
from pledgedesk.rowget import RowGet
from pledgedesk.tickets.models import TicketEvent

MAIL_NOW, MAIL_DIGEST = "now", "digest"
DIGEST_CHOICES = (15, 30, 60, 120, 240, 480, 1440)


# Read for every ticket event the worker fans out: a statement built once per process.
_EVENT = RowGet(TicketEvent, related=("ticket",), equal=("id",))


def plan_event(notice: EventNotice, *, now: datetime) -> list[Planned]:
    if notice.kind not in NOTIFIED_KINDS:
        return []  # most events tell no agent anything: no query for them
    try:
        event = _EVENT.get(id=notice.event_id)
    except TicketEvent.DoesNotExist:
        return []
    ticket = event.ticket
    return [Planned("notify", f"notify:{event.pk}:{n.agent_id}:{n.kind}",
                    {"agent": n.agent_id, "kind": str(n.kind), "text": n.text,
                     "event": event.pk, "ticket": ticket.pk, "number": ticket.number})
            for n in notices_for(event, ticket)]


def notification_record(*, payload: dict, now: datetime) -> Notification | None:
    """Write one planned notification (once), and its mail when the agent wants it now."""
    agent = Agent.objects.filter(pk=payload["agent"], active=True).first()
    if agent is None:
        return None
    mail = _mail_mode(settings_for(agent), payload["kind"])
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                agent=agent, kind=payload["kind"], ticket_id=payload["ticket"],
                ticket_number=payload["number"], event_id=payload["event"],
                text=payload["text"], created_at=now, mail=mail)
            if mail == MAIL_NOW:
                enqueue(topic="notify.email", key=f"notify-mail:{note.pk}",
                        payload={"notifications": [note.pk]}, now=now,
                        ticket_id=note.ticket_id)
    except IntegrityError:  # planned twice: the first one stands
        return None
    return note


def _mail_mode(settings: NotifySettings, kind: str) -> str:
    if kind not in settings.email_kinds or not settings.agent.user.email:
        return ""
    if settings.digest and kind != Kind.PAGE:  # a page is never held for a digest
        return MAIL_DIGEST
    return MAIL_NOW


def settings_for(agent: Agent) -> NotifySettings:
    found = NotifySettings.objects.select_related("agent__user").filter(agent=agent).first()
    return found or NotifySettings(agent=agent)


def settings_update(*, agent: Agent, email_kinds: list[str], console_kinds: list[str],
                    digest: bool, digest_minutes: int) -> NotifySettings:
    known = {str(k) for k in Kind}
    for field, kinds in (("email_kinds", email_kinds), ("console_kinds", console_kinds)):
        unknown = sorted(set(kinds) - known)
        if unknown:
            raise InvalidInput(f"{field}: unknown kind(s) {', '.join(unknown)}; known: "
                               f"{', '.join(sorted(known))}", field=field)
    if digest_minutes not in DIGEST_CHOICES:
        raise InvalidInput(f"digest_minutes must be one of {DIGEST_CHOICES}",
                           field="digest_minutes")
    with transaction.atomic():
        found, _ = NotifySettings.objects.update_or_create(agent=agent, defaults={
            "email_kinds": sorted(set(email_kinds)), "console_kinds": sorted(set(console_kinds)),
            "digest": digest, "digest_minutes": digest_minutes})
    return found


def notifications_read(*, agent: Agent, now: datetime, ids: list[int] | None = None) -> int:
    """Mark the agent's notifications read (``ids``, or all of them); how many changed."""
    rows = Notification.objects.filter(agent=agent, read_at__isnull=True)
    if ids is not None:
        if not Notification.objects.filter(agent=agent, pk__in=ids).count() == len(set(ids)):
            raise NotFound("notification not found", field="ids")
        rows = rows.filter(pk__in=ids)
    with transaction.atomic():
        return rows.update(read_at=now)


def send_digests(*, now: datetime) -> int:
    """Write one digest mail per agent whose window has passed; how many were written.
    Each notification joins exactly one digest: it is stamped in the transaction that writes
    the digest's outbox row, so two workers running this at once cannot both take it."""
    written = 0
    waiting = (Notification.objects.filter(mail=MAIL_DIGEST, mailed_at__isnull=True)
               .values_list("agent_id", flat=True).distinct())
    for agent_id in list(waiting):
        written += _digest_for(agent_id, now)
    return written


def _digest_for(agent_id: int, now: datetime) -> int:
    settings = NotifySettings.objects.filter(agent_id=agent_id).first()
    minutes = settings.digest_minutes if settings else 60
    with transaction.atomic():
        rows = list(Notification.objects.select_for_update()
                    .filter(agent_id=agent_id, mail=MAIL_DIGEST, mailed_at__isnull=True)
                    .order_by("id"))
        if not rows or rows[0].created_at > now - timedelta(minutes=minutes):
            return 0
        Notification.objects.filter(pk__in=[r.pk for r in rows]).update(mailed_at=now)
        enqueue(topic="notify.email", key=f"notify-digest:{agent_id}:{rows[0].pk}",
                payload={"notifications": [r.pk for r in rows]}, now=now)
    return 1
