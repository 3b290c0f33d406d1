"""The trends and workload page's tables (issue 19), gathered once for the page, its charts and
its CSV exports, so a chart, its table and its CSV always show the same numbers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pledgedesk.reports import charts as draw
from pledgedesk.reports import trends, worktime
from pledgedesk.reports.backlog import backlog_history
from pledgedesk.reports.period import Period


def all_tables(*, period: Period, start: datetime, end: datetime, now: datetime) -> dict:
    zone = period.zone
    weeks = trends.weekly_compliance(start=start, end=end, now=now, zone=zone)
    for w in weeks:
        w["pct"] = round(100 * w["met"] / w["measured"], 1) if w["measured"] else None
    backlog = backlog_history(period=period, now=now)
    dates = {"first": period.first, "last": period.last}
    return {
        "weeks": weeks, "days": trends.created_vs_solved(start=start, end=end, zone=zone),
        "backlog": backlog,
        "backlog_keys": sorted({k for d in backlog for k in d.counts}),
        "hours": trends.breaches_by_hour_of_week(start=start, end=end, now=now, zone=zone),
        "load": trends.workload(start=start, end=end),
        "pages": trends.pages_acknowledged(start=start, end=end),
        "time": worktime.time_logged(**dates),
        "courtesy": worktime.courtesy_by_organisation(**dates),
        "banks": worktime.bank_drawdown(**dates),
    }


def charts(tables: dict) -> dict:
    """The page's three charts: weekly compliance (percent, a column per metric), the open
    backlog at the end of each day, and tickets created and solved per day."""
    metrics = sorted({w["metric"] for w in tables["weeks"]})
    by_week: dict = {}
    for w in tables["weeks"]:
        by_week.setdefault(w["week"], {})[w["metric"]] = w["pct"]
    return {
        "weeks": draw.columns([(f"{week:%m-%d}", [v.get(m) for m in metrics])
                               for week, v in sorted(by_week.items())], metrics, top=100),
        "backlog": draw.columns([(f"{d.day:%m-%d}", [d.total]) for d in tables["backlog"]],
                                ["open"]),
        "days": draw.columns([(f"{d['day']:%m-%d}", [d["created"], d["solved"]])
                              for d in tables["days"]], ["created", "solved"]),
    }


def _backlog(t: dict) -> Iterator[tuple]:
    for d in t["backlog"]:
        for (status, priority), n in d.counts.items():
            yield d.day, status, priority, n


def _named(rows: list[dict], *cols: str) -> Iterator[tuple]:
    for r in rows:
        yield tuple(r[c] for c in cols)


# table name -> (CSV header, rows from all_tables' result)
TABLES = {
    "weeks": (("week", "metric", "measured", "met", "compliance_pct", "mean_used_seconds"),
              lambda t: ((w["week"].date(), w["metric"], w["measured"], w["met"], w["pct"],
                          None if w["mean_used"] is None else round(w["mean_used"]))
                         for w in t["weeks"])),
    "backlog": (("day", "status", "priority", "open_tickets"), _backlog),
    "days": (("day", "created", "solved"), lambda t: _named(t["days"], "day", "created",
                                                            "solved")),
    "hours": (("iso_weekday", "hour", "breaches"),
              lambda t: _named(t["hours"], "weekday", "hour", "n")),
    "open_by_agent": (("agent", "open_tickets"),
                      lambda t: _named(t["load"]["open_by_agent"], "agent", "n")),
    "open_by_group": (("group", "open_tickets"),
                      lambda t: _named(t["load"]["open_by_group"], "group_name", "n")),
    "solved_by_agent": (("agent", "solved_tickets"),
                        lambda t: _named(t["load"]["solved_by_agent"], "agent", "n")),
    "solved_by_group": (("group", "solved_tickets"),
                        lambda t: _named(t["load"]["solved_by_group"], "group_name", "n")),
    "time_by_agent": (("agent", "minutes", "billable_minutes", "courtesy_minutes", "tickets"),
                      lambda t: _named(t["time"]["by_agent"], "name", "minutes", "billable",
                                       "courtesy", "tickets")),
    "time_by_group": (("group", "minutes", "billable_minutes", "courtesy_minutes", "tickets"),
                      lambda t: _named(t["time"]["by_group"], "name", "minutes", "billable",
                                       "courtesy", "tickets")),
    "courtesy": (("organisation", "courtesy_minutes", "tickets"),
                 lambda t: _named(t["courtesy"], "name", "minutes", "tickets")),
    "banks": (("organisation", "banks", "minutes_bought", "balance_minutes_now",
               "drawn_in_period", "drawn_below_zero", "tickets"),
              lambda t: _named(t["banks"], "name", "banks", "bought", "balance", "drawn",
                               "over_zero", "tickets")),
    "pages": (("schedule", "pages", "acknowledged", "mean_seconds_to_acknowledge"),
              lambda t: _named(t["pages"], "schedule_name", "pages", "acknowledged",
                               "mean_ack_seconds")),
}


def table_rows(name: str, tables: dict) -> tuple[tuple, Iterator[tuple]]:
    header, rows = TABLES[name]
    return header, rows(tables)
