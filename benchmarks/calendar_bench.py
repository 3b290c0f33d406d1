"""Benchmark pledgedesk.calendar against the peers a Python user would pick.

Not a test. Run from the repository root:

    .venv/bin/python benchmarks/calendar_bench.py [--cases 100000] [--seed 20260101]

One process, one set of random cases: starts uniform over 2026-2027 (whole seconds) as aware
datetimes in America/Toronto, durations of 1 minute to 40 business hours (half of them whole
hours). The calendar is Monday-Friday 09:00-17:00 America/Toronto with Canadian (Ontario)
public holidays. Peers get the same calendar in their own terms and are checked against ours:

* pandas CustomBusinessHour: whole hours only, so it runs on the whole-hour cases (at most
  ``--pandas-cases``, it is slow); no "between" operation.
* timegrid: naive datetimes only (no time zones), so it receives naive Toronto wall-clock
  times and its results are read back in Toronto (exact here: openings never touch a DST
  change). Its "between" uses a compiled timeline, its fastest path.
* workclock: aware datetimes, IANA zone.

Peers are not project dependencies: ``.venv/bin/pip install timegrid workclock pandas``. A
peer that is not installed is reported and skipped. Scalar timings include the conversions a
caller pays (aware datetime in, aware datetime out); each timing is the best of ``--repeat``
runs. The batch timing is one ``add_batch`` call on int64 arrays of epoch microseconds.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
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


def make_cases(n: int, seed: int) -> list[tuple[datetime, timedelta]]:
    rng = random.Random(seed)
    lo = int(datetime(2026, 1, 1, tzinfo=TZ).timestamp())
    hi = int(datetime(2028, 1, 1, tzinfo=TZ).timestamp())
    cases = []
    for _ in range(n):
        start = datetime.fromtimestamp(rng.randrange(lo, hi), TZ)
        if rng.random() < 0.5:
            duration = timedelta(hours=rng.randint(1, 40))
        else:
            duration = timedelta(minutes=rng.randint(1, 40 * 60))
        cases.append((start, duration))
    return cases


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
    for (start, duration), a, b in zip(cases, ours, theirs, strict=True):
        if not equal(a, b):
            row.disagreements += 1
            if len(row.examples) < 3:
                row.examples.append(
                    f"start {start.isoformat()} + {duration}: ours {a}, {row.name} {b}"
                )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pandas-cases", type=int, default=20_000)
    args = parser.parse_args()

    cases = make_cases(args.cases, args.seed)
    ends = [start + duration for start, duration in cases]
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
                tg_add(s.replace(tzinfo=None), d).replace(tzinfo=TZ) for s, d in cases
            ]

        def timegrid_between() -> list:
            return [
                tg_between(s.replace(tzinfo=None), e.astimezone(TZ).replace(tzinfo=None))
                for (s, _), e in zip(cases, ends, strict=True)
            ]

        row = timer.add(Row(f"timegrid {version('timegrid')}", "add", n), timegrid_add)
        compare(row, ours_add, timegrid_add(), cases, same_instant)
        rows.append(row)
        row = timer.add(
            Row(f"timegrid {version('timegrid')}", "between", n), timegrid_between
        )
        compare(row, ours_between, timegrid_between(), cases, lambda a, b: a == b)
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
    print(f"Python {sys.version.split()[0]}, best of {args.repeat}")
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
