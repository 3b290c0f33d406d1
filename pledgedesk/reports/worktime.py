"""Time logged in a period (issue 19, "Workload"; time tracking and hour banks are issue 17's
``proservices``): minutes per agent and per group, courtesy time (RK-11) and hour-bank
drawdown (RK-10) per organisation. Each table is one GROUP BY over the time entries whose
``worked_on`` day lies in the period; the tickets behind a figure are the same filter."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from pledgedesk.proservices.models import HourBank, TimeEntry
from pledgedesk.tickets.models import Ticket

# What a figure of these tables may be narrowed to: the time entry's column.
SUBJECTS = {"agent": "agent_id", "group": "ticket__group_id",
            "organisation": "ticket__organisation_id", "bank": "bank__organisation_id"}
KINDS = {"all": Q(), "billable": Q(billable=True), "courtesy": Q(courtesy=True),
         "bank": Q(bank__isnull=False)}


def entries_in(*, first: date, last: date) -> QuerySet[TimeEntry]:
    return TimeEntry.objects.filter(worked_on__gte=first, worked_on__lte=last)


# An aggregate may not take its column's name: the sums are named apart, then renamed.
_NAMES = {"total": "minutes", "billable_total": "billable", "courtesy_total": "courtesy"}


def _minutes(rows) -> list[dict]:
    return [{_NAMES.get(k, k): v for k, v in r.items()} for r in rows]


def _sums(rows: QuerySet, key: str, name: str) -> list[dict]:
    return _minutes(rows.values(key=F(key), name=F(name))
                .annotate(total=Sum("minutes"),
                          billable_total=Coalesce(Sum("minutes", filter=Q(billable=True)), 0),
                          courtesy_total=Coalesce(Sum("minutes", filter=Q(courtesy=True)), 0),
                          tickets=Count("ticket_id", distinct=True))
                .order_by("-total", "name", "key"))


def time_logged(*, first: date, last: date) -> dict:
    """Minutes logged per agent and per the ticket's group: all, billable, courtesy."""
    rows = entries_in(first=first, last=last)
    return {"by_agent": _sums(rows, "agent_id", "agent__name"),
            "by_group": _sums(rows, "ticket__group_id", "ticket__group__name")}


def courtesy_by_organisation(*, first: date, last: date) -> list[dict]:
    """RK-11: courtesy minutes and tickets per organisation."""
    return _minutes(entries_in(first=first, last=last).filter(courtesy=True)
                    .values(key=F("ticket__organisation_id"),
                            name=F("ticket__organisation__name"))
                    .annotate(total=Sum("minutes"), tickets=Count("ticket_id", distinct=True))
                    .order_by("-total", "name", "key"))


def bank_drawdown(*, first: date, last: date) -> list[dict]:
    """RK-10: per organisation, minutes drawn from its hour banks in the period, and what its
    banks whose term overlaps the period were bought with and hold now."""
    drawn = {r["org"]: r for r in entries_in(first=first, last=last).filter(bank__isnull=False)
             .values(org=F("bank__organisation_id"))
             .annotate(drawn=Sum("minutes"), over_zero=Coalesce(
                 Sum("minutes", filter=Q(over_zero=True)), 0),
                 tickets=Count("ticket_id", distinct=True))
             .order_by()}
    banks = (HourBank.objects.filter(Q(starts_on__lte=last, ends_on__gt=first)
                                     | Q(organisation_id__in=list(drawn)))
             .values(key=F("organisation_id"), name=F("organisation__name"))
             .annotate(bought=Sum("minutes_bought"), balance=Sum("balance_minutes"),
                       banks=Count("id"))
             .order_by("name", "key"))
    empty = {"drawn": 0, "over_zero": 0, "tickets": 0}
    return [{**b, **{k: drawn.get(b["key"], empty)[k] for k in empty}} for b in banks]


def tickets_with_time(*, first: date, last: date, subject: str | None = None,
                      key: int | None = None, kind: str = "all") -> QuerySet[Ticket]:
    """The tickets behind one figure: those with time of ``kind`` logged in the period,
    narrowed to one agent, group or organisation (``key`` None: the rows without one)."""
    rows = entries_in(first=first, last=last).filter(KINDS[kind])
    if subject:
        column = SUBJECTS[subject]
        rows = rows.filter(**({f"{column}__isnull": True} if key is None else {column: key}))
    return (Ticket.objects.filter(pk__in=rows.values("ticket_id"))
            .annotate(logged=Sum("time_entries__minutes", filter=Q(
                time_entries__worked_on__gte=first, time_entries__worked_on__lte=last)))
            .order_by("-received_at", "-id"))
