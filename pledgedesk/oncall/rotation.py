"""Who is on call when: the one function (``timeline``) that the pager, the console's roster,
the iCalendar feed and the API all read, so none of them can disagree about overrides or swaps
(OneUptime#3411). Pure Python (stdlib and zoneinfo), no Django.

A schedule has layers. A layer rotates its members: turn ``k`` starts at the first hand-off
plus ``k`` rotation lengths, counted in *wall-clock* days of the schedule's zone, so a weekly
Monday 08:00 hand-off is at 08:00 local before and after a DST change (grafana oncall#3261,
OneUptime#1890). The arithmetic is done on naive local wall times; each boundary becomes an
instant only at the end (an ambiguous autumn time is its first occurrence, a missing spring
time keeps the offset before the change).

A layer may be restricted to weekly hours (say Mon-Fri 18:00-08:00): it is on call only inside
them, and a turn that has no restricted hours at all is not counted, so Friday's engineer is
not on call again on Monday (OneUptime#2413). Higher layers override lower ones where they have
a shift; swaps exchange two agents inside a period; overrides (an agent covers a period) win
over everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from math import gcd
from zoneinfo import ZoneInfo

DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
UNITS = {"days": 1, "weeks": 7}

ROTATION, SWAP, OVERRIDE = "rotation", "swap", "override"


@dataclass(frozen=True)
class Window:
    """Weekly wall-clock hours: on ``days`` (0 Monday .. 6 Sunday) from ``start`` to ``end``;
    an ``end`` at or before ``start`` runs overnight into the next day."""

    days: frozenset[int]
    start: time
    end: time

    def minutes(self) -> list[tuple[int, int]]:
        """The window as [start, end) minutes since Monday 00:00 (an end may pass the week)."""
        a = self.start.hour * 60 + self.start.minute
        b = self.end.hour * 60 + self.end.minute
        length = b - a if b > a else b - a + DAY_MINUTES
        return sorted((d * DAY_MINUTES + a, d * DAY_MINUTES + a + length) for d in self.days)


@dataclass(frozen=True)
class Layer:
    key: int
    level: int  # a higher level overrides a lower one where it has a shift
    members: tuple[int, ...]  # agent ids, in turn order
    every: int  # rotation length in ``unit``
    unit: str  # "days" or "weeks"
    handoff: datetime  # naive local wall time of the first hand-off; no shift before it
    restriction: tuple[Window, ...] = ()

    @property
    def turn(self) -> timedelta:
        return timedelta(days=self.every * UNITS[self.unit])


@dataclass(frozen=True)
class Override:
    agent: int
    start: datetime  # UTC instants
    end: datetime


@dataclass(frozen=True)
class Swap:
    """``first`` and ``second`` exchange every shift of theirs between start and end."""

    first: int
    second: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Rota:
    zone: str
    layers: tuple[Layer, ...]
    swaps: tuple[Swap, ...] = ()
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True)
class Shift:
    agent: int
    start: datetime  # UTC
    end: datetime
    layer: int | None = None  # the layer key it comes from (None for an override)
    source: str = ROTATION  # rotation, swap or override
    covering: tuple[int, ...] = field(default=(), compare=False)  # whom a swap replaced


# --- one layer ------------------------------------------------------------------------------


def layer_shifts(layer: Layer, zone: str, start: datetime, end: datetime) -> list[Shift]:
    """The layer's own shifts that overlap [start, end), clipped to it."""
    if not layer.members or start >= end:
        return []
    tz = ZoneInfo(zone)
    # A day either side in wall time covers any offset; the result is clipped in UTC.
    lo = start.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    hi = end.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
    turn = layer.turn
    first = max(0, (lo - layer.handoff) // turn)
    shifts = []
    k = first
    while layer.handoff + k * turn < hi:
        for piece in _turn_pieces(layer, k):
            shift = _instant_shift(layer, _member(layer, k), piece, tz, start, end)
            if shift is not None:
                shifts.append(shift)
        k += 1
    return shifts


def _turn_pieces(layer: Layer, k: int) -> list[tuple[datetime, datetime]]:
    """Turn ``k`` in wall time, cut to the layer's restriction."""
    begin = layer.handoff + k * layer.turn
    return _restricted(layer.restriction, begin, begin + layer.turn)


def _restricted(restriction: Sequence[Window], begin: datetime, finish: datetime,
                ) -> list[tuple[datetime, datetime]]:
    if not restriction:
        return [(begin, finish)]
    midnight = datetime.combine(begin.date(), time())
    week = midnight - timedelta(days=begin.weekday() + 7)  # a Monday, a week early (overnight)
    pieces = []
    while week < finish:
        for window in restriction:
            for a, b in window.minutes():
                lo = max(begin, week + timedelta(minutes=a))
                hi = min(finish, week + timedelta(minutes=b))
                if lo < hi:
                    pieces.append((lo, hi))
        week += timedelta(days=7)
    return _merge_wall(pieces)


def _merge_wall(pieces):
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(pieces):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _member(layer: Layer, k: int) -> int:
    """Whose turn ``k`` is: turns without restricted hours are not counted (OneUptime#2413)."""
    if not layer.restriction:
        return layer.members[k % len(layer.members)]
    days = layer.every * UNITS[layer.unit]
    period = 7 // gcd(days, 7)  # the restriction is weekly: the pattern repeats every period
    counted = [bool(_turn_pieces(layer, j)) for j in range(period)]
    before = (k // period) * sum(counted) + sum(counted[: k % period])
    return layer.members[before % len(layer.members)]


def _instant_shift(layer, agent, piece, tz, start, end) -> Shift | None:
    lo, hi = (max(start, to_instant(piece[0], tz)), min(end, to_instant(piece[1], tz)))
    if lo >= hi:
        return None
    return Shift(agent=agent, start=lo, end=hi, layer=layer.key)


def to_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """A wall time in ``tz`` as a UTC instant (fold 0: an ambiguous time's first occurrence,
    a missing time at the offset before the change)."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def wall_instant(value: datetime, zone: str) -> datetime:
    """``value`` (naive: a wall time in ``zone``; aware: as it is) as a UTC instant. Overrides
    and swaps entered as dates start at midnight of the schedule's zone (grafana oncall#4688)."""
    if value.tzinfo is None:
        return to_instant(value, ZoneInfo(zone))
    return value.astimezone(UTC)


# --- the whole schedule ---------------------------------------------------------------------


def timeline(rota: Rota, start: datetime, end: datetime) -> list[Shift]:
    """Who is on call over [start, end): layers by level, then swaps, then overrides; sorted,
    never overlapping, adjacent pieces of one shift joined. A period nobody covers is absent
    (see ``gaps``)."""
    shifts: list[Shift] = []
    for layer in sorted(rota.layers, key=lambda la: (-la.level, la.key)):
        taken = [(s.start, s.end) for s in shifts]
        for shift in layer_shifts(layer, rota.zone, start, end):
            shifts += [replace(shift, start=a, end=b) for a, b in _subtract(
                (shift.start, shift.end), taken)]
    for swap in rota.swaps:
        shifts = _swapped(shifts, swap)
    for override in rota.overrides:
        lo, hi = max(start, override.start), min(end, override.end)
        if lo < hi:
            shifts = _covered(shifts, Shift(agent=override.agent, start=lo, end=hi,
                                            source=OVERRIDE))
    return _joined(sorted(shifts, key=lambda s: s.start))


def on_call_at(rota: Rota, at: datetime) -> Shift | None:
    """The shift covering instant ``at``, or None: ``timeline`` over one microsecond."""
    shifts = timeline(rota, at, at + timedelta(microseconds=1))
    return shifts[0] if shifts else None


def responders_at(rota: Rota, at: datetime) -> list[int]:
    """Whom a page at ``at`` goes to, in order: whoever is on call (after overrides and
    swaps), then each layer's own on-call agent from the highest level down, each once."""
    order: list[int] = []
    top = on_call_at(rota, at)
    if top is not None:
        order.append(top.agent)
    tick = at + timedelta(microseconds=1)
    for layer in sorted(rota.layers, key=lambda la: (-la.level, la.key)):
        for shift in layer_shifts(layer, rota.zone, at, tick):
            if shift.agent not in order:
                order.append(shift.agent)
    return order


def gaps(shifts: Iterable[Shift], start: datetime, end: datetime,
         ) -> list[tuple[datetime, datetime]]:
    """The periods of [start, end) that ``shifts`` leave uncovered (callers ask only about
    the future: a past gap is not news, grafana oncall#1108)."""
    return _subtract((start, end), [(s.start, s.end) for s in shifts])


def _subtract(span, taken) -> list[tuple[datetime, datetime]]:
    pieces = [span]
    for a, b in taken:
        pieces = [p for lo, hi in pieces for p in ((lo, min(hi, a)), (max(lo, b), hi))
                  if p[0] < p[1]]
    return pieces


def _covered(shifts: list[Shift], cover: Shift) -> list[Shift]:
    kept = [replace(s, start=a, end=b) for s in shifts
            for a, b in _subtract((s.start, s.end), [(cover.start, cover.end)])]
    return [*kept, cover]


def _swapped(shifts: list[Shift], swap: Swap) -> list[Shift]:
    result = []
    for s in shifts:
        inside_lo, inside_hi = max(s.start, swap.start), min(s.end, swap.end)
        other = {swap.first: swap.second, swap.second: swap.first}.get(s.agent)
        if other is None or inside_lo >= inside_hi:
            result.append(s)
            continue
        result += [replace(s, start=a, end=b)
                   for a, b in _subtract((s.start, s.end), [(inside_lo, inside_hi)])]
        result.append(replace(s, agent=other, start=inside_lo, end=inside_hi, source=SWAP,
                              covering=(s.agent,)))
    return result


def _joined(shifts: list[Shift]) -> list[Shift]:
    joined: list[Shift] = []
    for s in shifts:
        last = joined[-1] if joined else None
        if (last is not None and last.end == s.start and last.agent == s.agent
                and last.layer == s.layer and last.source == s.source):
            joined[-1] = replace(last, end=s.end)
        else:
            joined.append(s)
    return joined
