#!/usr/bin/env python3
"""Pledgedesk desk benchmark (issue 5). A benchmark, not a test: nothing here runs in pytest.

    .venv/bin/python benchmarks/desk_bench.py                       # SQLite, 100,000 tickets
    .venv/bin/python benchmarks/desk_bench.py --peer django-helpdesk
    .venv/bin/python benchmarks/desk_bench.py --database postgres --tickets 1000000 \\
        --peer django-helpdesk

What it does, in order:

1. A throwaway database (a temp data dir with SQLite, or ``scripts/pgdb create`` on
   PostgreSQL), migrated; organisations on the five seed policies, contacts, agents, groups and
   an agent's API token.
2. Bulk load of N tickets "with their events and timers". Tickets: seed policies, varied plan,
   channel, requested priority (the policy's real intake rule decides the applied one), status
   (open more likely the younger the ticket), assignee, group, RK-2 administrator flags,
   received_at over the year before now with a weekday/office-hours bias. Events: created,
   exclusion_set, page_on_call, assigned, status_changed, public_reply, as the services write
   them. Timers: the REAL SLA engine (``pledgedesk.sla.evaluate``) on the event history mapped
   by the desk's own ``tickets.timers.sla_events``, one evaluation per ticket, as of now: the
   same verdict ``timers_recompute`` would store. The engine runs in worker processes; rows go
   in with COPY (PostgreSQL) or executemany (SQLite), one transaction per chunk; then ANALYZE,
   or on PostgreSQL VACUUM ANALYZE (both sides), as after any bulk load: otherwise autovacuum
   starts on the freshly loaded tables in the middle of the timed requests.
3. Service-layer creation rate: ``--sample`` tickets through ``tickets.services.ticket_create``.
4. ``pledgedesk serve`` (gunicorn) on a free 127.0.0.1 port; ``--http-sample`` tickets through
   POST /api/v1/tickets as an agent with a bearer token, from ``--clients`` client threads,
   in ``--rounds`` rounds with new connections each; the median round is reported.
5. Queue first page: 50 x GET /api/v1/tickets, plus the raw ``ticket_queue`` selector time.
   Breach query: 50 x GET /api/v1/timers/breaching, plus the raw ``timers_breaching`` time (at
   now, and in the busiest hour of the next week so the window is not empty). EXPLAIN plans.
6. ``--peer django-helpdesk``: its own virtualenv (created if missing, never the project's),
   a generated Django project on the same kind of database, N tickets (one follow-up each)
   bulk-loaded, its public ticket form POSTed (with CSRF) against gunicorn, and the first page
   of its staff ticket list (the page plus its datatables request, as a browser loads it).
   Both servers run the same gunicorn worker, ``pledgedesk.http_worker.EventLoopWorker``
   (copied into the peer's project), with the same workers and threads, and the same database
   connection settings (connections kept; on PostgreSQL server-side binding and prepared
   statements). Equal work: each side sends one new-ticket mail per ticket, written to a file
   (the peer renders and sends it inside the request; ours is sent by the background worker
   after the response), so our rounds also wait for the outbox to drain before the next round
   starts, and are reported a second time counted to the last acknowledgement mail sent.

Servers, databases and temp dirs are removed at the end, also on Ctrl-C or an error.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
# The project's interpreter: its .venv, else the one running this script (a worktree).
PROJECT_PY = ROOT / ".venv" / "bin" / "python"
if not PROJECT_PY.exists():
    PROJECT_PY = Path(sys.executable)
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
CHUNK = 4000
LATENCY_REQUESTS = 50
YEAR = timedelta(days=365)

# Targets from issue 5.
TARGET_WORKER_RSS_MIB = 90  # issue 20: a web worker under 90 MiB RSS
TARGET_CREATE_RATIO = 3.0
TARGET_QUEUE_P95_MS = 50.0
TARGET_BREACH_MS = 20.0


# --- cleanup -----------------------------------------------------------------------------------


class Cleanup:
    """Everything started or created, undone in reverse order at exit, whatever happened."""

    def __init__(self) -> None:
        self._undo: list[tuple[str, object]] = []

    def push(self, what: str, action) -> None:
        self._undo.append((what, action))

    def run(self) -> None:
        while self._undo:
            what, action = self._undo.pop()
            try:
                action()
            except Exception as exc:  # keep undoing the rest
                print(f"cleanup: {what}: {exc}", file=sys.stderr)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


# --- small helpers -------------------------------------------------------------------------------


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> float:
    return seconds * 1000.0


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "n/a"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def worker_rss(master: subprocess.Popen) -> list[float]:
    """VmRSS in MiB of each web worker: the children forked by the gunicorn ``master`` (same
    command line; a background ``pledgedesk worker`` beside it is not a web worker)."""
    def read(pid: int, name: str) -> str:
        with contextlib.suppress(OSError):
            return Path(f"/proc/{pid}/{name}").read_text(errors="replace")
        return ""

    cmdline = read(master.pid, "cmdline")
    children = " ".join(read(master.pid, f"task/{t}/children")
                        for t in os.listdir(f"/proc/{master.pid}/task"))
    sizes = []
    for pid in sorted(int(c) for c in children.split()):
        status = read(pid, "status")
        if read(pid, "cmdline") == cmdline and "VmRSS:" in status:
            kib = int(status.split("VmRSS:")[1].split()[0])
            sizes.append(kib / 1024)
    return sizes


def server_cpu(master: subprocess.Popen, *, web: bool = True) -> float:
    """CPU seconds (user + system) used so far by the web workers of gunicorn ``master`` (its
    children with its command line), or with ``web=False`` by the other children: the
    background ``pledgedesk worker`` beside them, whose outbox deliveries (the acknowledgement
    mail of every new ticket) happen after the response, on the same cores."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    with contextlib.suppress(OSError):
        cmdline = Path(f"/proc/{master.pid}/cmdline").read_bytes()
        for t in os.listdir(f"/proc/{master.pid}/task"):
            children = Path(f"/proc/{master.pid}/task/{t}/children").read_text().split()
            for pid in children:
                with contextlib.suppress(OSError, IndexError, ValueError):
                    if (Path(f"/proc/{pid}/cmdline").read_bytes() == cmdline) != web:
                        continue
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def record_rss(res: Results, side: str, master: subprocess.Popen) -> None:
    sizes = worker_rss(master)
    res.setup[f"{side} RSS per web worker"] = (
        ", ".join(f"{s:.1f}" for s in sizes) + " MiB" if sizes else "n/a (no /proc)")
    if sizes:
        (res.peer if side == "peer" else res.ours)[f"rss_{side}"] = max(sizes)
    log(f"  {side}: RSS per web worker {res.setup[f'{side} RSS per web worker']}")


def pgdb(action: str, name: str) -> None:
    subprocess.run([str(PROJECT_PY), str(ROOT / "scripts" / "pgdb"), action, name], check=True)


class Http:
    """One keep-alive HTTP/1.1 connection with a tiny cookie jar."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self._conn.request(method, path, body=body, headers=headers)
                response = self._conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, ConnectionError, OSError):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
                continue
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    cookie = value.split(";", 1)[0]
                    key, _, val = cookie.partition("=")
                    self.cookies[key.strip()] = val.strip()
            if response.getheader("Connection", "").lower() == "close":
                self._conn.close()
                self._conn = None
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        raise RuntimeError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def start_server(cmd: list[str], env: dict[str, str], cwd: Path, port: int, log_path: Path,
                 cleanup: Cleanup, name: str, ready_path: str = "/") -> subprocess.Popen:
    """Start a server in its own process group; wait until it answers HTTP."""
    out = log_path.open("wb")
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)

    def stop() -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        out.close()

    cleanup.push(f"stop {name} server", stop)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{name} server exited with {proc.returncode}:\n{tail}")
        try:
            client = Http(port)
            client.request("GET", ready_path)
            client.close()
            return proc
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{name} server did not answer on port {port} within 180 s")


def serve_sides(env: dict[str, str], workers: int, work: Path, cleanup: Cleanup, *,
                port: int = 0, baseline_root: str | None = None,
                baseline_port: int = 0) -> tuple[dict, dict]:
    """``pledgedesk serve --no-worker`` from this checkout ("after") and, with
    ``baseline_root``, from that one ("before"), on ``env``'s database: ``(sides, masters)``,
    each by side name, ``sides`` giving ``(root, port)``."""
    sides = {"after": (ROOT, port or free_port())}
    if baseline_root:
        sides["before"] = (Path(baseline_root), baseline_port or free_port())
    masters = {}
    for side, (root, side_port) in sides.items():
        log(f"{side}: pledgedesk serve from {root} on 127.0.0.1:{side_port} ({workers} workers)")
        masters[side] = start_server(
            [str(_project_python(root)), "-m", "pledgedesk", "serve", "--host", "127.0.0.1",
             "--port", str(side_port), "--workers", str(workers), "--no-worker"],
            env, root, side_port, work / f"{side}.log", cleanup, side, ready_path="/healthz")
    return sides, masters


def timed_requests(client: Http, path: str, headers: dict[str, str], count: int,
                   check=None) -> list[float]:
    """``count`` sequential GETs of ``path``; seconds each. A non-200 answer is an error."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        status, _headers, body = client.request("GET", path, headers=headers)
        times.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}: {body[:300]!r}")
        if check is not None:
            check(body)
    return times


def run_concurrently(total: int, clients: int, make_client, one) -> tuple[float, int, list[str]]:
    """Run ``one(client, i)`` for i in range(total) from ``clients`` threads, each with its own
    connection. Returns (elapsed seconds, successes, error samples)."""
    counter = iter(range(total))
    lock = threading.Lock()
    ok = [0]
    errors: list[str] = []

    def worker() -> None:
        client = make_client()
        try:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                try:
                    good = one(client, i)
                except Exception as exc:
                    good = f"{type(exc).__name__}: {exc}"
                with lock:
                    if good is True:
                        ok[0] += 1
                    elif len(errors) < 5:
                        errors.append(str(good)[:300])
                    else:
                        errors.append("")
        finally:
            client.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, ok[0], errors


def rate_in_rounds(total: int, rounds: int, clients: int, make_client,
                   one) -> tuple[float, list[float], int, list[str]]:
    """``total`` requests in ``rounds`` rounds, each from fresh client connections. Gunicorn
    gives a keep-alive connection to one worker for its whole life, and whether two clients'
    connections share a worker changes from one connection to the next: one long round
    measured that luck as much as the server (115 against 170 tickets/s for the same code).
    Returns (median round rate, every round's rate, successes, error samples)."""
    per = max(1, total // rounds)
    rates, ok_all, errors_all = [], 0, []
    for r in range(rounds):
        elapsed, ok, errors = run_concurrently(
            per, clients, make_client, lambda client, i, base=r * per: one(client, base + i))
        rates.append(ok / elapsed)
        ok_all += ok
        errors_all += errors
    return statistics.median(rates), rates, ok_all, errors_all


def rates_alternating(total: int, rounds: int, clients: int, sides: list[tuple],
                      cpu: list | None = None, loads: list | None = None,
                      settle: list | None = None, background: list | None = None,
                      ) -> list[tuple[list[float], int, list[str]]]:
    """``rate_in_rounds`` for several servers in one run: round r of every side runs before
    round r + 1 of any, the order turning each round (A B, B A, ...), so that drift in the
    machine's speed (other processes, the database growing) falls on every side alike.
    ``sides`` holds (make_client, one) pairs; returns (rates, successes, errors) per side.
    ``cpu``: per side, a function giving its server's CPU seconds so far; each round's
    server CPU seconds per successful request are appended to ``cpu_per`` lists in
    ``loads`` (a list that receives one dict per round: load average and CPU per side).
    ``settle``: per side, None or a function that waits until the side's work done after the
    response (our acknowledgement mail, delivered by the background worker) is finished and
    returns the seconds it waited: the next round starts only then, so one side's deferred
    work never runs in another side's round, and the round's rate to the last mail sent is
    recorded too (``figures["settled"]``). ``background``: per side, None or a function giving
    that side's background CPU seconds so far (``figures["bg"]``: per request, to settled)."""
    per = max(1, total // rounds)
    out: list[tuple[list[float], int, list[str]]] = [([], 0, []) for _ in sides]
    for r in range(rounds):
        order = list(range(len(sides)))
        if r % 2:
            order.reverse()
        figures: dict = {"load": load_average(), "cpu": {}, "settled": {}, "bg": {}}
        for k in order:
            make_client, one = sides[k]
            first = (r * len(sides) + k) * per  # every request of the run has its own number
            before = cpu[k]() if cpu else 0.0
            bg = background[k] if background else None
            bg_before = bg() if bg else 0.0
            elapsed, ok, errors = run_concurrently(
                per, clients, make_client,
                lambda client, i, base=first, one=one: one(client, base + i))
            if cpu and ok:
                figures["cpu"][k] = (cpu[k]() - before) / ok
            if settle and settle[k] is not None:
                waited = settle[k]()
                if ok:
                    figures["settled"][k] = ok / (elapsed + waited)
            if bg and ok:
                figures["bg"][k] = (bg() - bg_before) / ok
            rates, ok_all, errors_all = out[k]
            rates.append(ok / elapsed)
            out[k] = (rates, ok_all + ok, errors_all + errors)
        figures["load"] += " -> " + load_average()
        if loads is not None:
            loads.append(figures)
            log(f"  round {r + 1}/{rounds} (load {figures['load']}): " + ", ".join(
                f"side {k}: {out[k][0][-1]:.1f}/s"
                + (f", {figures['cpu'][k] * 1000:.2f} ms server CPU/request"
                   if k in figures["cpu"] else "")
                + (f" ({figures['settled'][k]:.1f}/s to the last mail sent, "
                   f"{figures['bg'].get(k, 0) * 1000:.2f} ms background CPU/request)"
                   if k in figures["settled"] else "") for k in range(len(sides))))
    return out


# --- results -------------------------------------------------------------------------------------


@dataclass
class Results:
    setup: dict[str, str] = field(default_factory=dict)
    ours: dict[str, float] = field(default_factory=dict)
    peer: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    plans: list[tuple[str, str]] = field(default_factory=list)


# --- our side: Django in this process ----------------------------------------------------------


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


# Organisations per policy: (policy key, plans, timezone, country, subdivision, weight).
ORG_SHAPES = [
    ("fax-server-24x7", ["standard"], "America/Chicago", "US", "", 3),
    ("fax-server-24x7", ["24x7"], "America/New_York", "US", "", 2),
    ("fax-server-24x7", ["standard"], "America/Los_Angeles", "US", "", 2),
    ("crm-severity-colours", ["standard"], "", "", "", 4),
    ("crm-named-severities", ["standard"], "", "", "", 3),
    ("ecommerce-platform", ["standard"], "", "", "", 4),
    ("ecommerce-platform", ["high_priority"], "", "", "", 2),
    ("ecommerce-platform", ["standard", "extra_support"], "", "", "", 1),
    ("crm-regional", ["standard"], "America/New_York", "US", "", 3),
    ("crm-regional", ["enterprise"], "Europe/Berlin", "DE", "", 2),
    ("crm-regional", ["standard"], "Europe/London", "GB", "", 2),
]
ORGS_PER_SHAPE = 12
CONTACTS_PER_ORG = 6
AGENTS = 40
GROUPS = ("support", "senior", "product", "development")

SUBJECTS = (
    "Cannot log in", "Export to CSV fails", "Fax not received", "Invoice question",
    "Sync stopped overnight", "Error 500 on the dashboard", "How do I add a user?",
    "Report shows wrong totals", "Password reset email never arrives", "Slow search",
    "Integration token expired", "Calendar shows the wrong time zone", "Upgrade question",
)


def seed_desk(now: datetime, rng: random.Random) -> dict:
    """Organisations, contacts, agents, groups and one agent's API token, through the ORM."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from pledgedesk.accounts.models import (
        Agent,
        AgentGroup,
        Contact,
        ContactEmail,
        Organisation,
    )
    from pledgedesk.versions.policies import policy_for, policy_version_current

    User = get_user_model()
    orgs = []
    with transaction.atomic():
        groups = {key: AgentGroup.objects.get_or_create(key=key, defaults={"name": key.title()})[0]
                  for key in GROUPS}
        agents = []
        for i in range(AGENTS):
            user = User.objects.create(username=f"bench-agent-{i}", password="!")
            agent = Agent.objects.create(user=user, name=f"Agent {i}", roles=["engineer"])
            agent.groups.add(groups[GROUPS[i % len(GROUPS)]])
            agents.append(agent)
        n = 0
        for key, plans, tz, country, subdiv, weight in ORG_SHAPES:
            for _ in range(ORGS_PER_SHAPE):
                n += 1
                org = Organisation.objects.create(
                    name=f"Bench org {n}", policy_key=key, plans=plans, timezone=tz,
                    country=country, subdivision=subdiv, created_at=now - YEAR - YEAR,
                )
                contacts = []
                for c in range(CONTACTS_PER_ORG):
                    person = Contact.objects.create(
                        organisation=org, name=f"Contact {n}.{c}", authorised=True,
                        created_at=org.created_at)
                    ContactEmail.objects.create(contact=person,
                                                address=f"c{n}.{c}@bench.invalid")
                    contacts.append(person)
                org.primary_contact = contacts[0]
                if rng.random() < 0.8:  # some organisations have no Administrator (RK-2)
                    org.administrator = contacts[1]
                org.save()
                orgs.append((org, contacts, weight))
    versions = {}
    for key in {shape[0] for shape in ORG_SHAPES}:
        version = policy_version_current(key, now=now)
        versions[key] = (version.pk, policy_for(version))
    return {"orgs": orgs, "agents": agents, "groups": groups, "versions": versions}


# Worker-side generation context, set before the pool forks.
_GEN: dict = {}


def _gen_context(seed: dict, now: datetime, sqlite: bool, id_base: int, number_base: int):
    orgs = []
    for org, contacts, weight in seed["orgs"]:
        version_id, policy = seed["versions"][org.policy_key]
        plan = next((p for p in org.plans if p in policy.plan_chains), policy.default_plan)
        offered = policy.spec.channels.offered()
        channels = [k for k, spec in offered.items()
                    if spec.identifies_requester and not spec.plans and spec.priority is None]
        orgs.append(SimpleNamespace(
            id=org.pk, policy=policy, version_id=version_id, plan=plan, channels=channels,
            contacts=[c.pk for c in contacts], admin=org.administrator_id,
            tz=org.timezone or None, country=org.country or None, subdiv=org.subdivision or None,
            weight=weight,
        ))
    _GEN.clear()
    _GEN.update(
        orgs=orgs, weights=[o.weight for o in orgs], now=now, sqlite=sqlite, id_base=id_base,
        number_base=number_base, agents=[a.pk for a in seed["agents"]],
        groups=[(g.pk, key) for key, g in seed["groups"].items()],
    )


def _worker_signals() -> None:
    """Pool workers leave Ctrl-C to the parent and stop quietly when the pool ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _minutes(rng: random.Random, median: float, sigma: float) -> timedelta:
    return timedelta(minutes=median * math.exp(rng.gauss(0.0, sigma)))


def _received_times(rng: random.Random, count: int, t0: datetime, t1: datetime) -> list[datetime]:
    """``count`` instants in [t0, t1), weighted to weekdays and 13:00-23:00 UTC (US office
    hours), sorted: ticket numbers grow with time."""
    span = (t1 - t0).total_seconds()
    out = []
    while len(out) < count:
        at = t0 + timedelta(seconds=rng.random() * span)
        weight = (1.0 if at.weekday() < 5 else 0.25) * (1.0 if 13 <= at.hour <= 23 else 0.3)
        if rng.random() < weight:
            out.append(at)
    out.sort()
    return out


def _gen_chunk(task: tuple[int, int, datetime, datetime, int]):
    """Tickets [start, start + count) with received_at in [t0, t1): ticket, event and timer
    rows, the timers from the real SLA engine as of now."""
    from pledgedesk import sla
    from pledgedesk.policy.compile import Location
    from pledgedesk.policy.errors import PolicyInputError
    from pledgedesk.tickets.timers import sla_events

    start, count, t0, t1, seed = task
    g = _GEN
    rng = random.Random(seed)
    now: datetime = g["now"]
    sqlite: bool = g["sqlite"]

    def dt(value: datetime | None):
        if value is None or not sqlite:
            return value
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")

    tickets, events, timers = [], [], []
    received = _received_times(rng, count, t0, t1)
    orgs = rng.choices(g["orgs"], weights=g["weights"], k=count)
    for k in range(count):
        at, org = received[k], orgs[k]
        tid, number = g["id_base"] + start + k, g["number_base"] + start + k
        policy = org.policy
        channel = rng.choice(org.channels)
        keys = policy.priority_keys
        requested = rng.choices(keys, weights=[1] + [3] * (len(keys) - 2) + [4])[0] \
            if len(keys) > 1 else keys[0]
        try:
            intake = policy.intake(channel=channel, plan=org.plan, requested=requested)
        except PolicyInputError:
            intake = policy.intake(channel=channel, plan=org.plan, requested=None)
        priority = intake.priority
        requester = org.admin if org.admin and rng.random() < 0.5 else rng.choice(org.contacts)
        spec = policy.spec.intake
        flags = []
        if spec.flag_without_administrator:
            if org.admin is None:
                flags = [spec.no_administrator_exclusion] if spec.no_administrator_exclusion \
                    else []
            elif requester != org.admin:
                flags = [spec.without_administrator_exclusion] \
                    if spec.without_administrator_exclusion else []
        location = Location(timezone=org.tz, country=org.country, subdiv=org.subdiv)
        page = policy.page_on_call(plan=org.plan, priority=priority, channel=channel, at=at,
                                   location=location)
        group = rng.choice(g["groups"]) if rng.random() < 0.4 else None
        new_status = policy.status_of_category("new")
        subject = f"{rng.choice(SUBJECTS)} ({number})"

        age_days = (now - at).total_seconds() / 86400
        if rng.random() < 0.03 + 0.92 * math.exp(-age_days / 4):
            category = rng.choices(("new", "open", "pending", "on_hold"), (25, 45, 20, 10))[0]
        else:
            category = "closed" if age_days > 4 and rng.random() < 0.7 else "solved"

        # (offset, kind, old, new, actor is agent)
        steps: list[tuple[timedelta, str, dict | None, dict | None, bool]] = []
        assignee = None
        if category != "new":
            assignee = rng.choice(g["agents"])
            d_assign = _minutes(rng, 40, 1.0)
            d_reply = d_assign + _minutes(rng, 90, 1.0)
            open_status = policy.status_of_category("open")
            steps.append((d_assign, "assigned", {"assignee": None}, {"assignee": assignee}, True))
            steps.append((d_assign, "status_changed", {"status": new_status},
                          {"status": open_status}, True))
            status = open_status
            if category != "on_hold" and (category != "open" or rng.random() < 0.7):
                steps.append((d_reply, "public_reply", None, {"message": None}, True))
            if category in ("pending", "on_hold"):
                target = policy.status_of_category(category)
                steps.append((d_reply, "status_changed", {"status": status},
                              {"status": target}, True))
                status = target
            if category in ("solved", "closed"):
                d_solve = d_reply + _minutes(rng, 1440, 1.2)
                solved = policy.status_of_category("solved")
                steps.append((d_solve, "status_changed", {"status": status},
                              {"status": solved}, True))
                status = solved
                if category == "closed":
                    closed = policy.status_of_category("closed")
                    steps.append((d_solve + timedelta(days=3), "status_changed",
                                  {"status": status}, {"status": closed}, True))
                    status = closed
            last = max(s[0] for s in steps)
            room = (now - at) * 0.95
            if last >= room:  # squeeze the history into the ticket's age
                factor = room / last
                steps = [(s[0] * factor, *s[1:]) for s in steps]
        else:
            status = new_status
        facts = {
            "subject": subject, "channel": channel, "plan": org.plan, "priority": priority,
            "requested_priority": requested, "status": new_status, "hold": "",
            "opened_by_agent": False, "group": group[1] if group else None,
            "notes": list(intake.notes),
        }
        history = [SimpleNamespace(at=at, kind="created", old=None, new=facts, agent=None)]
        for reason in flags:
            history.append(SimpleNamespace(at=at, kind="exclusion_set", old=None,
                                           new={"reason": reason}, agent=None))
        if page:
            history.append(SimpleNamespace(at=at, kind="page_on_call", old=None,
                                           new={"priority": priority}, agent=None))
        for offset, kind, old, new, _by_agent in steps:
            history.append(SimpleNamespace(at=at + offset, kind=kind, old=old, new=new,
                                           agent=assignee))
        where = sla.Ticket(timezone=org.tz, country=org.country, subdiv=org.subdiv)
        verdict = sla.evaluate(policy, where, sla_events(None, history), now)
        updated = history[-1].at

        tickets.append((
            tid, number, org.version_id, org.id, requester, "", None, subject,
            f"Bench ticket {number}: {subject.lower()}.", channel, org.plan, priority,
            policy.priority(priority).rank, status, policy.status(status).category, "",
            group[0] if group else None, assignee, "", "[]", False, bool(flags),
            json.dumps(flags), False, None, page, json.dumps(list(intake.notes)), dt(at),
            dt(updated), 1 + len({s[0] for s in steps}),
        ))
        for event in history:
            events.append((
                tid, dt(event.at), event.kind, event.agent,
                requester if event.agent is None else None,
                channel if event.agent is None else "api",
                None if event.old is None else json.dumps(event.old),
                None if event.new is None else json.dumps(event.new),
            ))
        for timer in verdict.values():
            timers.append((
                tid, timer.metric, str(timer.state), dt(timer.due), dt(timer.late_at),
                dt(timer.goal), dt(timer.warn_at), dt(timer.met_at),
                timer.breached_by_minutes or None,
                math.floor(timer.business_used.total_seconds()),
                math.floor(timer.business_paused.total_seconds()), timer.reason,
            ))
    return tickets, events, timers


TICKET_COLUMNS = (
    "id", "number", "policy_version_id", "organisation_id", "requester_id", "caller_number",
    "created_by_agent_id", "subject", "description", "channel", "plan", "priority",
    "priority_rank", "status", "status_category", "hold", "group_id", "assignee_id", "topic",
    "tags", "out_of_scope", "administrator_not_included", "exclusions", "identity_verified",
    "escalation_requested_at", "page_on_call", "intake_notes", "received_at", "updated_at",
    "version",
)
EVENT_COLUMNS = ("ticket_id", "at", "kind", "actor_agent_id", "actor_contact_id", "channel",
                 "old", "new")
TIMER_COLUMNS = ("ticket_id", "metric", "state", "due_at", "late_at", "goal_at", "warn_at",
                 "met_at", "breached_by_minutes", "used_seconds", "paused_seconds", "reason")


def _table(model, columns: tuple[str, ...]) -> tuple[str, list[str], tuple]:
    """The table, its column list and constant values for columns the model has beyond ours
    (a field added later: its default), so a new nullable/defaulted field does not break the
    load. A new required field without a default does, loudly."""
    from django.db import connection
    from django.db.models import NOT_PROVIDED

    extra_names, extra_values = [], []
    for f in model._meta.concrete_fields:
        if f.column in columns or f.primary_key:
            continue
        if f.default is NOT_PROVIDED and not f.null:
            raise RuntimeError(f"{model.__name__}.{f.name} has no default: teach the bench")
        value = f.get_default() if f.default is not NOT_PROVIDED else None
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        elif isinstance(value, datetime) and connection.vendor == "sqlite":
            value = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        extra_names.append(f.column)
        extra_values.append(value)
    return model._meta.db_table, [*columns, *extra_names], tuple(extra_values)


def bulk_load(seed: dict, total: int, now: datetime, workers: int) -> dict:
    """Load ``total`` tickets with events and timers; returns counts and seconds."""
    from django.db import connection, connections, transaction

    from pledgedesk.tickets.models import SlaTimer, Ticket, TicketEvent
    from pledgedesk.tickets.numbers import numbers_continue_after

    sqlite = connection.vendor == "sqlite"
    id_base = (Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    number_base = (Ticket.objects.order_by("-number").values_list("number", flat=True).first()
                   or 0) + 1
    _gen_context(seed, now, sqlite, id_base, number_base)
    tables = [_table(Ticket, TICKET_COLUMNS), _table(TicketEvent, EVENT_COLUMNS),
              _table(SlaTimer, TIMER_COLUMNS)]
    t_start = now - YEAR
    tasks = []
    for i, start in enumerate(range(0, total, CHUNK)):
        count = min(CHUNK, total - start)
        t0 = t_start + YEAR * (start / total)
        t1 = t_start + YEAR * ((start + count) / total)
        tasks.append((start, count, t0, t1, 1000 + i))

    counts = [0, 0, 0]
    started = time.perf_counter()
    connections.close_all()  # never share a connection with forked workers
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(processes=workers, initializer=_worker_signals) as pool:
        done = 0
        every = max(1, len(tasks) // 20)
        for n, rows in enumerate(pool.imap(_gen_chunk, tasks), 1):
            with transaction.atomic():
                for (table, cols, extra), batch, i in zip(tables, rows, range(3), strict=True):
                    batch = [row + extra for row in batch] if extra else batch
                    _insert(connection, table, cols, batch)
                    counts[i] += len(batch)
            done += len(rows[0])
            if n % every == 0 or done == total:
                rate = done / (time.perf_counter() - started)
                log(f"  loaded {done:,}/{total:,} tickets ({rate:,.0f}/s)")
    load_seconds = time.perf_counter() - started
    numbers_continue_after(number_base + total - 1)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if not sqlite:
            for table, _cols, _extra in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))")
        cursor.execute("ANALYZE" if sqlite else "VACUUM ANALYZE")
    analyze_seconds = time.perf_counter() - started
    return {"tickets": counts[0], "events": counts[1], "timers": counts[2],
            "load_s": load_seconds, "analyze_s": analyze_seconds}


def _insert(connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy(f"COPY {connection.ops.quote_name(table)} ({cols}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)


def service_rate(seed: dict, sample: int, now: datetime) -> float:
    """Tickets per second through tickets.services.ticket_create, one after another."""
    from pledgedesk.tickets.services import NewTicket, ticket_create

    rng = random.Random(7)
    orgs = [(org, contacts) for org, contacts, _w in seed["orgs"]]
    plan = [(orgs[i % len(orgs)], rng.choice(SUBJECTS)) for i in range(sample)]
    started = time.perf_counter()
    for i, ((org, contacts), subject) in enumerate(plan):
        ticket_create(new=NewTicket(
            organisation=org, requester=contacts[i % len(contacts)], subject=subject,
            description="Created through the service layer by the benchmark.",
            channel="email"), now=now + timedelta(milliseconds=i))
    return sample / (time.perf_counter() - started)


def capture_sql(action) -> list[tuple[str, tuple]]:
    """The statements ``action`` runs, with their parameters exactly as sent: a plan for the
    SQL with values pasted in can differ (SQLite matches partial indexes only on literals)."""
    from django.db import connection

    captured: list[tuple[str, tuple]] = []

    def wrapper(execute, sql, params, many, context):
        captured.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        action()
    return captured


def explain(sql: str, params: tuple) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return "\n".join(r[0] for r in rows)
    return "\n".join(" | ".join(str(c) for c in r) for r in rows)


def _execute(sql: str, params: tuple) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


def raw_latencies(action, count: int = LATENCY_REQUESTS) -> list[float]:
    action()  # warm
    out = []
    for _ in range(count):
        started = time.perf_counter()
        action()
        out.append(time.perf_counter() - started)
    return out


def busiest_hour(now: datetime) -> tuple[datetime, int]:
    """The start of the hour in the next 7 days in which the most running timers breach
    (``late_at``, what the breaching query ranges over)."""
    from django.db.models import Count
    from django.db.models.functions import TruncHour

    from pledgedesk.tickets.models import SlaTimer

    row = (SlaTimer.objects.filter(state="running", late_at__gte=now,
                                   late_at__lt=now + timedelta(days=7))
           .annotate(hour=TruncHour("late_at")).values("hour").annotate(n=Count("id"))
           .order_by("-n").first())
    if row is None:
        return now, 0
    return row["hour"], row["n"]


# --- the run: ours -----------------------------------------------------------------------------


def run_ours(args, res: Results, cleanup: Cleanup, work: Path,
             peer: SimpleNamespace | None = None) -> None:
    data_dir = work / "pledgedesk-data"
    data_dir.mkdir()
    database_url = None
    if args.database == "postgres":
        name = f"{args.db_prefix}_{os.getpid()}"
        pgdb("create", name)
        cleanup.push(f"drop database {name}", lambda: pgdb("drop", name))
        database_url = f"{PG_SERVER}/{name}"
    log(f"Pledgedesk: migrating a fresh {args.database} database")
    django_start(data_dir, database_url)
    from django.db import connection, connections

    from pledgedesk.accounts.authorization import Principal
    from pledgedesk.outbox.models import Delivery
    from pledgedesk.tickets.models import SlaTimer
    from pledgedesk.tickets.selectors import (
        MAX_PAGE,
        QueueFilter,
        ticket_queue,
        timers_breaching,
    )

    now = datetime.now(UTC).replace(microsecond=0)
    rng = random.Random(42)
    seed = seed_desk(now, rng)
    bulk = max(0, args.tickets - args.sample - args.http_sample)
    log(f"Pledgedesk: bulk-loading {bulk:,} tickets with events and timers "
        f"(real SLA engine, {args.workers} worker processes)")
    loaded = bulk_load(seed, bulk, now, args.workers)
    res.setup["ours load"] = (
        f"{loaded['tickets']:,} tickets, {loaded['events']:,} events, "
        f"{loaded['timers']:,} timers in {loaded['load_s']:.0f} s "
        f"({loaded['tickets'] / max(loaded['load_s'], 1e-9):,.0f} tickets/s), "
        f"(VACUUM) ANALYZE {loaded['analyze_s']:.1f} s")
    log("Pledgedesk load: " + res.setup["ours load"])

    log(f"Pledgedesk: {args.sample:,} tickets through the service layer")
    res.ours["service"] = service_rate(seed, args.sample, now + timedelta(seconds=1))
    log(f"  {res.ours['service']:.1f} tickets/s")

    agent = seed["agents"][0]
    principal = Principal(agent=agent)
    running = SlaTimer.objects.filter(state="running").count()
    res.setup["ours timers running"] = f"{running:,}"

    # Raw selector times, in this process (no HTTP).
    def queue_once():
        return ticket_queue(principal=principal, filters=QueueFilter(), cursor=None, limit=25,
                            now=now)

    def breach_at(at):
        # As the API reads it: soonest first, one page (MAX_PAGE rows).
        return lambda: list(timers_breaching(principal=principal, now=at,
                                             within=timedelta(hours=1))[:MAX_PAGE])

    res.ours["queue_raw_p50"], res.ours["queue_raw_p95"] = _p50_p95(raw_latencies(queue_once))
    peak, peak_n = busiest_hour(now)
    res.setup["breach windows"] = (
        f"now: {len(breach_at(now)())} timers breaching within the hour; busiest hour of the next "
        f"week ({peak:%Y-%m-%d %H:%M} UTC): {len(breach_at(peak)())} timers")
    res.ours["breach_raw_p50"], res.ours["breach_raw_p95"] = _p50_p95(
        raw_latencies(breach_at(now)))
    res.ours["breach_peak_p50"], res.ours["breach_peak_p95"] = _p50_p95(
        raw_latencies(breach_at(peak)))
    res.setup["busiest hour count"] = f"{peak_n} running timers breaching in that hour"
    for label, key, action in (
            ("queue first page (ticket_queue)", "queue_sql", queue_once),
            ("breach query at now (timers_breaching)", "breach_sql", breach_at(now)),
            ("breach query, busiest hour", "breach_peak_sql", breach_at(peak))):
        statements = capture_sql(action)
        for sql, params in statements:
            res.plans.append((label, f"{sql}\nparams: {params}\n{explain(sql, params)}"))
        # The database's share: the selector's main statement executed and fetched alone.
        main = max(statements, key=lambda statement: len(statement[0]))
        res.ours[key + "_p50"], res.ours[key + "_p95"] = _p50_p95(
            raw_latencies(lambda main=main: _execute(*main)))

    # HTTP through a real server.
    from pledgedesk.accounts.tokens import token_issue

    token = token_issue(user=agent.user, name="bench", now=now).raw
    connections.close_all()
    port = args.port or free_port()
    env = dict(os.environ)
    env["PLEDGEDESK_DATA_DIR"] = str(data_dir)
    if database_url:
        env["DATABASE_URL"] = database_url
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log(f"Pledgedesk: pledgedesk serve on 127.0.0.1:{port} ({args.server_workers} workers)")
    masters = {"ours": start_server(
        [str(PROJECT_PY), "-m", "pledgedesk", "serve", "--host", "127.0.0.1",
                  "--port", str(port), "--workers", str(args.server_workers)],
                 env, ROOT, port, work / "pledgedesk-server.log", cleanup, "pledgedesk")}
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    orgs = [(org.pk, [c.pk for c in contacts]) for org, contacts, _w in seed["orgs"]]

    def create_one(client: Http, i: int):
        org, contacts = orgs[i % len(orgs)]
        body = json.dumps({
            "subject": f"{SUBJECTS[i % len(SUBJECTS)]} (api {i})",
            "description": "Created through the HTTP API by the benchmark.",
            "organisation": org, "requester": contacts[i % len(contacts)],
        }).encode()
        status, _h, data = client.request(
            "POST", "/api/v1/tickets", body,
            {**auth, "Content-Type": "application/json"})
        return True if status == 201 else f"HTTP {status}: {data[:200]!r}"

    ports = {"ours": port}
    if args.baseline_root:
        ports["baseline"] = args.baseline_port or free_port()
        log(f"baseline: pledgedesk serve from {args.baseline_root} on 127.0.0.1:"
            f"{ports['baseline']} ({args.server_workers} workers), this run's database")
        masters["baseline"] = start_server(
            [str(_project_python(Path(args.baseline_root))), "-m", "pledgedesk",
                      "serve", "--host", "127.0.0.1", "--port", str(ports["baseline"]),
                      "--workers", str(args.server_workers)],
                     env, Path(args.baseline_root), ports["baseline"],
                     work / "baseline-server.log", cleanup, "baseline")
    for side_port in ports.values():
        # Warm both workers (imports, policy compile) before timing.
        run_concurrently(4, args.server_workers, lambda p=side_port: Http(p), create_one)
    sides = [(lambda p=side_port: Http(p), create_one) for side_port in ports.values()]
    cpu = [lambda m=masters[side]: server_cpu(m) for side in ports]
    if peer is not None:
        for name, side in peer.sides.items():
            sides.append(side)
            cpu.append(lambda m=peer.master: server_cpu(m))
            ports[name] = peer.port
    log(f"Pledgedesk: {args.http_sample:,} tickets through POST /api/v1/tickets, "
        f"{args.clients} clients, rounds alternating with: "
        + (", ".join(list(ports)[1:]) or "nothing"))
    loads: list[dict] = []
    background = server_cpu(masters["ours"], web=False)

    def outbox_drained() -> float:
        """Wait until this database's outbox has nothing due (the round's acknowledgement
        mails sent by the background worker); the seconds waited."""
        started = time.perf_counter()
        due = Delivery.objects.filter(state=Delivery.State.PENDING,
                                      next_attempt_at__lte=datetime.now(UTC))
        while due.exists():
            if time.perf_counter() - started > 300:
                raise RuntimeError("the outbox was not drained within 300 s")
            time.sleep(0.02)
        return time.perf_counter() - started

    # Our sides (ours, baseline) send their mail after the response: each round waits for it
    # before the next starts. The peer sends its mail inside the request.
    ours_sides = [side for side in ports if side in masters]  # then the peer's, if any
    settle = [outbox_drained if side in masters else None for side in ports]
    bg = [(lambda m=masters[side]: server_cpu(m, web=False)) if side in masters else None
          for side in ports]
    measured = rates_alternating(args.http_sample, args.rounds, args.clients, sides,
                                 cpu=cpu, loads=loads, settle=settle, background=bg)
    created = args.rounds * max(1, args.http_sample // args.rounds)
    res.setup["ours background worker CPU per created ticket"] = (
        f"{(server_cpu(masters['ours'], web=False) - background) / created * 1000:.2f} ms, "
        "over the rounds (outbox deliveries: acknowledgement mail; not in the web figure)")
    for k, side in enumerate(ours_sides):
        settled = [f["settled"][k] for f in loads if k in f["settled"]]
        per_bg = [f["bg"][k] for f in loads if k in f["bg"]]
        if settled:
            res.setup[f"{side} HTTP create rounds, to the last acknowledgement mail sent"] = (
                ", ".join(f"{r:.1f}" for r in settled) + " tickets/s, median "
                f"{statistics.median(settled):.1f}")
            res.ours[{"ours": "http_mail", "baseline": "http_mail_baseline"}[side]] = (
                statistics.median(settled))
        if per_bg:
            res.setup[f"{side} background worker CPU per created ticket"] = (
                f"median {statistics.median(per_bg) * 1000:.2f} ms over {len(per_bg)} rounds")
    res.setup["HTTP create load average per round"] = "; ".join(f["load"] for f in loads)
    for k, side in enumerate(ports):
        per_request = [f["cpu"][k] for f in loads if k in f["cpu"]]
        if per_request:
            res.setup[f"{side} server CPU per created ticket"] = (
                f"median {statistics.median(per_request) * 1000:.2f} ms over "
                f"{len(per_request)} rounds (web workers' user + system time)")
    for (side, _port), (rounds, ok, errors) in zip(ports.items(), measured, strict=True):
        key = {"ours": "http", "baseline": "http_baseline"}.get(side)
        if key is None:  # the peer's
            res.peer["http" if "form" in side else "http_post"] = statistics.median(rounds)
            ratios = sorted(a / b for a, b in zip(measured[0][0], rounds, strict=True) if b)
            res.setup[f"{side} HTTP create rounds"] = (
                ", ".join(f"{r:.1f}" for r in rounds) + " tickets/s; ours/peer per round: "
                f"median {statistics.median(ratios):.2f}x, spread {ratios[0]:.2f}-"
                f"{ratios[-1]:.2f}x")
            mailed = [f["settled"].get(0) for f in loads]
            mail_ratios = sorted(a / b for a, b in zip(mailed, rounds, strict=True) if a and b)
            if mail_ratios:
                res.setup[f"{side}: ours to the last acknowledgement mail sent / peer"] = (
                    f"per round: median {statistics.median(mail_ratios):.2f}x, spread "
                    f"{mail_ratios[0]:.2f}-{mail_ratios[-1]:.2f}x")
            if errors:
                res.notes.append(f"{side} create: {len(errors)} failures, e.g. {errors[0]}")
            continue
        res.ours[key] = statistics.median(rounds)
        res.setup[f"{side} HTTP create rounds"] = (
            ", ".join(f"{r:.1f}" for r in rounds) + " tickets/s")
        if errors:
            res.notes.append(f"{side} API create: {len(errors)} failures, e.g. {errors[0]}")
        log(f"  {side}: median round {res.ours[key]:.1f} tickets/s ({ok} created, "
            f"{len(errors)} failed)")
    if "baseline" in ports:
        # Rounds alternate (ours, baseline, ours, ...): one ratio per round, so a burst of load
        # on the machine hits both sides of a ratio alike; the median and spread of those.
        pairs = zip(measured[0][0], measured[1][0], strict=True)
        ratios = sorted(a / b for a, b in pairs if b > 0)
        if ratios:
            res.setup["ours/baseline per-round ratio"] = (
                f"median {statistics.median(ratios):.2f}x, spread {ratios[0]:.2f}-"
                f"{ratios[-1]:.2f}x over {len(ratios)} rounds")
    for side, master in masters.items():
        record_rss(res, side, master)  # warm workers, after the creation rounds
    port = ports["ours"]

    client = Http(port)

    def has_tickets(body: bytes) -> None:
        page = json.loads(body)
        items = page.get("tickets", page.get("items", page.get("results")))
        if isinstance(items, list) and not items:
            raise RuntimeError("the queue's first page is empty")

    timed_requests(client, "/api/v1/tickets", auth, 3)
    queue = timed_requests(client, "/api/v1/tickets", auth, LATENCY_REQUESTS, has_tickets)
    res.ours["queue_p50"], res.ours["queue_p95"] = _p50_p95(queue)
    breach_path = "/api/v1/timers/breaching"
    status, _h, body = client.request("GET", breach_path, headers=auth)
    if status == 200:
        breach = timed_requests(client, breach_path, auth, LATENCY_REQUESTS)
        res.ours["breach_http_p50"], res.ours["breach_http_p95"] = _p50_p95(breach)
    else:
        res.notes.append(f"GET {breach_path}: HTTP {status} ({body[:120]!r}); "
                         "breach measured through the selector only")
    client.close()
    res.setup["ours database"] = _describe_db(connection)


def _project_python(root: Path) -> Path:
    """A checkout's own interpreter (its .venv), else this project's: a worktree has none."""
    python = root / ".venv" / "bin" / "python"
    return python if python.exists() else PROJECT_PY


def _describe_db(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]} (WAL)"


def _p50_p95(values: list[float]) -> tuple[float, float]:
    return ms(statistics.median(values)), ms(pct(values, 95))


# --- the peer: django-helpdesk in its own virtualenv ---------------------------------------------


PEER_SETTINGS = '''
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "benchmark-only-" + "k" * 50
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.sites", "django.contrib.messages",
    "django.contrib.staticfiles", "django.contrib.humanize", "rest_framework", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peerproj.urls"
WSGI_APPLICATION = "peerproj.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
if os.environ.get("PEER_PG_NAME"):
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.postgresql", "NAME": os.environ["PEER_PG_NAME"],
        "USER": "postgres", "HOST": "127.0.0.1", "PORT": "5432", "CONN_MAX_AGE": 60,
        # As Pledgedesk's: parameters bound by the server, hot statements prepared.
        "OPTIONS": {"server_side_binding": True, "prepare_threshold": 5},
    }}
else:
    # The same SQLite settings Pledgedesk uses (WAL, busy timeout, immediate transactions),
    # so both sides run on the same database configuration.
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["PEER_SQLITE"],
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                            "PRAGMA busy_timeout=10000;PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
        },
        # Pledgedesk keeps each thread's connection (no reconnect and PRAGMAs per request).
        "CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True,
    }}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
SITE_ID = 1
STATIC_URL = "/static/"
LOGIN_URL = "/helpdesk/login/"
# No mail server here: both sides write each mail to a file, as Pledgedesk does without
# PLEDGEDESK_SMTP_URL. The peer renders and sends its new-ticket mail inside the request;
# Pledgedesk's background worker sends its acknowledgement after the response (measured too).
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = str(BASE_DIR / "mail")
HELPDESK_TEAMS_MODE_ENABLED = False
'''

PEER_URLS = '''
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("helpdesk/", include("helpdesk.urls", namespace="helpdesk")),
]
'''

PEER_WSGI = '''
import os
from django.core.wsgi import get_wsgi_application
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproj.settings")
application = get_wsgi_application()
'''

PEER_LOADER = '''
"""Bulk-load django-helpdesk: queues, a staff user, N tickets with one follow-up each."""
import os, random, sys, time
from datetime import timedelta
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproj.settings")
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from helpdesk.models import FollowUp, Queue, Ticket

total, password = int(sys.argv[1]), sys.argv[2]
rng = random.Random(42)
User = get_user_model()
staff = User.objects.create_superuser("benchstaff", "staff@bench.invalid", password)
agents = [User.objects.create_user(f"agent{i}", f"agent{i}@bench.invalid", None,
                                   is_staff=True) for i in range(40)]  # no password hashing
queues = [Queue.objects.create(title=t, slug=t.lower(), allow_public_submission=True,
                               email_address=f"{t.lower()}@bench.invalid")
          for t in ("Support", "Billing", "Development")]
now = timezone.now()
year = timedelta(days=365)
started = time.perf_counter()
batch = 5000
for start in range(0, total, batch):
    count = min(batch, total - start)
    tickets = []
    for k in range(count):
        at = now - year + year * ((start + k + rng.random()) / total)
        age = (now - at).days
        is_open = rng.random() < 0.03 + 0.92 * 2.718281828 ** (-age / 4)
        status = rng.choice((1, 1, 1, 2)) if is_open else rng.choice((3, 4, 4))
        tickets.append(Ticket(
            title=f"Bench ticket {start + k}", queue=rng.choice(queues), created=at,
            modified=at, submitter_email=f"user{rng.randrange(5000)}@bench.invalid",
            assigned_to=rng.choice(agents) if status != 1 or rng.random() < 0.6 else None,
            status=status, description="Bulk-loaded by the benchmark.",
            priority=rng.choice((1, 2, 3, 3, 3, 4, 5)),
        ))
    with transaction.atomic():
        Ticket.objects.bulk_create(tickets)
        FollowUp.objects.bulk_create([
            FollowUp(ticket=t, date=t.created, title="Ticket Opened", comment=t.description,
                     public=True) for t in tickets])
    if (start + count) % 100000 == 0 or start + count == total:
        print(f"  peer loaded {start + count:,}/{total:,}", flush=True)
load = time.perf_counter() - started
with connection.cursor() as cursor:
    cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
print(f"LOADED {total} {load:.1f} {time.perf_counter() - started - load:.1f}", flush=True)
'''


def ensure_peer_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if python.exists() and subprocess.run(
            [str(python), "-c", "import helpdesk, gunicorn, psycopg, a2wsgi; "
             "assert gunicorn.version_info[0] == 27"],
            capture_output=True).returncode == 0:
        return python
    log(f"peer: creating {venv} with django-helpdesk, gunicorn, a2wsgi and psycopg from PyPI")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "django-helpdesk", "gunicorn>=27,<28", "a2wsgi>=1.10,<2", "psycopg[binary]"],
                   check=True)
    return python


def peer_start(args, res: Results, cleanup: Cleanup, work: Path) -> SimpleNamespace:
    """The peer loaded and served, ready for creation rounds that alternate with ours: its
    port, master, staff password, and (make_client, one) for each way of creating a ticket."""
    python = ensure_peer_venv(Path(args.peer_venv))
    version = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; "
         "print(m.version('django-helpdesk'), m.version('django'))"],
        capture_output=True, text=True, check=True).stdout.split()
    res.setup["peer"] = f"django-helpdesk {version[0]} on Django {version[1]} ({args.peer_venv})"
    project = work / "peer"
    (project / "peerproj").mkdir(parents=True)
    for name, text in (("__init__.py", ""), ("settings.py", PEER_SETTINGS),
                       ("urls.py", PEER_URLS), ("wsgi.py", PEER_WSGI)):
        (project / "peerproj" / name).write_text(textwrap.dedent(text).lstrip())
    (project / "load_peer.py").write_text(textwrap.dedent(PEER_LOADER).lstrip())
    # The same gunicorn worker as ours (pledgedesk/http_worker.py imports only gunicorn and
    # a2wsgi): with stock gthread the peer's two clients sometimes shared one worker too (rounds
    # of 65 and 39 tickets/s in one run), which measured luck, not the peer.
    shutil.copy(ROOT / "pledgedesk" / "http_worker.py", project / "pd_http_worker.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PLEDGEDESK_"))}
    env.pop("DATABASE_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "peerproj.settings"
    env["PYTHONPATH"] = str(project)
    if args.database == "postgres":
        name = f"{args.db_prefix}_peer_{os.getpid()}"
        pgdb("create", name)
        cleanup.push(f"drop database {name}", lambda: pgdb("drop", name))
        env["PEER_PG_NAME"] = name
    else:
        env["PEER_SQLITE"] = str(project / "peer.sqlite3")
    log("peer: migrating")
    subprocess.run([str(python), "-m", "django", "migrate", "--noinput", "-v", "0"],
                   cwd=project, env=env, check=True)
    password = "bench-" + os.urandom(8).hex()
    bulk = max(0, args.tickets - args.http_sample)
    log(f"peer: bulk-loading {bulk:,} tickets (bulk_create, one follow-up each)")
    out = subprocess.run([str(python), "load_peer.py", str(bulk), password], cwd=project,
                         env=env, check=True, capture_output=True, text=True).stdout
    loaded = [line for line in out.splitlines() if line.startswith("LOADED")][-1].split()
    res.setup["peer load"] = (
        f"{int(loaded[1]):,} tickets + {int(loaded[1]):,} follow-ups in "
        f"{float(loaded[2]):.0f} s, (VACUUM) ANALYZE {float(loaded[3]):.1f} s")
    log("peer load: " + res.setup["peer load"])

    port = args.peer_port or free_port()
    log(f"peer: gunicorn on 127.0.0.1:{port} ({args.server_workers} workers)")
    gunicorn = [str(python), "-m", "gunicorn", "peerproj.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", str(args.server_workers),
                "--worker-class", "pd_http_worker.EventLoopWorker", "--threads", "4",
                "--timeout", "120",
                "--access-logfile", "-"]
    peer_master = start_server(gunicorn, env, project, port, work / "peer-server.log", cleanup,
                               "peer", ready_path="/helpdesk/tickets/submit/")

    submit = "/helpdesk/tickets/submit/"
    queue_ids: list[str] = []

    def public_client() -> Http:
        client = Http(port)
        status, _h, page = client.request("GET", submit)
        if status != 200:
            raise RuntimeError(f"GET {submit}: HTTP {status}")
        if not queue_ids:
            html = page.decode()
            select = re.search(r'<select name="queue".*?</select>', html, re.S)
            queue_ids.extend(re.findall(r'value="(\d+)"', select.group(0) if select else ""))
        return client

    def create_one(client: Http, i: int):
        # A browser: load the form (fresh CSRF token), then POST it.
        status, _h, page = client.request("GET", submit)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            return f"GET form: HTTP {status}"
        form = urllib.parse.urlencode({
            "csrfmiddlewaretoken": token.group(1).decode(),
            "queue": queue_ids[i % len(queue_ids)],
            "title": f"{SUBJECTS[i % len(SUBJECTS)]} (form {i})",
            "body": "Created through the public form by the benchmark.",
            "priority": "3",
            "submitter_email": f"form{i}@bench.invalid",
        }).encode()
        status, headers, data = client.request("POST", submit, form, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}{submit}",
        })
        if status == 302 and "public_view" not in headers.get("location", "") and \
                "/view/" not in headers.get("location", ""):
            return f"redirected to {headers.get('location')}"
        return True if status == 302 else f"POST: HTTP {status}: {data[:200]!r}"

    def post_client() -> Http:
        """A client that loaded the form once: its CSRF token stays valid for its cookie."""
        client = public_client()
        status, _h, page = client.request("GET", submit)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"GET {submit}: HTTP {status}, no CSRF token")
        client.csrf = token.group(1).decode()
        return client

    def post_one(client: Http, i: int):
        # One request per ticket, as our API's: the form POSTed with the client's token.
        form = urllib.parse.urlencode({
            "csrfmiddlewaretoken": client.csrf, "queue": queue_ids[i % len(queue_ids)],
            "title": f"{SUBJECTS[i % len(SUBJECTS)]} (post {i})",
            "body": "Created through the public form by the benchmark.",
            "priority": "3", "submitter_email": f"post{i}@bench.invalid",
        }).encode()
        status, _headers, data = client.request("POST", submit, form, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}{submit}"})
        return True if status == 302 else f"POST: HTTP {status}: {data[:200]!r}"

    run_concurrently(4, args.server_workers, public_client, create_one)  # warm-up
    return SimpleNamespace(port=port, master=peer_master, password=password, sides={
        "peer (form: GET + POST)": (public_client, create_one),
        "peer (one POST)": (post_client, post_one)})


def run_peer_list(args, res: Results, peer: SimpleNamespace) -> None:
    """The peer's staff ticket list (page plus its datatables request), after the rounds."""
    port, password = peer.port, peer.password
    record_rss(res, "peer", peer.master)

    # Staff ticket list: log in, then page + datatables request (its first page of rows).
    client = Http(port)
    login = "/helpdesk/login/"
    status, _h, page = client.request("GET", login)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        raise RuntimeError(f"peer login page has no CSRF token (HTTP {status})")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1).decode(),
                                   "username": "benchstaff", "password": password,
                                   "next": "/helpdesk/tickets/"}).encode()
    status, _headers, _ = client.request("POST", login, form, {
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://127.0.0.1:{port}{login}"})
    if status != 302:
        raise RuntimeError(f"peer login failed: HTTP {status}")
    status, _h, page = client.request("GET", "/helpdesk/tickets/")
    found = re.search(rb'"url":\s*"([^"]*datatables_ticket_list/[^"]*)"', page)
    if status != 200 or found is None:
        raise RuntimeError(f"peer ticket list: HTTP {status}, no datatables URL found")
    data_path = found.group(1).decode().replace("&amp;", "&") + "?draw=1&start=0&length=25"

    def check_rows(body: bytes) -> None:
        if not json.loads(body).get("data"):
            raise RuntimeError("peer ticket list data is empty")

    timed_requests(client, data_path, {}, 2, check_rows)
    pages, datas, totals = [], [], []
    cap = time.monotonic() + args.peer_list_seconds
    for n in range(LATENCY_REQUESTS):
        if n >= 5 and time.monotonic() > cap:
            res.notes.append(f"peer ticket list: stopped after {n} of {LATENCY_REQUESTS} "
                             f"requests (--peer-list-seconds {args.peer_list_seconds})")
            break
        t_page = timed_requests(client, "/helpdesk/tickets/", {}, 1)[0]
        t_data = timed_requests(client, data_path, {}, 1, check_rows)[0]
        pages.append(t_page)
        datas.append(t_data)
        totals.append(t_page + t_data)
    res.peer["queue_p50"], res.peer["queue_p95"] = _p50_p95(totals)
    res.peer["queue_data_p50"], res.peer["queue_data_p95"] = _p50_p95(datas)
    client.close()


# --- report ----------------------------------------------------------------------------------


def report(args, res: Results) -> None:
    o, p = res.ours, res.peer

    def f(value, unit):
        if value is None:
            return "n/a"
        return f"{value:,.1f} {unit}" if unit != "ms" else f"{value:,.1f} ms"

    rows = []

    def row(measure, ours, peer, unit, target="", met=""):
        ratio = ""
        if ours is not None and peer is not None and ours > 0 and peer > 0:
            ratio = (f"{ours / peer:.2f}x" if unit in ("tickets/s", "MiB")
                     else f"{peer / ours:.1f}x faster")
        rows.append((measure, f(ours, unit), f(peer, unit) if args.peer else "-", ratio,
                     target, met))

    def yes(ok):
        return "yes" if ok else "NO"

    row("create, service layer", o.get("service"), None, "tickets/s")
    http_ratio_ok = None
    if "http" in o and "http" in p:
        http_ratio_ok = o["http"] >= TARGET_CREATE_RATIO * p["http"]
    row("create, HTTP, median round (API / peer form: GET + POST)", o.get("http"),
        p.get("http"), "tickets/s",
        f">= {TARGET_CREATE_RATIO:.0f}x peer", "" if http_ratio_ok is None else yes(http_ratio_ok))
    if "http_post" in p:
        row("create, HTTP, median round (API / peer one POST)", o.get("http"),
            p.get("http_post"), "tickets/s")
    if "http_mail" in o:
        # Equal work: the peer renders and sends its new-ticket mail inside the request; ours
        # is sent by the background worker after the response, so ours is counted to the
        # round's last acknowledgement mail sent.
        row("create, HTTP, to its acknowledgement mail sent (API / peer one POST)",
            o.get("http_mail"), p.get("http_post"), "tickets/s")
    rss_ok = o["rss_ours"] < TARGET_WORKER_RSS_MIB if "rss_ours" in o else None
    row("web worker RSS, largest (MiB, warm)", o.get("rss_ours"), p.get("rss_peer"), "MiB",
        f"< {TARGET_WORKER_RSS_MIB} MiB", "" if rss_ok is None else yes(rss_ok))
    if "rss_baseline" in o:
        row("  baseline server's web worker RSS, largest", o["rss_baseline"], None, "MiB")
    if "http_baseline" in o:
        row(f"  baseline server ({args.baseline_root}), median round", o["http_baseline"],
            None, "tickets/s")
        ratio = res.setup.get("ours/baseline per-round ratio", "n/a")
        rows[-1] = (*rows[-1][:3], ratio.split(" ")[1].rstrip(",") if ratio != "n/a" else "n/a",
                    *rows[-1][4:])
    is_pg = args.database == "postgres"
    big = args.tickets >= 1_000_000
    queue_target = f"p95 < {TARGET_QUEUE_P95_MS:.0f} ms (PG, 1M)"
    queue_met = yes(o.get("queue_p95", 1e9) < TARGET_QUEUE_P95_MS) if is_pg and big else \
        f"({yes(o.get('queue_p95', 1e9) < TARGET_QUEUE_P95_MS)})"
    row("queue first page, HTTP median", o.get("queue_p50"), p.get("queue_p50"), "ms")
    row("queue first page, HTTP p95", o.get("queue_p95"), p.get("queue_p95"), "ms",
        queue_target, queue_met)
    if args.peer:
        row("  peer: datatables rows request alone, p95", None, p.get("queue_data_p95"), "ms")
    row("queue first page, selector (ORM) median", o.get("queue_raw_p50"), None, "ms")
    row("queue first page, selector (ORM) p95", o.get("queue_raw_p95"), None, "ms")
    row("queue first page, SQL alone p95", o.get("queue_sql_p95"), None, "ms")
    breach_target = f"< {TARGET_BREACH_MS:.0f} ms (PG, 1M)"

    def breach_met(key):
        value = o.get(key)
        if value is None:
            return ""
        verdict = yes(value < TARGET_BREACH_MS)
        return verdict if is_pg and big else f"({verdict})"

    row("breaching next hour, HTTP median", o.get("breach_http_p50"), None, "ms")
    row("breaching next hour, HTTP p95", o.get("breach_http_p95"), None, "ms", breach_target,
        breach_met("breach_http_p95"))
    row("breaching next hour, selector (ORM) p95, now", o.get("breach_raw_p95"), None, "ms",
        breach_target, breach_met("breach_raw_p95"))
    row("breaching next hour, SQL alone p95, now", o.get("breach_sql_p95"), None, "ms",
        breach_target, breach_met("breach_sql_p95"))
    row("breaching, selector (ORM) p95, busiest hour", o.get("breach_peak_p95"), None,
        "ms", breach_target, breach_met("breach_peak_p95"))
    row("breaching, SQL alone p95, busiest hour", o.get("breach_peak_sql_p95"), None, "ms",
        breach_target, breach_met("breach_peak_sql_p95"))

    header = ("measure", "Pledgedesk", "django-helpdesk", "ratio", "target", "met?")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(6)]
    line = "-+-".join("-" * w for w in widths)
    print()
    print("=" * len(line))
    print(f"setup: database {args.database}, N = {args.tickets:,} tickets, "
          f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
          f"Python {platform.python_version()}, service sample {args.sample:,}, "
          f"HTTP sample {args.http_sample:,} from {args.clients} clients, "
          f"{args.server_workers} gunicorn workers x 4 threads each side (EventLoopWorker)")
    for key, value in res.setup.items():
        print(f"  {key}: {value}")
    print(line)
    print(" | ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for r in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    print(line)
    print("targets marked (yes)/(NO) in parentheses apply to PostgreSQL at 1,000,000 tickets; "
          "shown for information on this run")
    for note in res.notes:
        print(f"note: {note}")
    print("=" * len(line))


def print_plans(res: Results) -> None:
    print("\nQuery plans (EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite)")
    for label, text in res.plans:
        print(f"\n--- {label}\n{text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000,
                        help="tickets in the database (default 100,000)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--peer", choices=("django-helpdesk",), default=None,
                        help="also run the peer on the same kind of database")
    parser.add_argument("--sample", type=int, default=2000,
                        help="tickets created through the service layer (default 2,000)")
    parser.add_argument("--http-sample", type=int, default=1000,
                        help="tickets created through HTTP, each side (default 1,000)")
    parser.add_argument("--clients", type=int, default=2,
                        help="concurrent HTTP clients creating tickets, each side (default 2)")
    parser.add_argument("--rounds", type=int, default=6,
                        help="HTTP creation runs in this many rounds, each with new "
                             "connections; the median round is reported (default 6)")
    parser.add_argument("--server-workers", type=int, default=2,
                        help="gunicorn worker processes, each side (default 2)")
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2)),
                        help="processes generating the bulk load (default: cores)")
    parser.add_argument("--peer-venv", default="/tmp/peer-venv",
                        help="the peer's own virtualenv (created if missing)")
    parser.add_argument("--peer-list-seconds", type=int, default=600,
                        help="stop timing the peer's ticket list after this long (min 5 "
                             "requests; default 600)")
    parser.add_argument("--plans", action="store_true",
                        help="print EXPLAIN plans (always on PostgreSQL)")
    parser.add_argument("--baseline-root", default=None,
                        help="also serve this run's database from the checkout at this path "
                             "(e.g. a git worktree of an earlier commit) and alternate the HTTP "
                             "creation rounds between the two servers, same clients and "
                             "settings; both medians are reported")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    for option, env_name, whose in (("--port", "DESK_BENCH_PORT", "our server"),
                                    ("--baseline-port", "DESK_BENCH_BASELINE_PORT", "the baseline"),
                                    ("--peer-port", "DESK_BENCH_PEER_PORT", "the peer")):
        parser.add_argument(option, type=int, default=int(os.environ.get(env_name) or 0),
                            help=f"TCP port of {whose} (default ${env_name}, else a free one)")
    parser.add_argument("--db-prefix", default=os.environ.get("DESK_BENCH_DB_PREFIX", "pd_bench"),
                        help="PostgreSQL database names start with this, then the process id "
                             "(default $DESK_BENCH_DB_PREFIX, else pd_bench)")
    args = parser.parse_args(argv)
    if args.tickets < args.sample + args.http_sample:
        parser.error("--tickets must be at least --sample + --http-sample")

    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)
    cleanup = Cleanup()
    res = Results()
    work = Path(tempfile.mkdtemp(prefix="pledgedesk-bench-"))
    if not args.keep:
        cleanup.push(f"remove {work}", lambda: shutil.rmtree(work, ignore_errors=True))
    started = time.perf_counter()
    res.setup["load average at start"] = load_average()
    try:
        peer = None
        if args.peer:  # loaded and served first, so that its creation rounds alternate with ours
            try:
                peer = peer_start(args, res, cleanup, work)
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                res.notes.append(f"the peer could not be measured: {exc}")
                log(f"peer failed: {exc}")
        run_ours(args, res, cleanup, work, peer)
        if peer is not None:
            run_peer_list(args, res, peer)
        res.setup["load average at end"] = load_average()
        res.setup["wall time"] = f"{time.perf_counter() - started:.0f} s; logs in {work}" + (
            "" if args.keep else " (removed)")
        if args.plans or args.database == "postgres":
            print_plans(res)
        report(args, res)
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        cleanup.run()


if __name__ == "__main__":
    sys.exit(main())
