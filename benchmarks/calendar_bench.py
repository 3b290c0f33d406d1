"""Benchmark pledgedesk.calendar against the peers a Python user would pick.

Not a test. Run from the repository root:

    .venv/bin/python benchmarks/calendar_bench.py [--cases 100000] [--seed 20260101]

One process, one set of random cases: starts uniform over 2026-2027 (whole seconds) as aware
datetimes in America/Toronto, durations of 1 minute to 40 business hours (half of them whole
hours). About ``--edge-share`` of the cases are edge cases instead, each kind counted in the
report: zero durations, starts in DST gaps and folds (fold 0 and 1; Toronto's and other zones'
changes) and starts given in another zone (Kolkata, Berlin, Auckland, UTC, Los Angeles). The
calendar is Monday-Friday 09:00-17:00 America/Toronto with Canadian (Ontario) public holidays.

Every result of ours (scalar add and between, batch add) is checked against a reference written
apart from the calendar: it walks the day's opening (09:00-17:00 local on weekdays that are not
holidays, as UTC instants) and the report prints the number wrong. Peers get the same calendar in
their own terms and are checked against ours:

* pandas CustomBusinessHour: whole hours only, so it runs on the whole-hour cases (at most
  ``--pandas-cases``, it is slow); no "between" operation.
* timegrid: naive datetimes only (no time zones), so it receives naive Toronto wall-clock
  times and its results are read back in Toronto (exact here: openings never touch a DST
  change). Its "between" uses a compiled timeline, its fastest path; it is timed twice: with
  the conversion of aware input in the loop, as ours pays, and fed naive local times made
  beforehand (its own fastest input).
* workclock: aware datetimes, IANA zone.

Peers are not project dependencies: ``.venv/bin/pip install timegrid workclock pandas``. A
peer that is not installed is reported and skipped. Scalar timings include the conversions a
caller pays (aware datetime in, aware datetime out); each timing is the best of ``--repeat``
runs. The batch timing is one ``add_batch`` call on int64 arrays of epoch microseconds.
"""

from __future__ import annotations

import argparse
import bisect
import importlib
import importlib.metadata
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import holidays as holidays_pkg
import numpy as np

from pledgedesk.calendar import Calendar, HolidaySpec

TZ_NAME = "America/Toronto"
TZ = ZoneInfo(TZ_NAME)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
YEARS = range(2025, 2030)


OTHER_ZONES = [ZoneInfo(z) for z in
               ("Asia/Kolkata", "Europe/Berlin", "Pacific/Auckland", "UTC", "America/Los_Angeles")]
# (zone, a local date-hour inside each year's DST gap, one inside its fold), 2026 and 2027.
DST_CHANGES = [
    ("America/Toronto", [(2026, 3, 8, 2), (2027, 3, 14, 2)], [(2026, 11, 1, 1), (2027, 11, 7, 1)]),
    ("Europe/London", [(2026, 3, 29, 1), (2027, 3, 28, 1)], [(2026, 10, 25, 1), (2027, 10, 31, 1)]),
    ("Australia/Sydney", [(2026, 10, 4, 2), (2027, 10, 3, 2)], [(2026, 4, 5, 2), (2027, 4, 4, 2)]),
    ("America/Santiago", [(2026, 9, 6, 0), (2027, 9, 5, 0)], [(2026, 4, 4, 23), (2027, 4, 3, 23)]),
]
EDGE_KINDS = ("zero duration", "start in a DST gap", "start in a DST fold", "start in another zone")


def random_duration(rng: random.Random) -> timedelta:
    if rng.random() < 0.5:
        return timedelta(hours=rng.randint(1, 40))
    return timedelta(minutes=rng.randint(1, 40 * 60))


def edge_case(rng: random.Random, kind: str, lo: int, hi: int) -> tuple[datetime, timedelta]:
    """One case of ``kind``; gap/fold starts are wall times inside the change (fold 0 or 1)."""
    if kind in ("start in a DST gap", "start in a DST fold"):
        zone, gaps, folds = rng.choice(DST_CHANGES)
        y, m, d, h = rng.choice(gaps if kind == "start in a DST gap" else folds)
        start = datetime(y, m, d, h, rng.randrange(60), rng.randrange(60), tzinfo=ZoneInfo(zone),
                         fold=rng.randrange(2))
        return start, (timedelta(0) if rng.random() < 0.1 else random_duration(rng))
    start = datetime.fromtimestamp(rng.randrange(lo, hi), TZ)
    if kind == "zero duration":
        return start, timedelta(0)
    return start.astimezone(rng.choice(OTHER_ZONES)), random_duration(rng)


def make_cases(n: int, seed: int, edge_share: float = 0.0) -> tuple[list, dict[str, int]]:
    """``n`` cases and how many of each edge kind they hold."""
    rng = random.Random(seed)
    lo = int(datetime(2026, 1, 1, tzinfo=TZ).timestamp())
    hi = int(datetime(2028, 1, 1, tzinfo=TZ).timestamp())
    cases = []
    kinds = dict.fromkeys(EDGE_KINDS, 0)
    for _ in range(n):
        if rng.random() < edge_share:
            kind = rng.choice(EDGE_KINDS)
            kinds[kind] += 1
            cases.append(edge_case(rng, kind, lo, hi))
            continue
        cases.append((datetime.fromtimestamp(rng.randrange(lo, hi), TZ), random_duration(rng)))
    return cases, kinds


class Reference:
    """Business time by walking the openings one by one (independent of the calendar): each
    weekday that is not a holiday is open 09:00-17:00 Toronto time, kept as UTC instants."""

    def __init__(self, holidays: list[date]) -> None:
        closed = set(holidays)
        self.opens: list[datetime] = []
        self.closes: list[datetime] = []
        day = date(2025, 12, 1)
        while day < date(2028, 3, 1):
            if day.weekday() < 5 and day not in closed:
                self.opens.append(datetime.combine(day, clock(9), TZ).astimezone(UTC))
                self.closes.append(datetime.combine(day, clock(17), TZ).astimezone(UTC))
            day += timedelta(days=1)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at or after the next opening with ``duration`` business time
        since ``start`` (a duration ending at closing time is due then; 0 -> next opening)."""
        t = start.astimezone(UTC)
        for i in range(bisect.bisect_right(self.closes, t), len(self.closes)):
            begin = max(self.opens[i], t)
            if duration <= self.closes[i] - begin:
                return begin + duration
            duration -= self.closes[i] - begin
        raise ValueError(f"{start} + {duration} runs past the reference's range")

    def between(self, start: datetime, end: datetime) -> timedelta:
        t1, t2 = start.astimezone(UTC), end.astimezone(UTC)
        total = timedelta(0)
        for i in range(bisect.bisect_right(self.closes, t1), len(self.closes)):
            if self.opens[i] >= t2:
                break
            total += min(self.closes[i], t2) - max(self.opens[i], t1)
        return total


def closed_dates() -> list[date]:
    return sorted(holidays_pkg.country_holidays("CA", subdiv="ON", years=YEARS))


class Timer:
    """Times every registered run round-robin, ``repeat`` rounds, keeping each run's best:
    a burst of load on the machine then hits every implementation alike."""

    def __init__(self, repeat: int) -> None:
        self.repeat = repeat
        self.tasks: list[tuple[Row, Callable[[], object], int]] = []

    def add(self, row: Row, run: Callable[[], object], rounds: int | None = None) -> Row:
        self.tasks.append((row, run, self.repeat if rounds is None else rounds))
        return row

    def run(self) -> None:
        best: dict[int, float] = {}
        for round_number in range(self.repeat):
            for index, (_, run, rounds) in enumerate(self.tasks):
                if round_number < rounds:
                    started = time.perf_counter()
                    run()
                    elapsed = time.perf_counter() - started
                    best[index] = min(best.get(index, elapsed), elapsed)
        for index, (row, _, _) in enumerate(self.tasks):
            row.rate = row.cases / best[index]


def same_instant(a: datetime, b: datetime) -> bool:
    return a.astimezone(UTC) == b.astimezone(UTC)


class Row:
    def __init__(self, name: str, operation: str, cases: int) -> None:
        self.name, self.operation, self.cases, self.rate = name, operation, cases, 0.0
        self.disagreements: int | None = None
        self.examples: list[str] = []
        self.note = ""


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def available(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        print(f"[skip] {module} is not installed: .venv/bin/pip install {module}")
        return False
    return True


def compare(row: Row, ours: list, theirs: list, cases: list, equal: Callable) -> None:
    row.disagreements = 0
    zero = 0
    for (start, duration), a, b in zip(cases, ours, theirs, strict=True):
        if not equal(a, b):
            row.disagreements += 1
            zero += not duration
            if len(row.examples) < 3:
                row.examples.append(
                    f"start {start.isoformat()} + {duration}: ours {a}, {row.name} {b}"
                )
    if zero:
        row.note = (f"{zero} of {row.disagreements} {row.name} {row.operation} disagreements are "
                    "a zero duration from a closed start: the peer returns the start, ours the "
                    "next opening (our contract: add(t, 0) == next_open(t))")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pandas-cases", type=int, default=20_000)
    parser.add_argument("--edge-share", type=float, default=0.1,
                        help="share of edge cases (zero, DST gap/fold, other zone; default 0.1)")
    args = parser.parse_args()

    cases, args.edge_kinds = make_cases(args.cases, args.seed, args.edge_share)
    # Ends in absolute time (wall-clock arithmetic would go backwards across a DST change).
    ends = [(s.astimezone(UTC) + d).astimezone(s.tzinfo) for s, d in cases]
    holidays = closed_dates()
    n = len(cases)
    rows: list[Row] = []

    # -- ours ------------------------------------------------------------------------------
    cal = Calendar(
        TZ_NAME,
        {day: [("09:00", "17:00")] for day in ("mon", "tue", "wed", "thu", "fri")},
        HolidaySpec("CA", "ON"),
    )
    ours_add = [cal.add(s, d) for s, d in cases]  # also warms the per-year periods
    ours_between = [cal.between(s, e) for (s, _), e in zip(cases, ends, strict=True)]
    add, between = cal.add, cal.between
    timer = Timer(args.repeat)
    rows.append(timer.add(Row("pledgedesk", "add", n), lambda: [add(s, d) for s, d in cases]))
    rows.append(timer.add(
        Row("pledgedesk", "between", n),
        lambda: [between(s, e) for (s, _), e in zip(cases, ends, strict=True)],
    ))
    starts_us = np.array([(s - EPOCH) // US for s, _ in cases], dtype=np.int64)
    durations_us = np.array([d // US for _, d in cases], dtype=np.int64)
    batch = cal.add_batch(starts_us, durations_us)
    batch_row = timer.add(
        Row("pledgedesk batch", "add", n), lambda: cal.add_batch(starts_us, durations_us)
    )
    compare(batch_row, ours_add, [EPOCH + int(x) * US for x in batch], cases, same_instant)
    rows.append(batch_row)
    ref = Reference(holidays)
    wrong = {
        "add": sum(not same_instant(a, ref.add(s, d)) for (s, d), a in zip(cases, ours_add,
                                                                          strict=True)),
        "between": sum(b != ref.between(s, e) for (s, _), e, b in zip(cases, ends, ours_between,
                                                                     strict=True)),
        "batch add": sum(not same_instant(EPOCH + int(x) * US, ref.add(s, d))
                         for (s, d), x in zip(cases, batch, strict=True)),
    }
    args.wrong = wrong

    # -- pandas CustomBusinessHour ---------------------------------------------------------
    if available("pandas"):
        import pandas as pd
        from pandas.tseries.offsets import CustomBusinessHour

        whole = [i for i, (_, d) in enumerate(cases) if d % timedelta(hours=1) == timedelta(0)]
        whole = whole[: args.pandas_cases]
        offsets = {
            h: CustomBusinessHour(
                n=h, start="09:00", end="17:00", holidays=holidays,
                weekmask="Mon Tue Wed Thu Fri",
            )
            for h in range(1, 41)
        }
        subset = [cases[i] for i in whole]
        hours = [d // timedelta(hours=1) for _, d in subset]

        def pandas_add() -> list:
            return [
                (pd.Timestamp(s) + offsets[h]).to_pydatetime()
                for (s, _), h in zip(subset, hours, strict=True)
            ]

        theirs = pandas_add()
        row = timer.add(Row(f"pandas {version('pandas')} CBH", "add", len(subset)), pandas_add, 1)
        ours_subset = [ours_add[i] for i in whole]
        compare(row, ours_subset, theirs, subset, same_instant)
        # pandas rolls a due instant that lands exactly on a closing time to the next opening
        # (the pitfall our contract rules out); count those apart from any other difference.
        rolled = sum(
            1
            for a, b in zip(ours_subset, theirs, strict=True)
            if not same_instant(a, b) and not cal.is_open(a) and same_instant(cal.next_open(a), b)
        )
        row.note = (
            f"{rolled} of {row.disagreements} pandas disagreements are a due at closing time "
            "that pandas moves to the next opening"
        )
        rows.append(row)

    # -- timegrid ------------------------------------------------------------------------
    if available("timegrid"):
        import timegrid

        grid = timegrid.TimeGridCalendar.weekdays(clock(9), clock(17))
        for day in holidays:
            grid = grid.close(day)
        compiled = grid.compile(datetime(2025, 12, 1), datetime(2028, 3, 1))
        tg_add, tg_between = grid.add_work_duration, compiled.get_working_duration

        def timegrid_add() -> list:
            return [
                tg_add(s.astimezone(TZ).replace(tzinfo=None), d).replace(tzinfo=TZ)
                for s, d in cases
            ]

        def local(t: datetime) -> datetime:
            return t.astimezone(TZ).replace(tzinfo=None)

        # Naive wall times can run backwards across a fold (01:50 EDT + 20 min = 01:10 EST);
        # timegrid refuses that, so the end is clamped to the start (closed time there).
        def timegrid_between() -> list:
            return [
                tg_between(ls, max(ls, local(e)))
                for (s, _), e in zip(cases, ends, strict=True)
                for ls in (local(s),)
            ]

        naive = [(local(s), max(local(s), local(e))) for (s, _), e in zip(cases, ends, strict=True)]

        def timegrid_between_naive() -> list:
            return [tg_between(s, e) for s, e in naive]

        row = timer.add(Row(f"timegrid {version('timegrid')}", "add", n), timegrid_add)
        compare(row, ours_add, timegrid_add(), cases, same_instant)
        rows.append(row)
        row = timer.add(
            Row(f"timegrid {version('timegrid')}", "between", n), timegrid_between
        )
        compare(row, ours_between, timegrid_between(), cases, lambda a, b: a == b)
        rows.append(row)
        row = timer.add(
            Row(f"timegrid {version('timegrid')}", "between", n), timegrid_between_naive
        )
        row.note = "timegrid between fed naive local times made beforehand (its fastest input)"
        compare(row, ours_between, timegrid_between_naive(), cases, lambda a, b: a == b)
        rows.append(row)

    # -- workclock -----------------------------------------------------------------------
    if available("workclock"):
        import workclock

        schedule = workclock.Schedule(
            [workclock.WorkDay(clock(9), clock(17), days=range(5)), workclock.Holidays(holidays)],
            time_zone=TZ_NAME,
        )
        wc_add, wc_between = schedule.add, schedule.between

        def workclock_add() -> list:
            return [wc_add(s, d) for s, d in cases]

        def workclock_between() -> list:
            return [wc_between(s, e) for (s, _), e in zip(cases, ends, strict=True)]

        row = timer.add(Row(f"workclock {version('workclock')}", "add", n), workclock_add)
        compare(row, ours_add, workclock_add(), cases, same_instant)
        rows.append(row)
        row = timer.add(
            Row(f"workclock {version('workclock')}", "between", n), workclock_between
        )
        compare(row, ours_between, workclock_between(), cases, lambda a, b: a == b)
        rows.append(row)

    timer.run()
    report(rows, n, args)
    return 0


def report(rows: list[Row], n: int, args: argparse.Namespace) -> None:
    ours = {r.operation: r.rate for r in rows if r.name == "pledgedesk"}
    batch = next(r.rate for r in rows if r.name == "pledgedesk batch")
    print()
    print(f"{n} cases, seed {args.seed}, America/Toronto Mon-Fri 09:00-17:00, CA-ON holidays")
    print(f"Python {sys.version.split()[0]}, best of {args.repeat}, load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print("edge cases: " + ", ".join(f"{k} {v}" for k, v in args.edge_kinds.items()))
    print("wrong against the reference: "
          + ", ".join(f"{k} {v}" for k, v in args.wrong.items()))
    print()
    header = f"{'implementation':<24}{'operation':<10}{'cases':>8}{'ops/s':>13}"
    header += f"{'ours/it':>10}{'disagree':>10}"
    print(header)
    print("-" * len(header))
    for r in rows:
        base = batch if r.name == "pledgedesk batch" else ours.get(r.operation)
        ratio = f"{base / r.rate:.2f}x" if base and not r.name.startswith("pledgedesk") else ""
        dis = "" if r.disagreements is None else str(r.disagreements)
        print(f"{r.name:<24}{r.operation:<10}{r.cases:>8}{r.rate:>13,.0f}{ratio:>10}{dis:>10}")
    for r in rows:
        for example in r.examples:
            print(f"  {r.name} {r.operation} disagrees: {example}")
        if r.note:
            print(f"  {r.note}")
    peers = [r for r in rows if not r.name.startswith("pledgedesk")]
    add_peers = [r.rate for r in peers if r.operation == "add"]
    between_peers = [r.rate for r in peers if r.operation == "between"]
    print()
    if add_peers:
        print(_target("scalar add >= 4x fastest peer add", ours["add"], 4 * max(add_peers)))
    print(_target("batch add >= 1,000,000 ops/s", batch, 1_000_000))
    if between_peers:
        print(_target("scalar between >= fastest peer between", ours["between"],
                      max(between_peers)))


def _target(label: str, value: float, goal: float) -> str:
    verdict = "met" if value >= goal else "MISSED"
    return f"target {label}: {value:,.0f} vs {goal:,.0f} -> {verdict}"


if __name__ == "__main__":
    raise SystemExit(main())
