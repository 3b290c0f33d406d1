#!/usr/bin/env python3
"""Console page benchmark (issue 20). A benchmark, not a test: nothing here runs in pytest.

    .venv/bin/python benchmarks/console_bench.py load --db pd_console_1m --tickets 1000000
    .venv/bin/python benchmarks/console_bench.py run --db pd_console_1m --clients 4 \\
        --baseline-root /tmp/console-base      # a checkout of the code before (git archive)

``load`` creates a PostgreSQL database and fills it with ``desk_bench``'s loader (its seed
desk, then the bulk load: tickets with events and timers from the real SLA engine), once: a
1M load takes 5-15 minutes. ``run`` reuses it (migrating it first):

1. Builds two tickets through the services: a short one (created, one reply) and a long one
   (500 events: replies, notes and customer replies), timing each service call: what a reply
   costs on a short and on a long ticket (the SLA recompute replays the whole history).
2. Serves the database with ``pledgedesk serve`` (gunicorn, the project's worker), and with
   ``--baseline-root`` a second server from that checkout on the same database, same workers.
3. Times, over HTTP from ``--clients`` concurrent clients, as a signed-in agent: the console
   queue page (full page, and the htmx poll of its rows), the same first page through the API
   (``/api/v1/tickets?limit=50``), the console ticket page of the short and the long ticket,
   and the same tickets through the API. Rounds alternate the sides (A B, B A, ...), at least
   six; every page of a round runs on each side before the next round.
4. Prints per page and side the median and p95 over all requests, the median of the per-round
   p95 ratios with their spread, the servers' CPU time per request (from /proc: the wall
   figures move with the machine's load, the CPU figures much less), the page size, the RSS of
   each web worker, and the load average before and after.

Ports and database names come from options or ``CONSOLE_BENCH_*``; the servers are stopped at
the end, also on Ctrl-C. The database is kept (``scripts/pgdb drop NAME`` removes it).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import desk_bench as db  # the loader, HTTP client and server helpers are shared

LONG_EVENTS = 500
TARGETS_MS = {"queue": 20.0, "ticket": 30.0}  # issue 20, HTTP p95 at 1M on PostgreSQL


def cmd_load(args) -> int:
    db.pgdb("create", args.db)
    db.log(f"migrating {args.db}")
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db.django_start(data_dir, f"{db.PG_SERVER}/{args.db}")
    now = datetime.now(UTC).replace(microsecond=0)
    seed = db.seed_desk(now, random.Random(42))
    db.log(f"bulk-loading {args.tickets:,} tickets")
    loaded = db.bulk_load(seed, args.tickets, now, args.workers)
    db.log(f"loaded: {loaded}")
    return 0


# --- fixtures through the services -----------------------------------------------------------


def _actors():
    from pledgedesk.accounts.models import Agent, Organisation
    from pledgedesk.tickets.services import Actor

    agent = Agent.objects.select_related("user").get(user__username="bench-agent-0")
    org = (Organisation.objects.filter(primary_contact__isnull=False)
           .select_related("primary_contact").order_by("pk").first())
    contact = org.primary_contact
    return agent, contact, Actor(channel="web", agent=agent), Actor(channel="portal",
                                                                    contact=contact)


def build_tickets(now: datetime) -> dict:
    """A short ticket and a ``LONG_EVENTS``-event one, through the services; the cost of a
    reply on each (the last 20 replies of the long one, 20 on a fresh short one)."""
    from pledgedesk.tickets.models import TicketEvent
    from pledgedesk.tickets.services import (
        NewTicket,
        ticket_create,
        ticket_customer_reply,
        ticket_note,
        ticket_reply,
    )

    agent, contact, as_agent, as_contact = _actors()
    org = contact.organisation
    clock = [now]

    def tick():
        clock[0] += timedelta(minutes=7)
        return clock[0]

    def new(subject):
        return ticket_create(new=NewTicket(
            organisation=org, requester=contact, subject=subject,
            description="Opened by the console benchmark.", channel="email"), now=tick())

    def reply(ticket):
        started = time.perf_counter()
        ticket_reply(ticket=ticket, actor=as_agent, body="We are looking into it.",
                     expected_version=None, now=tick())
        return time.perf_counter() - started

    short = new("Console bench: a short ticket")
    short_costs = [reply(short) for _ in range(20)]
    long = new(f"Console bench: {LONG_EVENTS} events")
    steps = (lambda t: ticket_note(ticket=t, actor=as_agent, body="Checked the logs.",
                                   expected_version=None, now=tick()),
             lambda t: ticket_customer_reply(ticket=t, actor=as_contact, body="Any news?",
                                             now=tick()),
             reply)
    long_costs = []
    events = TicketEvent.objects.filter(ticket=long)
    count = events.count()
    n = 0
    while count < LONG_EVENTS:
        step = steps[n % 3]
        if count >= LONG_EVENTS - 60 and step is reply:
            long_costs.append(reply(long))
        else:
            step(long)
        n += 1
        count = events.count()
    return {"short": short, "long": long, "long_events": count,
            "short_events": TicketEvent.objects.filter(ticket=short).count(),
            "reply_short": short_costs, "reply_long": long_costs, "agent": agent}


def session_cookie(user) -> str:
    """A signed-in session for ``user``, as the sign-in form would leave it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0] \
        if hasattr(settings, "AUTHENTICATION_BACKENDS") else \
        "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


# --- servers and timing --------------------------------------------------------------------------


def worker_pids(master) -> list[int]:
    cmdline = Path(f"/proc/{master.pid}/cmdline").read_bytes()
    pids = []
    for task in os.listdir(f"/proc/{master.pid}/task"):
        text = Path(f"/proc/{master.pid}/task/{task}/children").read_text()
        for pid in text.split():
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes() == cmdline:
                    pids.append(int(pid))
            except OSError:
                pass
    return pids


def cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def timed_round(port: int, path: str, headers: dict, cookies: dict, requests: int,
                clients: int) -> tuple[list[float], int]:
    """``requests`` GETs of ``path`` from ``clients`` threads with their own connections."""
    latencies: list[float] = []
    size = [0]
    errors: list[str] = []
    lock = threading.Lock()
    left = [requests]

    def client() -> None:
        http = db.Http(port)
        http.cookies.update(cookies)
        try:
            while True:
                with lock:
                    if left[0] <= 0:
                        return
                    left[0] -= 1
                started = time.perf_counter()
                status, _h, body = http.request("GET", path, headers=headers)
                took = time.perf_counter() - started
                with lock:
                    if status != 200:
                        errors.append(f"GET {path}: HTTP {status} {body[:200]!r}")
                        return
                    latencies.append(took)
                    size[0] = len(body)
        finally:
            http.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(errors[0])
    return latencies, size[0]


def cmd_run(args) -> int:
    signal.signal(signal.SIGTERM, db._raise_interrupt)
    cleanup = db.Cleanup()
    work = Path(tempfile.mkdtemp(prefix="console-bench-"))
    cleanup.push(f"remove {work}", lambda: shutil.rmtree(work, ignore_errors=True))
    load_start = db.load_average()
    try:
        return _run(args, cleanup, work, load_start)
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        cleanup.run()


def _run(args, cleanup, work: Path, load_start: str) -> int:
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url = f"{db.PG_SERVER}/{args.db}"
    db.log(f"migrating {args.db}")
    db.django_start(data_dir, database_url)
    from django.db import connections

    from pledgedesk.accounts.tokens import token_issue
    from pledgedesk.tickets.models import Ticket

    now = datetime.now(UTC).replace(microsecond=0)
    db.log(f"building a short and a {LONG_EVENTS}-event ticket through the services")
    built = build_tickets(now)
    agent = built["agent"]
    cookie = {"sessionid": session_cookie(agent.user)}
    token = token_issue(user=agent.user, name="console-bench", now=now).raw
    tickets = Ticket.objects.count()
    connections.close_all()

    env = dict(os.environ, PLEDGEDESK_DATA_DIR=str(data_dir), DATABASE_URL=database_url)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    sides, masters = db.serve_sides(env, args.server_workers, work, cleanup, port=args.port,
                                    baseline_root=args.baseline_root,
                                    baseline_port=args.baseline_port)

    short, long = built["short"].number, built["long"].number
    api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    poll = {"HX-Request": "true"}
    pages = [
        ("queue page", "/console/", {}, cookie),
        ("queue rows (htmx poll)", "/console/", poll, cookie),
        ("API queue, same page", "/api/v1/tickets?limit=50", api, {}),
        ("ticket page, short", f"/console/tickets/{short}/", {}, cookie),
        (f"ticket page, {built['long_events']} events", f"/console/tickets/{long}/", {},
         cookie),
        ("API ticket, short", f"/api/v1/tickets/{short}", api, {}),
        (f"API ticket, {built['long_events']} events", f"/api/v1/tickets/{long}", api, {}),
    ]
    for _root, port in sides.values():  # warm every worker and thread
        for _name, path, headers, cookies in pages:
            timed_round(port, path, headers, cookies, args.clients * args.server_workers * 4,
                        args.clients)
    results = {(side, name): {"lat": [], "p95s": [], "cpu": 0.0, "n": 0, "size": 0}
               for side in sides for name, *_ in pages}
    order = list(sides)
    db.log(f"timing: {args.rounds} rounds x {args.requests} requests per page and side, "
           f"{args.clients} clients")
    for r in range(args.rounds):
        for side in (order if r % 2 == 0 else order[::-1]):
            port = sides[side][1]
            pids = worker_pids(masters[side])
            for name, path, headers, cookies in pages:
                cpu0 = cpu_seconds(pids)
                lat, size = timed_round(port, path, headers, cookies, args.requests,
                                        args.clients)
                slot = results[(side, name)]
                slot["cpu"] += cpu_seconds(pids) - cpu0
                slot["n"] += len(lat)
                slot["lat"] += lat
                slot["p95s"].append(db.pct(lat, 95))
                slot["size"] = size
        db.log(f"  round {r + 1} done, load {db.load_average()}")
    rss = {side: db.worker_rss(master) for side, master in masters.items()}
    report(args, built, tickets, pages, sides, results, rss, load_start)
    return 0


def report(args, built, tickets, pages, sides, results, rss, load_start) -> None:
    print()
    print(f"console_bench: PostgreSQL {args.db}, {tickets:,} tickets; {args.clients} clients, "
          f"{args.server_workers} gunicorn workers x 4 threads per side; {args.rounds} rounds "
          f"x {args.requests} requests per page and side, sides alternating")
    print(f"load average at start {load_start}, at end {db.load_average()}; "
          f"{os.cpu_count()} cores")
    header = ["page", "side", "median ms", "p95 ms", "CPU ms/req", "kB", "p95 vs before"]
    rows = []
    for name, *_ in pages:
        for side in sides:
            slot = results[(side, name)]
            ratio = ""
            if side == "after" and "before" in sides:
                pairs = sorted(a / b for a, b in zip(
                    slot["p95s"], results[("before", name)]["p95s"], strict=True))
                ratio = (f"{statistics.median(pairs):.2f}x "
                         f"({pairs[0]:.2f}-{pairs[-1]:.2f})")
            rows.append([name, side, f"{db.ms(statistics.median(slot['lat'])):.1f}",
                         f"{db.ms(db.pct(slot['lat'], 95)):.1f}",
                         f"{1000 * slot['cpu'] / max(slot['n'], 1):.1f}",
                         f"{slot['size'] / 1024:.0f}", ratio])
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "-+-".join("-" * w for w in widths)
    print(line)
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for r in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    print(line)
    print(f"targets (HTTP p95, PostgreSQL 1M): queue < {TARGETS_MS['queue']:.0f} ms, every "
          f"ticket page < {TARGETS_MS['ticket']:.0f} ms")
    for side, sizes in rss.items():
        print(f"RSS per web worker, {side}: " + ", ".join(f"{s:.1f}" for s in sizes) + " MiB")
    short, long = built["reply_short"], built["reply_long"]
    print(f"reply through the service (in this process, SLA recompute included): short ticket "
          f"({built['short_events']} events) median {db.ms(statistics.median(short)):.1f} ms; "
          f"long ticket (last {len(long)} replies up to {built['long_events']} events) median "
          f"{db.ms(statistics.median(long)):.1f} ms")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    env_db = os.environ.get("CONSOLE_BENCH_DB", "pd_console_1m")
    load = sub.add_parser("load", help="create and fill the database")
    load.add_argument("--db", default=env_db, help="database name (default $CONSOLE_BENCH_DB)")
    load.add_argument("--tickets", type=int, default=1_000_000)
    load.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                      help="processes generating the bulk load")
    run = sub.add_parser("run", help="time the pages")
    run.add_argument("--db", default=env_db, help="database name (default $CONSOLE_BENCH_DB)")
    run.add_argument("--clients", type=int, default=4)
    run.add_argument("--requests", type=int, default=100,
                     help="requests per page, side and round (default 100)")
    run.add_argument("--rounds", type=int, default=6)
    run.add_argument("--server-workers", type=int, default=2)
    run.add_argument("--baseline-root", help="also serve the database from this checkout "
                     "(the code before), rounds alternating")
    for option, env_name in (("--port", "CONSOLE_BENCH_PORT"),
                             ("--baseline-port", "CONSOLE_BENCH_BASELINE_PORT")):
        run.add_argument(option, type=int, default=int(os.environ.get(env_name) or 0),
                         help=f"TCP port (default ${env_name}, else a free one)")
    for p in (load, run):
        p.add_argument("--data-dir", default=os.environ.get(
            "CONSOLE_BENCH_DATA_DIR", "/tmp/console-bench-data"),
            help="PLEDGEDESK_DATA_DIR of the servers (static files, uploads)")
    args = parser.parse_args(argv)
    if args.cmd == "run" and args.rounds < 6:
        parser.error("--rounds must be at least 6")
    return cmd_load(args) if args.cmd == "load" else cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
