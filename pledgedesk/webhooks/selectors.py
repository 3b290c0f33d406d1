"""Reading webhook subscriptions and their delivery log."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from pledgedesk import rowsql
from pledgedesk.accounts.models import Organisation
from pledgedesk.errors import NotFound
from pledgedesk.tickets.events import EventKind
from pledgedesk.tickets.models import Message, TicketEvent
from pledgedesk.webhooks.models import Delivery, DeliveryAttempt, Subscription

LOG_PAGE = 50


def subscriptions_for(*, organisation_id: int | None, kind: str) -> list[Subscription]:
    """The active subscriptions an event of ``kind`` on a ticket of ``organisation_id`` goes
    to: those for every organisation and those for this one, that chose ``kind``. An internal
    kind (or one no release classified) goes only to subscriptions that opted into internal
    events, whatever they chose (the chosen list is checked when saved; this holds even if a
    kind changes class in a later release).

    The outbox asks this of every ticket event (issue 20): the rows are read by a statement
    built once per process, and only the chosen ones become instances."""
    member = EventKind.of(kind)
    internal = member is None or member.internal
    fields = Subscription._meta.concrete_fields
    sql = rowsql.statement(("webhooks.subscriptions_for",), lambda q: (
        f"SELECT {', '.join(q.col(Subscription, f.name) for f in fields)} "  # noqa: S608
        f"FROM {q.table(Subscription)} "
        f"WHERE ({q.col(Subscription, 'active')} = %s "
        f"AND ({q.col(Subscription, 'organisation')} IS NULL "
        f"OR {q.col(Subscription, 'organisation')} = %s)) "
        f"ORDER BY {q.col(Subscription, 'id')} ASC"))
    rows = rowsql.fetch(sql, [rowsql.prepared(Subscription, "active", True),
                              rowsql.prepared(Subscription, "organisation", organisation_id)])
    if not rows:
        return []
    attnames = [f.attname for f in fields]
    converters = [rowsql.converter(Subscription, f.name) for f in fields]
    found = []
    for row in rows:
        sub = Subscription.from_db(connection.alias, attnames,
                                   [convert(v) for convert, v in zip(converters, row, strict=True)])
        if kind in sub.events and (sub.include_internal or not internal):
            found.append(sub)
    return found


def event_with_ticket(event_id: int) -> TicketEvent | None:
    """The event with what a webhook body shows of it and its ticket, in one query."""
    return (TicketEvent.objects
            .select_related("ticket", "ticket__organisation", "ticket__requester",
                            "ticket__assignee", "ticket__group", "actor_agent", "actor_contact")
            .filter(pk=event_id).first())


def event_message(event: TicketEvent) -> Message | None:
    """The message an event is about (a reply, a note, a logged call), if it names one."""
    message_id = (event.new or {}).get("message") if isinstance(event.new, dict) else None
    if not isinstance(message_id, int):
        return None
    return (Message.objects.select_related("author_agent", "author_contact")
            .filter(pk=message_id, ticket_id=event.ticket_id).first())


def subscription_list() -> QuerySet[Subscription]:
    return Subscription.objects.select_related("owner", "organisation").order_by("name", "id")


def subscription_get(subscription_id: int) -> Subscription:
    found = subscription_list().filter(pk=subscription_id).first()
    if found is None:
        raise NotFound(f"webhook subscription {subscription_id} not found", field="subscription")
    return found


def disabled_subscriptions() -> QuerySet[Subscription]:
    """Subscriptions switched off, newest first: the console's notice."""
    return subscription_list().filter(active=False).order_by("-disabled_at", "-id")


def delivery_log(subscription: Subscription, *, before: int | None = None,
                 limit: int = LOG_PAGE) -> list[Delivery]:
    """The subscription's deliveries, newest first, ``limit`` per page (keyset on id)."""
    rows = Delivery.objects.filter(subscription=subscription)
    if before is not None:
        rows = rows.filter(id__lt=before)
    return list(rows.order_by("-id").defer("body")[:limit])


def delivery_get(subscription: Subscription, delivery_id: int) -> Delivery:
    found = Delivery.objects.filter(subscription=subscription, pk=delivery_id).first()
    if found is None:
        raise NotFound(f"delivery {delivery_id} not found", field="delivery")
    return found


def delivery_attempts(delivery: Delivery) -> list[DeliveryAttempt]:
    return list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("-id"))


def organisation_choices() -> list[tuple[int, str]]:
    """Every organisation, by name: what a subscription may be limited to."""
    return list(Organisation.objects.order_by("name", "id").values_list("id", "name"))
