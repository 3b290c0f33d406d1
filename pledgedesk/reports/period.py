"""A report's period: whole days in the reader's time zone, stored instants in UTC.

``[start, end]`` are dates as the reader names them; the period runs from midnight starting
``start`` to midnight ending ``end`` in ``zone`` (so a DST change inside it is just a 23 or 25
hour day). Without dates it is the last ``days`` days up to and including today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pledgedesk.errors import InvalidInput

MAX_DAYS = 366 * 2


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    zone: str

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), ZoneInfo(self.zone))

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), ZoneInfo(self.zone))


def period_of(*, first: date | None, last: date | None, zone: str, now: datetime,
              days: int = 90) -> Period:
    today = now.astimezone(ZoneInfo(zone)).date()
    last = last or today
    first = first or last - timedelta(days=days - 1)
    if first > last:
        raise InvalidInput("the period starts after it ends", field="start")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(f"a period is at most {MAX_DAYS} days", field="start")
    return Period(first, last, zone)
