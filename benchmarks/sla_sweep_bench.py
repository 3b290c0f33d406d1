#!/usr/bin/env python3
"""SLA sweep benchmark (issue 15). A benchmark, not a test: nothing here runs in pytest.

    .venv/bin/python benchmarks/sla_sweep_bench.py                     # PostgreSQL, 1,000,000
    .venv/bin/python benchmarks/sla_sweep_bench.py --tickets 100000
    .venv/bin/python benchmarks/sla_sweep_bench.py --database sqlite --tickets 100000
    .venv/bin/python benchmarks/sla_sweep_bench.py --db pd_sweep_1m --keep   # load once, keep
    .venv/bin/python benchmarks/sla_sweep_bench.py --db pd_sweep_1m --keep   # reuse: no load

A kept PostgreSQL database (``--db NAME --keep``) is reused by the next run naming it when it
holds the same number of tickets: loading 1,000,000 takes a quarter of an hour, a sweep a
second. Every measured sweep is rolled back, so a kept database stays as it was loaded.

1. A throwaway database (``scripts/pgdb create`` on PostgreSQL, a temp dir with SQLite),
   migrated; one organisation on the RareLogic policy (``ecommerce-platform``).
2. N tickets bulk-loaded with COPY (executemany on SQLite), each with its ``created`` event, a
   met first-response timer and a follow-up timer: 1,000 of them Critical tickets whose
   follow-up (4 business hours after the agent's first touch, RL-3) falls due in the minute
   before ``now``, their histories and timers computed by the real SLA engine; the rest running
   with due instants over the next 60 days (and a fifth of them breached in the past year, the
   backlog of neglected tickets a sweep must not pay for). VACUUM ANALYZE.
3. The previous sweep is recorded a minute before ``now`` (its persisted mark); one
   ``sweep_sla(now=...)`` is timed (its window is that minute plus the five-minute look-back),
   with EXPLAIN (ANALYZE, BUFFERS) of its two range queries printed: five times in a
   transaction rolled back (the same 1,000 due timers each time; the fastest run is the one
   least disturbed by the rest of the machine), with this process's CPU time and that of the
   PostgreSQL backend serving it; once with each statement it sent and its time; then once
   more followed by a second sweep at the same instant (nothing new: the steady-state cost),
   both rolled back at the end.

Target (issue 15): one sweep under 1 s at 1,000,000 tickets with 1,000 timers due in a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
POLICY = "ecommerce-platform"
# Wednesday 2026-03-04 15:00 US Eastern: support hours, no Canadian holiday.
NOW = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)
CHUNK = 20000


def log(text: str) -> None:
    print(text, flush=True)


def django_start(data_dir: Path, database_url: str | None) -> None:
    os.environ["PLEDGEDESK_DATA_DIR"] = str(data_dir)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "pledgedesk.project.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    from django.db import connection

    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)


TICKET_COLUMNS = [
    "id", "number", "policy_version_id", "organisation_id", "requester_id", "caller_number",
    "subject", "description", "channel", "plan", "priority", "priority_rank", "status",
    "status_category", "hold", "topic", "tags", "out_of_scope", "administrator_not_included",
    "exclusions", "identity_verified", "page_on_call", "intake_notes", "received_at",
    "updated_at", "version", "assignee_id",
]
EVENT_COLUMNS = ["ticket_id", "at", "kind", "actor_agent_id", "channel", "new"]
TIMER_COLUMNS = ["ticket_id", "metric", "state", "due_at", "late_at", "goal_at", "warn_at",
                 "met_at", "breached_by_minutes", "used_seconds", "paused_seconds", "reason"]


def _value(v, sqlite: bool):
    if isinstance(v, datetime) and sqlite:
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return v


def seed() -> dict:
    from django.contrib.auth import get_user_model

    from pledgedesk.accounts.models import Agent, Contact, Organisation
    from pledgedesk.versions.policies import policy_in_force

    org = Organisation.objects.create(name="Bench", policy_key=POLICY, plans=["standard"],
                                      created_at=NOW - timedelta(days=400))
    person = Contact.objects.create(organisation=org, name="Requester", created_at=org.created_at)
    user = get_user_model().objects.create_user("bench-agent", email="agent@bench.example")
    agent = Agent.objects.create(user=user, name="Bench Agent", roles=["engineer"])
    version, policy = policy_in_force(POLICY, now=NOW)
    return {"org": org.pk, "contact": person.pk, "agent": agent.pk, "version": version.pk,
            "policy": policy}


def due_histories(policy, count: int) -> list[tuple]:
    """``count`` Critical tickets whose follow-up is late within the minute before NOW: the
    agent's first touch 4 business hours (RL-3 Critical limit) before, spread over the minute.
    Their timers are the engine's own verdict, as ``timers_recompute`` would store."""
    from pledgedesk import sla

    out = []
    for i in range(count):
        late = NOW - timedelta(seconds=60) + timedelta(microseconds=(i + 1) * 59_000)
        touch = late - timedelta(hours=4)
        created = touch - timedelta(minutes=20)
        history = [sla.Created(at=created, channel="portal", priority="critical",
                               plan="standard", status="new"),
                   sla.AgentReply(at=touch, public=True)]
        timers = sla.evaluate(policy, sla.Ticket(), history, NOW - timedelta(seconds=61))
        assert timers["follow_up"].state == sla.TimerState.RUNNING, timers["follow_up"]
        assert NOW - timedelta(seconds=60) < timers["follow_up"].late_at <= NOW
        out.append((created, touch, timers))
    return out


def bulk_load(base: dict, total: int, due: int, rng: random.Random) -> dict:
    from django.db import connection, transaction

    from pledgedesk.tickets.numbers import numbers_continue_after

    sqlite = connection.vendor == "sqlite"
    policy = base["policy"]
    critical = due_histories(policy, due)
    started = time.perf_counter()
    counts = {"tickets": 0, "events": 0, "timers": 0}
    for start in range(0, total, CHUNK):
        tickets, events, timers = [], [], []
        for n in range(start + 1, min(start + CHUNK, total) + 1):
            _one(n, base, critical, rng, tickets, events, timers)
        with transaction.atomic():
            _insert("tickets_ticket", TICKET_COLUMNS,
                    [tuple(_value(v, sqlite) for v in r) for r in tickets])
            _insert("tickets_ticketevent", EVENT_COLUMNS,
                    [tuple(_value(v, sqlite) for v in r) for r in events])
            _insert("tickets_slatimer", TIMER_COLUMNS,
                    [tuple(_value(v, sqlite) for v in r) for r in timers])
        counts["tickets"] += len(tickets)
        counts["events"] += len(events)
        counts["timers"] += len(timers)
        if (start // CHUNK) % 10 == 9 or start + CHUNK >= total:
            rate = counts["tickets"] / (time.perf_counter() - started)
            log(f"  loaded {counts['tickets']:,}/{total:,} tickets ({rate:,.0f}/s)")
    load_s = time.perf_counter() - started
    numbers_continue_after(total)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if not sqlite:
            for table in ("tickets_ticket", "tickets_ticketevent", "tickets_slatimer"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))")
        cursor.execute("ANALYZE" if sqlite else "VACUUM ANALYZE")
    return {**counts, "load_s": load_s, "analyze_s": time.perf_counter() - started}


def _one(n: int, base: dict, critical: list, rng: random.Random, tickets, events, timers):
    policy = base["policy"]
    if n <= len(critical):
        created, touch, verdict = critical[n - 1]
        priority = "critical"
    else:
        created = NOW - timedelta(days=rng.uniform(1, 365))
        touch, verdict = None, None
        priority = rng.choice(("normal", "normal", "normal", "high_non_critical"))
    rank = policy.priority(priority).rank
    plan = "high_priority" if priority == "high_non_critical" else "standard"
    tickets.append((n, n, base["version"], base["org"], base["contact"], "", f"Ticket {n}", "x",
                    "portal", plan, priority, rank, "open", "open", "", "", [], False, False,
                    [], False, False, [], created, touch or created, 2, base["agent"]))
    facts = {"subject": f"Ticket {n}", "channel": "portal", "plan": plan, "priority": priority,
             "requested_priority": priority, "status": "new", "hold": "",
             "opened_by_agent": False, "group": None, "notes": []}
    events.append((n, created, "created", None, "portal", facts))
    if verdict is not None:
        events.append((n, touch, "public_reply", base["agent"], "console", {"message": None}))
        for timer in verdict.values():
            timers.append((n, timer.metric, str(timer.state), timer.due, timer.late_at,
                           timer.goal, timer.warn_at, timer.met_at,
                           timer.breached_by_minutes or None,
                           int(timer.business_used.total_seconds()),
                           int(timer.business_paused.total_seconds()), timer.reason))
        return
    met = created + timedelta(minutes=rng.randint(5, 120))
    timers.append((n, "first_response", "met", met, met, None, met - timedelta(minutes=30),
                   met, None, 3600, 0, "bench"))
    if rng.random() < 0.2:  # breached in the past: the backlog a sweep must not read
        late = NOW - timedelta(days=rng.uniform(1, 300))
        state = "breached"
    else:
        late = NOW + timedelta(minutes=10) + timedelta(days=rng.uniform(0, 60))
        state = "running"
    timers.append((n, "follow_up", state, late, late, None, late - timedelta(minutes=30), None,
                   None, 0, 0, "bench"))


def explain(sql: str, params: list) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            return "\n".join(r[0] for r in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(" | ".join(str(c) for c in r) for r in cursor.fetchall())


REPEAT = 5


def _backend_cpu() -> float:
    """CPU seconds the database server process serving this connection has used (a local
    PostgreSQL: its /proc entry); 0 where that cannot be read (SQLite runs in this process)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed_sweep(*, rollback: bool):
    from django.db import transaction

    from pledgedesk.automation.services import sweep_sla

    with transaction.atomic():
        db0, cpu0, t0 = _backend_cpu(), time.process_time(), time.perf_counter()
        result = sweep_sla(now=NOW)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        db_cpu = _backend_cpu() - db0
        transaction.set_rollback(rollback)
    return wall, cpu, db_cpu, result


def statements() -> None:
    """One more sweep, rolled back, with every statement it sent and the time each took:
    where the wall time goes between the two range queries' plans above."""
    from django.db import connection, transaction

    from pledgedesk.automation.services import sweep_sla

    taken: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            taken.append((time.perf_counter() - started, " ".join(sql.split())[:110]))

    with transaction.atomic(), connection.execute_wrapper(timed):
        started = time.perf_counter()
        sweep_sla(now=NOW)
        wall = time.perf_counter() - started
        transaction.set_rollback(True)
    log(f"\n-- the statements of one sweep (rolled back): {len(taken)} statements, "
        f"{sum(t for t, _ in taken) * 1000:.0f} ms of {wall * 1000:.0f} ms wall --")
    for seconds, sql in taken:
        log(f"{seconds * 1000:8.1f} ms  {sql}")


def measure() -> None:
    from django.db import connection, transaction

    from pledgedesk.automation import selectors
    from pledgedesk.automation.models import SweepMark
    from pledgedesk.automation.services import LOOKBACK
    from pledgedesk.tickets.models import TicketEvent

    SweepMark.objects.update_or_create(name="sla", defaults={"swept_to": NOW - timedelta(
        minutes=1)})
    since = NOW - timedelta(minutes=1) - LOOKBACK
    params = [since, NOW]
    if connection.vendor == "sqlite":
        params = [p.astimezone(UTC).replace(tzinfo=None).isoformat(" ") for p in params]
    for name, sql in (("breach", selectors.BREACH_SQL), ("warning", selectors.WARNING_SQL)):
        log(f"\n-- plan of the sweep's {name} query, window ({since:%H:%M:%S}, "
            f"{NOW:%H:%M:%S}] UTC --\n{sql}\n{explain(sql, params)}")
    started = time.perf_counter()
    candidates = selectors.crossing_candidates(since=since, now=NOW)
    query_s = time.perf_counter() - started
    log(f"load average before the sweeps: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    # The same sweep REPEAT times, each rolled back, so every run finds the same 1,000 due
    # timers: the fastest run is the one least disturbed by whatever else the machine runs.
    runs = [_timed_sweep(rollback=True) for _ in range(REPEAT)]
    for wall, cpu, db_cpu, result in runs:
        log(f"sweep (rolled back): {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU here, "
            f"{db_cpu * 1000:.0f} ms CPU in the database backend; {result.breaches} breaches")
    walls = sorted(r[0] for r in runs)
    log(f"sweep wall time over {REPEAT} runs: min {walls[0] * 1000:.0f} ms, median "
        f"{walls[len(walls) // 2] * 1000:.0f} ms; load average now {os.getloadavg()[0]:.2f}")
    statements()
    with transaction.atomic():  # kept, then swept again, then all rolled back
        sweep_s, sweep_cpu, db_cpu, result = _timed_sweep(rollback=False)
        again_s, _cpu, _db, again = _timed_sweep(rollback=False)
        recorded = TicketEvent.objects.filter(kind="sla_breached").count()
        transaction.set_rollback(True)
    log(f"\ncandidate queries alone: {query_s * 1000:.1f} ms ({len(candidates)} candidates)")
    log(f"sweep, then kept: {sweep_s * 1000:.0f} ms wall, {sweep_cpu * 1000:.0f} ms CPU here, "
        f"{db_cpu * 1000:.0f} ms CPU in the database backend  {result}")
    log(f"sweep again (same instant, nothing new): {again_s * 1000:.1f} ms  {again}")
    log(f"sla_breached events recorded: {recorded}; load average after: "
        f"{os.getloadavg()[0]:.2f}")


def _pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            [name]).fetchone() is not None


def _loaded(tickets: int) -> bool:
    """A kept database holding this run's load (the bench's tickets, the seed organisation)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        return cursor.fetchone()[0] == tickets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--db", default=os.environ.get("PLEDGEDESK_BENCH_DB"),
                        help="PostgreSQL database name (default: a throwaway one)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the PostgreSQL database for the next run to reuse")
    args = parser.parse_args()
    db = args.db or f"pd_sweep_{int(time.time())}_{os.getpid()}"
    pg = args.database == "postgres"
    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as tmp:
        if pg and not _pg_exists(db):
            subprocess.run([sys.executable, str(ROOT / "scripts" / "pgdb"), "create", db],
                           check=True)
        try:
            django_start(Path(tmp), f"{PG_SERVER}/{db}" if pg else None)
            from django.db import connection

            version = connection.cursor().connection.info.server_version if pg else ""
            log(f"database: {connection.vendor} {version} {db if pg else ''}; "
                f"{args.tickets:,} tickets, {args.due:,} due in the minute before {NOW}")
            if pg and _loaded(args.tickets):
                log("reusing the tickets already loaded in this database")
            else:
                base = seed()
                loaded = bulk_load(base, args.tickets, args.due, random.Random(15))
                log(f"loaded {loaded['tickets']:,} tickets, {loaded['events']:,} events, "
                    f"{loaded['timers']:,} timers in {loaded['load_s']:.0f} s "
                    f"(+ {loaded['analyze_s']:.0f} s ANALYZE)")
            measure()
        finally:
            if pg:
                from django.db import connections

                connections.close_all()
                if not args.keep:
                    subprocess.run([sys.executable, str(ROOT / "scripts" / "pgdb"), "drop",
                                    db], check=False)
                else:
                    log(f"kept database {db} (drop it with: scripts/pgdb drop {db})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
