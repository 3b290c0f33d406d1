#!/usr/bin/env python3
"""Reports benchmark (issue 19). A benchmark, not a test: nothing here runs in pytest.

    .venv/bin/python benchmarks/report_bench.py                              # PostgreSQL, 1M
    .venv/bin/python benchmarks/report_bench.py --tickets 100000             # a smaller desk
    .venv/bin/python benchmarks/report_bench.py --database sqlite --tickets 100000

1. A throwaway database, migrated, the desk of ``desk_bench`` (organisations, contacts,
   agents, groups) and N tickets received over a year with their events and the timers the
   real SLA engine gives them (``desk_bench.bulk_load``), then (VACUUM) ANALYZE.
2. The compliance report for the last quarter (``reports.selectors.compliance``) by each
   dimension, each run ``--repeat`` times: median and worst seconds (target: < 1 s at 1M on
   PostgreSQL), with EXPLAIN ANALYZE of the by-priority GROUP BY.
3. The streamed CSV of the tickets behind the quarter's "measured first responses" figure
   (``reports.export.tickets_csv``): rows per second, and peak Python memory (tracemalloc)
   while streaming, against the process's peak RSS before and after.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from desk_bench import PG_SERVER, Cleanup, bulk_load, django_start, log, pgdb, seed_desk

QUARTER = timedelta(days=91)
TARGET_S = 1.0


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _report_times(now: datetime, repeat: int) -> None:
    from pledgedesk.reports.selectors import DIMENSIONS, compliance

    for by in DIMENSIONS:
        times, rows = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            report = compliance(start=now - QUARTER, end=now, by=by, now=now)
            times.append(time.perf_counter() - started)
            rows = len(report.rows)
        verdict = "ok" if max(times) < TARGET_S else "OVER TARGET"
        log(f"compliance by {by:<12} {rows:4} rows: median {statistics.median(times):.3f} s, "
            f"worst {max(times):.3f} s ({verdict})")


def _explain(now: datetime) -> None:
    from django.db import connection
    from django.db.models import Count

    from pledgedesk.reports.selectors import timers_in

    qs = (timers_in(start=now - QUARTER, end=now).values("metric", "ticket__priority")
          .annotate(n=Count("id")))
    sql, params = qs.query.sql_with_params()
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        log("plan of the GROUP BY:\n  " + "\n  ".join(str(r[-1]) for r in cursor.fetchall()))


def _csv_rate(now: datetime) -> None:
    from pledgedesk.reports.export import tickets_csv
    from pledgedesk.reports.selectors import tickets_behind

    timers = tickets_behind(start=now - QUARTER, end=now, metric="first_response",
                            outcome="measured", now=now)
    rss_before = _rss_mb()
    started, rows, size = time.perf_counter(), 0, 0
    for line in tickets_csv(timers):  # timed alone: tracemalloc slows Python several-fold
        rows += 1
        size += len(line)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    for _ in tickets_csv(timers):  # a second pass, for its peak memory
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    log(f"CSV of measured first responses: {rows - 1:,} rows, {size / 1e6:.1f} MB in "
        f"{seconds:.1f} s = {(rows - 1) / seconds:,.0f} rows/s; peak Python memory while "
        f"streaming {peak / 1e6:.1f} MB (tracemalloc); peak RSS {rss_before:.0f} MB before, "
        f"{_rss_mb():.0f} MB after")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cleanup = Cleanup()
    work = Path(tempfile.mkdtemp(prefix="pledgedesk-report-bench-"))
    try:
        database_url = None
        if args.database == "postgres":
            name = f"pd_report_bench_{os.getpid()}"
            pgdb("create", name)
            cleanup.push(f"drop database {name}", lambda: pgdb("drop", name))
            database_url = f"{PG_SERVER}/{name}"
        data = work / "data"
        data.mkdir()
        django_start(data, database_url)
        from django.db import connections

        now = datetime.now(UTC).replace(microsecond=0)
        seed = seed_desk(now, random.Random(42))
        log(f"loading {args.tickets:,} tickets over a year on {args.database} "
            f"({args.workers} workers)")
        loaded = bulk_load(seed, args.tickets, now, args.workers)
        log(f"loaded {loaded['tickets']:,} tickets, {loaded['timers']:,} timers in "
            f"{loaded['load_s']:.0f} s; ANALYZE {loaded['analyze_s']:.1f} s")
        _report_times(now, args.repeat)
        _explain(now)
        _csv_rate(now)
        connections.close_all()
        return 0
    finally:
        cleanup.run()
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
