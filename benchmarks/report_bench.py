#!/usr/bin/env python3
"""Reports benchmark (issue 19). A benchmark, not a test: nothing here runs in pytest.

    .venv/bin/python benchmarks/report_bench.py                              # PostgreSQL, 1M
    .venv/bin/python benchmarks/report_bench.py --tickets 100000             # a smaller desk
    .venv/bin/python benchmarks/report_bench.py --database sqlite --tickets 100000
    .venv/bin/python benchmarks/report_bench.py --db-name pd_me_1m --load-only  # load, keep
    .venv/bin/python benchmarks/report_bench.py --db-name pd_me_1m --backlog    # reuse it
    .venv/bin/python benchmarks/report_bench.py --db-name pd_me_1m --against HEAD  # A/B

1. A database, migrated, the desk of ``desk_bench`` (organisations, contacts, agents, groups)
   and N tickets received over a year with their events and the timers the real SLA engine
   gives them (``desk_bench.bulk_load``), then VACUUM ANALYZE. Throwaway, unless
   ``--db-name`` names one to keep (or ``REPORT_BENCH_DB``); a kept database that already
   holds tickets is reused as it is ("now" is then its last ticket's receipt).
2. The compliance report for the last quarter (``reports.selectors.compliance``) by each
   dimension, each run ``--repeat`` times: median, p95 and worst wall seconds (target: < 1 s
   at 1M on PostgreSQL) with the client's CPU time and the load average before and after;
   then the same with parallel workers off, with the server backend's CPU time read from
   /proc (what the report costs whatever the load); and EXPLAIN (ANALYZE, BUFFERS) of each
   query the by-priority report runs over the timers, under the report's own settings.
3. The streamed CSV of the tickets behind the quarter's "measured first responses" figure
   (``reports.export.tickets_csv``): rows per second, and peak Python memory (tracemalloc)
   while streaming, against the process's peak RSS before and after.
4. With ``--backlog``: the backlog history over the quarter (informative, no target).

With ``--against GIT_REF`` only the compliance report runs, this tree's ``reports/selectors``
beside the one of GIT_REF in alternating rounds, with the backend's CPU and wall per side and
a check that both give the same report.
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


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def _report_times(now: datetime, repeat: int) -> None:
    """Each dimension ``repeat`` times: wall median, p95 and worst, and this process's CPU
    time (the database's own time is in the plans below)."""
    from pledgedesk.reports.selectors import DIMENSIONS, compliance

    log(f"load average before: {_loadavg()}")
    for by in DIMENSIONS:
        times, cpu, rows = [], [], 0
        for _ in range(repeat):
            started, cpu0 = time.perf_counter(), time.process_time()
            report = compliance(start=now - QUARTER, end=now, by=by, now=now)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu0)
            rows = len(report.rows)
        verdict = "ok" if max(times) < TARGET_S else "OVER TARGET"
        log(f"compliance by {by:<12} {rows:4} rows, {repeat} runs: median "
            f"{statistics.median(times):.3f} s, p95 {_p95(times):.3f} s, worst "
            f"{max(times):.3f} s ({verdict}); client CPU median "
            f"{statistics.median(cpu) * 1000:.0f} ms")
    log(f"load average after: {_loadavg()}")


def _server_cpu() -> float | None:
    """CPU seconds (user + system) the PostgreSQL backend serving this connection has used,
    from /proc (the server runs on this machine); None elsewhere or on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_times(now: datetime, repeat: int) -> None:
    """The same reports with parallel workers off, so the one backend's CPU time is all the
    database's work: server CPU + client CPU is what the report costs whatever the load."""
    from django.db import connection

    from pledgedesk.reports.selectors import DIMENSIONS, compliance

    if connection.vendor != "postgresql" or _server_cpu() is None:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
    for by in DIMENSIONS:
        server, client, wall = [], [], []
        for _ in range(repeat):
            s0, c0, w0 = _server_cpu(), time.process_time(), time.perf_counter()
            compliance(start=now - QUARTER, end=now, by=by, now=now)
            wall.append(time.perf_counter() - w0)
            client.append(time.process_time() - c0)
            server.append(_server_cpu() - s0)
        log(f"CPU, one backend, by {by:<12}: server median {statistics.median(server):.2f} s, "
            f"client median {statistics.median(client):.3f} s, wall median "
            f"{statistics.median(wall):.2f} s (load {_loadavg()})")
    with connection.cursor() as cursor:
        cursor.execute("RESET max_parallel_workers_per_gather")


def _selectors_at(ref: str):
    """``reports.selectors`` as of git revision ``ref`` (read with ``git show``), imported as
    a module of its own beside the current one: the peer of ``--against``."""
    import importlib.util
    import subprocess

    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(["git", "show", f"{ref}:pledgedesk/reports/selectors.py"],
                            cwd=root, check=True, capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader(f"report_selectors_at_{os.getpid()}", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    exec(compile(source, f"{ref}:pledgedesk/reports/selectors.py", "exec"), module.__dict__)
    return module


def _against(now: datetime, repeat: int, ref: str) -> None:
    """The compliance report by each dimension, this tree's selectors and those of git ``ref``
    in alternating rounds (A B A B ...), parallel workers off: per side the backend's CPU
    (median, p95) and wall (median, p95), and whether both gave the same report."""
    from django.db import connection

    from pledgedesk.reports import selectors as ours

    theirs = _selectors_at(ref)
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
    log(f"A/B against {ref}, load average before: {_loadavg()}")
    for by in ours.DIMENSIONS:
        figures = {"this tree": ([], []), ref: ([], [])}
        reports = {}
        for _ in range(repeat):
            for name, module in (("this tree", ours), (ref, theirs)):
                s0, w0 = _server_cpu() or 0.0, time.perf_counter()
                report = module.compliance(start=now - QUARTER, end=now, by=by, now=now)
                figures[name][1].append(time.perf_counter() - w0)
                figures[name][0].append((_server_cpu() or 0.0) - s0)
                reports[name] = [tuple(vars(r).values()) for r in report.rows], \
                    report.exclusions
        same = "same report" if reports["this tree"] == reports[ref] else "REPORTS DIFFER"
        log(f"by {by:<12} " + "; ".join(
            f"{name}: server CPU median {statistics.median(cpu):.2f} s p95 {_p95(cpu):.2f} s, "
            f"wall median {statistics.median(wall):.2f} s p95 {_p95(wall):.2f} s"
            for name, (cpu, wall) in figures.items()) + f" ({same})")
    log(f"A/B load average after: {_loadavg()}")
    with connection.cursor() as cursor:
        cursor.execute("RESET max_parallel_workers_per_gather")


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _explain(now: datetime) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every query the by-priority report runs over the period's
    timers (its two passes), as the report sends them."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from pledgedesk.reports.selectors import compliance

    with CaptureQueriesContext(connection) as captured:
        compliance(start=now - QUARTER, end=now, by="priority", now=now)
    heavy = [q["sql"] for q in captured.captured_queries if "tickets_slatimer" in q["sql"]]
    prefix = ("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite"
              else "EXPLAIN (ANALYZE, BUFFERS) ")
    for n, sql in enumerate(heavy, 1):
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # as the report runs it (_report_settings)
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(prefix + sql)
            plan = "\n  ".join(str(r[-1]) for r in cursor.fetchall())
        log(f"plan {n}/{len(heavy)} of the by-priority report:\n  {sql[:300]}...\n  {plan}")


def _backlog_time(now: datetime) -> None:
    from pledgedesk.reports.backlog import backlog_history
    from pledgedesk.reports.period import period_of

    period = period_of(first=None, last=None, zone="America/Chicago", now=now, days=91)
    started, cpu0 = time.perf_counter(), time.process_time()
    days = backlog_history(period=period, now=now)
    log(f"backlog history, {len(days)} days (informative, no target): "
        f"{time.perf_counter() - started:.2f} s wall, "
        f"{(time.process_time() - cpu0) * 1000:.0f} ms client CPU; open at the end: "
        f"{days[-1].total if days else 0:,}")


def _csv_rate(now: datetime, limit: int | None) -> None:
    from pledgedesk.reports.export import tickets_csv
    from pledgedesk.reports.selectors import tickets_behind

    timers = tickets_behind(start=now - QUARTER, end=now, metric="first_response",
                            outcome="measured", now=now)
    if limit:  # the first ``limit`` rows of the same stream (a loaded machine is slow)
        timers = timers[:limit]
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


def _pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres") as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (name,)).fetchone() is not None


def _load(args) -> datetime:
    """Load the desk, or reuse the one a kept database already holds; returns its "now"."""
    from pledgedesk.tickets.models import Ticket

    last = Ticket.objects.order_by("-received_at").values_list("received_at", flat=True).first()
    if last is not None:
        now = (last + timedelta(seconds=1)).replace(microsecond=0)
        log(f"reusing {Ticket.objects.count():,} tickets already loaded (now = {now} UTC)")
        return now
    now = datetime.now(UTC).replace(microsecond=0)
    seed = seed_desk(now, random.Random(42))
    log(f"loading {args.tickets:,} tickets over a year on {args.database} "
        f"({args.workers} workers)")
    loaded = bulk_load(seed, args.tickets, now, args.workers)
    log(f"loaded {loaded['tickets']:,} tickets, {loaded['timers']:,} timers in "
        f"{loaded['load_s']:.0f} s; ANALYZE {loaded['analyze_s']:.1f} s")
    return now


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    parser.add_argument("--repeat", type=int, default=6)
    parser.add_argument("--db-name", default=os.environ.get("REPORT_BENCH_DB", ""),
                        help="PostgreSQL database to use and KEEP (created if missing; "
                             "loaded only if it holds no tickets). Default: a throwaway one.")
    parser.add_argument("--load-only", action="store_true", help="load, then stop")
    parser.add_argument("--backlog", action="store_true", help="also time the backlog history")
    parser.add_argument("--against", metavar="GIT_REF", default="",
                        help="only compare the compliance report with reports/selectors.py "
                             "as of GIT_REF (e.g. HEAD), in alternating rounds")
    parser.add_argument("--csv-rows", type=int, default=0,
                        help="stream only the first N rows of the CSV (default: all)")
    args = parser.parse_args()
    cleanup = Cleanup()
    work = Path(tempfile.mkdtemp(prefix="pledgedesk-report-bench-"))
    try:
        database_url = None
        if args.database == "postgres":
            name = args.db_name or f"pd_report_bench_{os.getpid()}"
            if not (args.db_name and _pg_exists(name)):
                pgdb("create", name)
            if not args.db_name:
                cleanup.push(f"drop database {name}", lambda: pgdb("drop", name))
            database_url = f"{PG_SERVER}/{name}"
        data = work / "data"
        data.mkdir()
        django_start(data, database_url)
        from django.db import connections

        now = _load(args)
        if args.load_only:
            return 0
        if args.against:
            _against(now, args.repeat, args.against)
            connections.close_all()
            return 0
        _report_times(now, args.repeat)
        _cpu_times(now, max(3, args.repeat // 2))
        _explain(now)
        _csv_rate(now, args.csv_rows)
        if args.backlog:
            _backlog_time(now)
        connections.close_all()
        return 0
    finally:
        cleanup.run()
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
