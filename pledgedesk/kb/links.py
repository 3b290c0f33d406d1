"""RK-12: the articles an agent's public reply linked, recorded so an article shows the
tickets it helped. A planner reads each public reply for the portal's article addresses; the
handler records them (once per article and ticket, so delivering twice records nothing new).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from django.urls import reverse

from pledgedesk.kb.services import article_links_record
from pledgedesk.outbox.registry import EventNotice, Planned, handler, planner
from pledgedesk.tickets.models import Message, TicketEvent

TOPIC = "kb.links"
PUBLIC_REPLY = "public_reply"


@lru_cache(maxsize=1)
def _article_link() -> re.Pattern:
    """The path of any article's page (host aside: links may name any of the desk's hosts)."""
    marker = "kb-slug-marker"
    prefix, suffix = reverse("portal:kb_article", args=[marker]).split(marker)
    return re.compile(re.escape(prefix) + r"([-a-zA-Z0-9_]{1,120})" + re.escape(suffix))


def linked_slugs(body: str) -> list[str]:
    return sorted(set(_article_link().findall(body or "")))


@planner("kb-links")
def plan(notice: EventNotice, *, now: datetime) -> list[Planned]:
    if notice.kind != PUBLIC_REPLY:
        return []
    event = TicketEvent.objects.filter(pk=notice.event_id).values_list("new", flat=True).first()
    message_id = (event or {}).get("message")
    body = Message.objects.filter(pk=message_id).values_list("body", flat=True).first()
    slugs = linked_slugs(body or "")
    if not slugs:
        return []
    return [Planned(topic=TOPIC, key=f"kb:links:event:{notice.event_id}", payload={
        "ticket": notice.ticket_id, "event": notice.event_id, "slugs": slugs})]


@handler(TOPIC, max_attempts=5)
def deliver(delivery, *, now: datetime) -> None:
    payload = delivery.payload
    article_links_record(ticket_id=payload["ticket"], event_id=payload["event"],
                         slugs=list(payload["slugs"])[:50], now=now)
