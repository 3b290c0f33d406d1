#!/usr/bin/env python3
"""The pre-release check of issue 13: fuzzing, then a load-and-kill run, on each database.

    .venv/bin/python benchmarks/release_check.py                    # both databases, 120 s each
    .venv/bin/python benchmarks/release_check.py --database sqlite --seconds 30 --clients 20 \\
        --fuzz-seconds 0

For each database (SQLite in a temp data dir; PostgreSQL in a throwaway database made with
``scripts/pgdb``):

1. Fuzzing: ``benchmarks/fuzz_api.py`` (schemathesis for ``--fuzz-seconds``, on its own fresh
   desk), run as it is and judged by its own exit status; ``--fuzz-seconds 0`` skips it.
2. Load and kill: the demo desk and two API tokens (``fuzz_api.prepare_desk``: an agent's and
   a customer's), then ``pledgedesk serve`` on a free 127.0.0.1 port. ``--clients`` threads,
   for ``--seconds``, do mixed API writes (open a ticket as agent or customer, public reply,
   customer reply, internal note, PATCH of the topic with the version in the body or in
   If-Match) and reads (queue, ticket, events, timers). Every write carries a unique marker
   (subject, body or topic) and its outcome is kept: acknowledged (2xx), refused (4xx),
   unsent (connection refused: the server was down) or unknown (connection lost, timed out,
   or 5xx). Nothing is retried. Meanwhile one web worker is SIGKILLed every ``--kill-every``
   seconds; at three fifths of the run the master (its port must be free within
   ``PORT_FREE_LIMIT`` and its workers gone within ``ALL_GONE_LIMIT`` seconds; then the server
   is started again); and at a fifth, under the same load, ``--slow-clients`` connections send
   one header byte every two seconds while ``/healthz``, asked every second, must answer
   within ``HEALTHZ_LIMIT``.
3. Verification, in a child process reading the database after the server stopped: every
   acknowledged write stored exactly once and where the answer said; no refused or unsent
   write stored; no unknown write stored twice; nothing stored that was not sent; each stored
   message has exactly one event; every ticket's events ordered by both id and instant; every
   ticket has one timer for each metric of its policy.

Printed per database: requests/s, p50/p95 latency, counts by status, acknowledged against
stored, kills done, how long the port stayed taken after the master died, the slow-client
probe, the database checks, and every invariant that failed. Exit status 0 only when every
invariant held on every database (and fuzzing, when run, passed).

A 5xx or a lost connection is "explained by a kill" when it ended within ``KILL_EXPLAINS``
seconds after a worker was killed, or between the master's death and the restarted server's
first answer; those are counted apart. Any other is a failure.

Only loopback is used. Servers, databases and temp dirs are removed at the end, also on Ctrl-C,
SIGTERM or an error (``--keep`` keeps the temp dir and its server logs).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# Sibling scripts, not a package: found through the path entry above.
from desk_bench import (
    PG_SERVER,
    PROJECT_PY,
    ROOT,
    Cleanup,
    _raise_interrupt,
    free_port,
    load_average,
    log,
    pct,
    pgdb,
    start_server,
)
from fuzz_api import prepare_desk

REQUEST_TIMEOUT = 30.0  # seconds a client waits for one answer
KILL_EXPLAINS = 3.0  # seconds after a worker kill in which a lost request is its doing
PORT_FREE_LIMIT = 5.0  # the port must be free this soon after the master died (issue 13)
ALL_GONE_LIMIT = 10.0  # ... and its workers gone, requests under way cut or finished
HEALTHZ_LIMIT = 2.0  # /healthz must answer within this while slow clients hold connections
SLOW_CHECK_SECONDS = 8.0  # under the 10 s header time-out: every slow connection stays open
SLOW_BYTE_EVERY = 2.0
SETTLE = 2.0  # seconds between two disruptions
MESSAGE_KINDS = ("public_reply", "customer_reply", "internal_note")
WRITE_KINDS = ("create", "customer_create", "reply", "customer_reply", "note", "patch")
API = "/api/v1"
NOT_SENT = -1  # Client.call's status when the connection was refused: the request never left


# --- what happened, as the clients saw it ------------------------------------------------------


@dataclass
class Outcome:
    op: str
    ended: float  # time.monotonic()
    seconds: float
    status: int | None  # None: no answer (connection lost, refused or timed out)
    detail: str = ""


@dataclass
class Run:
    """Shared by the client threads and the chaos thread of one load-and-kill run."""

    port: int
    tokens: dict[str, str]
    agent_tickets: list[int]
    contact_tickets: list[int]
    requesters: list[tuple[int, int]] = field(default_factory=list)
    run_id: str = field(default_factory=lambda: os.urandom(4).hex())
    outcomes: list[Outcome] = field(default_factory=list)
    writes: list[dict] = field(default_factory=list)
    kills: list[tuple[float, str]] = field(default_factory=list)
    down: list[tuple[float, float]] = field(default_factory=list)  # master dead .. answering
    facts: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    watchers: list[threading.Thread] = field(default_factory=list)
    ended: float = 0.0  # time.monotonic() when the clients stopped
    _seq: itertools.count = field(default_factory=itertools.count)

    def marker(self) -> str:
        return f"rc{self.run_id}w{next(self._seq)}"

    def write(self, kind: str, marker: str, status: int | None, number: int | None,
              message: int | None = None) -> None:
        if status == NOT_SENT:
            verdict = "unsent"
        elif status is not None and 200 <= status < 300:
            verdict = "ack"
        elif status is not None and status < 500:
            verdict = "refused"
        else:
            verdict = "unknown"
        self.writes.append({"kind": kind, "marker": marker, "verdict": verdict,
                            "number": number, "message": message, "status": status})


class Client:
    """One client thread's keep-alive connection. Nothing is ever retried: a write whose answer
    was lost has an unknown outcome, and sending it again could store it twice."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.conn: http.client.HTTPConnection | None = None

    def call(self, op: str, method: str, path: str, role: str, body: dict | None = None,
             headers: dict | None = None) -> tuple[int | None, dict | None]:
        headers = {"Authorization": f"Bearer {self.run.tokens[role]}", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.run.port,
                                                       timeout=REQUEST_TIMEOUT)
            self.conn.request(method, API + path, body=payload, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except ConnectionRefusedError:  # nothing was sent: the server is down
            self.close()
            self.run.outcomes.append(Outcome(op, time.monotonic(), time.monotonic() - started,
                                             None, "ConnectionRefusedError"))
            time.sleep(0.2)
            return NOT_SENT, None
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            self.run.outcomes.append(Outcome(op, time.monotonic(), time.monotonic() - started,
                                             None, type(exc).__name__))
            time.sleep(0.05)
            return None, None
        ended = time.monotonic()
        detail = data[:300].decode(errors="replace") if response.status >= 500 else ""
        self.run.outcomes.append(Outcome(op, ended, ended - started, response.status, detail))
        if response.will_close:
            self.close()
        if 200 <= response.status < 300:
            return response.status, json.loads(data)
        return response.status, None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --- the mix of requests -----------------------------------------------------------------------


def op_create(run: Run, client: Client, rng: random.Random, *, customer: bool) -> None:
    marker = run.marker()
    body = {"subject": f"{marker} load check", "description": f"Opened by {marker}."}
    if not customer:
        body["organisation"], body["requester"] = rng.choice(run.requesters)
    kind = "customer_create" if customer else "create"
    status, doc = client.call(kind, "POST", "/tickets", "contact" if customer else "agent",
                              body)
    number = doc["number"] if doc else None
    run.write(kind, marker, status, number)
    if number is not None:
        (run.contact_tickets if customer else run.agent_tickets).append(number)


def op_message(run: Run, client: Client, rng: random.Random, *, kind: str) -> None:
    customer = kind == "customer_reply"
    number = rng.choice(run.contact_tickets if customer else run.agent_tickets)
    marker = run.marker()
    path = f"/tickets/{number}/{'notes' if kind == 'note' else 'replies'}"
    status, doc = client.call(kind, "POST", path, "contact" if customer else "agent",
                              {"body": f"{marker} says hello."})
    run.write(kind, marker, status, number, doc["message"]["id"] if doc else None)


def op_patch(run: Run, client: Client, rng: random.Random) -> None:
    """Read the ticket, then change its topic with the version just read: concurrent clients
    on one ticket get 409s, which are refusals (nothing stored)."""
    number = rng.choice(run.agent_tickets)
    status, doc = client.call("read_ticket", "GET", f"/tickets/{number}", "agent")
    if doc is None:
        return
    marker = run.marker()
    if rng.random() < 0.5:
        body, headers = {"topic": marker, "version": doc["version"]}, None
    else:
        body, headers = {"topic": marker}, {"If-Match": f'"{doc["version"]}"'}
    status, _ = client.call("patch", "PATCH", f"/tickets/{number}", "agent", body, headers)
    run.write("patch", marker, status, number)


def op_read(run: Run, client: Client, rng: random.Random, *, what: str) -> None:
    if what == "queue":
        client.call("read_queue", "GET", "/tickets?limit=25", "agent")
        return
    number = rng.choice(run.agent_tickets)
    suffix = "" if what == "ticket" else f"/{what}"
    client.call(f"read_{what}", "GET", f"/tickets/{number}{suffix}", "agent")


MIX = [  # (weight, operation)
    (12, lambda r, c, g: op_create(r, c, g, customer=False)),
    (4, lambda r, c, g: op_create(r, c, g, customer=True)),
    (12, lambda r, c, g: op_message(r, c, g, kind="reply")),
    (4, lambda r, c, g: op_message(r, c, g, kind="customer_reply")),
    (12, lambda r, c, g: op_message(r, c, g, kind="note")),
    (12, op_patch),
    (10, lambda r, c, g: op_read(r, c, g, what="queue")),
    (14, lambda r, c, g: op_read(r, c, g, what="ticket")),
    (10, lambda r, c, g: op_read(r, c, g, what="events")),
    (10, lambda r, c, g: op_read(r, c, g, what="timers")),
]


def client_loop(run: Run, seed: int, deadline: float) -> None:
    rng = random.Random(seed)
    weights = [w for w, _ in MIX]
    client = Client(run)
    try:
        while not run.stop.is_set() and time.monotonic() < deadline:
            rng.choices(MIX, weights)[0][1](run, client, rng)
    except Exception as exc:  # a bug here must show, not silently thin the load
        run.problems.append(f"client thread {seed} stopped: {type(exc).__name__}: {exc}")
    finally:
        client.close()


# --- chaos: kills, master kill and restart, slow clients ----------------------------------------


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def group_members(pgid: int) -> list[int]:
    """Live processes in process group ``pgid`` (a dead master's workers keep its group)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Server:
    """``pledgedesk serve`` for one run; restartable after its master was killed."""

    def __init__(self, env: dict[str, str], port: int, work: Path, workers: int,
                 cleanup: Cleanup) -> None:
        self.env, self.port, self.work, self.workers = env, port, work, workers
        self.cleanup = cleanup
        self.starts = 0
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.starts += 1
        cmd = [str(PROJECT_PY), "-m", "pledgedesk", "serve", "--host", "127.0.0.1",
               "--port", str(self.port), "--workers", str(self.workers)]
        self.proc = start_server(cmd, self.env, ROOT, self.port,
                                 self.work / f"server-{self.starts}.log", self.cleanup,
                                 f"pledgedesk serve #{self.starts}", ready_path="/healthz")
        pgid = self.proc.pid

        def kill_group() -> None:  # whatever a killed master left behind
            for pid in group_members(pgid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

        self.cleanup.push(f"kill what is left of server #{self.starts}", kill_group)


def kill_worker(run: Run, server: Server, rng: random.Random) -> None:
    workers = children(server.proc.pid)
    if not workers:
        return
    os.kill(rng.choice(workers), signal.SIGKILL)
    run.kills.append((time.monotonic(), "worker"))


def kill_master(run: Run, server: Server) -> None:
    """SIGKILL the master; its workers must leave the port promptly; then start again."""
    master = server.proc.pid
    killed = time.monotonic()
    os.kill(master, signal.SIGKILL)
    run.kills.append((killed, "master"))
    server.proc.wait(timeout=10)
    while not port_free(server.port) and time.monotonic() - killed < 30:
        time.sleep(0.02)
    freed = time.monotonic()
    run.facts["port_free_after"] = freed - killed if port_free(server.port) else None
    run.facts["left_after_port_free"] = len(group_members(master))
    watcher = threading.Thread(target=watch_dead_master, args=(run, master, killed),
                               daemon=True)
    watcher.start()
    run.watchers.append(watcher)
    if run.stop.is_set():  # interrupted meanwhile: nothing to restart for
        return
    try:
        server.start()
    finally:
        run.down.append((killed, time.monotonic()))
    run.facts["restart_seconds"] = time.monotonic() - freed


def watch_dead_master(run: Run, master: int, killed: float) -> None:
    """Note when the killed master's last worker has gone (a thread of its own: the restart
    takes seconds); when the run ends first, what is still there."""
    while not run.stop.is_set():
        left = group_members(master)
        if not left:
            run.facts["all_gone_after"] = time.monotonic() - killed
            return
        time.sleep(0.1)
    run.facts["still_there"] = [f"pid {pid}" for pid in group_members(master)]


def probe_healthz(port: int) -> tuple[int | None, float]:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        status = conn.getresponse().status
    except (OSError, http.client.HTTPException):
        status = None
    finally:
        conn.close()
    return status, time.monotonic() - started


def slow_clients(run: Run, count: int) -> None:
    """``count`` connections that send one header byte every two seconds, for less than the
    header time-out, while ``/healthz`` is asked every second from a fresh connection."""
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"x" * 64
    baseline = []
    for _ in range(3):  # the same load without slow clients: how busy the machine is
        baseline.append(probe_healthz(run.port))
        time.sleep(1)
    run.facts["healthz_baseline"] = baseline
    slow = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", run.port), timeout=5)
        sock.sendall(request[:1])
        slow.append(sock)
    sent, probes, end = 1, [], time.monotonic() + SLOW_CHECK_SECONDS
    next_byte = time.monotonic() + SLOW_BYTE_EVERY
    try:
        while time.monotonic() < end and not run.stop.is_set():
            probes.append(probe_healthz(run.port))
            if time.monotonic() >= next_byte:
                open_now = 0
                for sock in slow:
                    try:
                        sock.sendall(request[sent:sent + 1])
                        open_now += 1
                    except OSError:
                        pass
                sent, next_byte = sent + 1, next_byte + SLOW_BYTE_EVERY
                run.facts["slow_open_at_end"] = open_now
            time.sleep(1)
    finally:
        for sock in slow:
            sock.close()
    run.facts["slow"] = {"connections": count, "probes": probes}


def chaos(run: Run, server: Server, args, started: float, deadline: float) -> None:
    """One timeline, so that no two disruptions overlap: worker kills every ``kill_every``
    seconds, the slow clients at a fifth of the run, the master at three fifths; a kill that
    fell due during another disruption comes first after it, ``SETTLE`` seconds later."""
    rng = random.Random(7)
    slow_at = started + args.seconds * 0.2
    master_at = started + args.seconds * 0.6
    next_kill = started + min(3.0, args.kill_every)
    try:
        while not run.stop.is_set() and time.monotonic() < deadline - 2:
            now = time.monotonic()
            if now >= next_kill:
                kill_worker(run, server, rng)
                next_kill = now + args.kill_every
            elif args.slow_clients and "slow" not in run.facts and now >= slow_at:
                slow_clients(run, args.slow_clients)
            elif "port_free_after" not in run.facts and now >= master_at:
                kill_master(run, server)
            else:
                time.sleep(0.1)
                continue
            time.sleep(SETTLE)
    except Exception as exc:
        run.problems.append(f"chaos stopped: {type(exc).__name__}: {exc}")


# --- one database ------------------------------------------------------------------------------


def learn_requesters(run: Run) -> None:
    """(organisation, requester) pairs an agent can open tickets for: those of the demo's
    tickets, read through the API."""
    client = Client(run)
    pairs = set()
    for number in run.agent_tickets:
        _, doc = client.call("setup", "GET", f"/tickets/{number}", "agent")
        if doc and doc["organisation"] and doc["requester"]:
            pairs.add((doc["organisation"]["id"], doc["requester"]["id"]))
    client.close()
    run.outcomes.clear()
    if not pairs or not run.contact_tickets:
        raise RuntimeError("the demo desk has no tickets to work on")
    run.requesters = sorted(pairs)


def load(run: Run, server: Server, args) -> float:
    started = time.monotonic()
    deadline = started + args.seconds
    threads = [threading.Thread(target=client_loop, args=(run, i, deadline), daemon=True)
               for i in range(args.clients)]
    threads.append(threading.Thread(target=chaos, args=(run, server, args, started, deadline),
                                    daemon=True))
    for thread in threads:
        thread.start()
    try:
        for thread in threads[:-1]:
            while thread.is_alive():
                thread.join(timeout=0.5)
        run.ended = time.monotonic()
        elapsed = run.ended - started
    finally:
        run.stop.set()
        # A restart under way finishes first (start_server is bounded), also on Ctrl-C:
        # otherwise it would start a server after the clean-up ran.
        while threads[-1].is_alive():
            threads[-1].join(timeout=0.5)
    for watcher in run.watchers:
        watcher.join(timeout=5)
    return elapsed


def verify_in_child(env: dict[str, str], records: Path) -> dict:
    done = subprocess.run([str(PROJECT_PY), __file__, "_verify", str(records)], env=env,
                          cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"verification failed to run:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def load_and_kill(database: str, args, work: Path, cleanup: Cleanup) -> dict:
    env = dict(os.environ, PLEDGEDESK_DATA_DIR=str(work / "data"),
               DJANGO_SETTINGS_MODULE="pledgedesk.project.settings")
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    if database == "postgres":
        name = f"pd_release_{os.getpid()}"
        pgdb("create", name)
        cleanup.push(f"drop database {name}", lambda: pgdb("drop", name))
        env["DATABASE_URL"] = f"{PG_SERVER}/{name}"
    log(f"{database}: preparing the demo desk in {work}")
    desk = prepare_desk(env)
    server = Server(env, free_port(), work, args.server_workers, cleanup)
    server.start()
    run = Run(port=server.port, tokens=desk["tokens"],
              agent_tickets=list(desk["tickets"]["agent"]),
              contact_tickets=list(desk["tickets"]["contact"]))
    learn_requesters(run)
    log(f"{database}: {args.clients} clients for {args.seconds} s on 127.0.0.1:{run.port}, "
        f"a worker killed every {args.kill_every} s, the master once")
    elapsed = load(run, server, args)
    machine = load_average()
    log(f"{database}: load done; stopping the server and reading the database")
    stop_server(server)
    records = work / "writes.json"
    records.write_text(json.dumps({"run_id": run.run_id, "writes": run.writes}))
    stored = verify_in_child(env, records)
    return {"database": database, "run": run, "elapsed": elapsed, "stored": stored,
            "load": machine, "server_starts": server.starts}


def stop_server(server: Server) -> None:
    """SIGTERM the server's group and wait, so the database is quiet before it is read."""
    pgid = server.proc.pid
    for pid in group_members(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in group_members(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.proc.wait(timeout=10)


# --- verification (a child process with Django set up) -----------------------------------------


def verify(records_path: str) -> dict:
    """What the database holds, against what the clients were told."""
    import django

    django.setup()
    records = json.loads(Path(records_path).read_text())
    marker = re.compile(rf"rc{records['run_id']}w\d+")
    stored = _stored(marker, records["run_id"])
    failures: list[str] = []
    counts = _check_writes(records["writes"], stored, failures)
    counts.update(_check_order(failures))
    counts.update(_check_timers(failures))
    return {"counts": counts, "failures": failures}


def _stored(marker: re.Pattern, run_id: str) -> dict:
    """Marker -> where it is stored: tickets by subject, messages by body, topics by event."""
    from pledgedesk.tickets.models import Message, Ticket, TicketEvent

    prefix = f"rc{run_id}w"
    found: dict[str, dict] = {"ticket": defaultdict(list), "message": defaultdict(list),
                              "topic": defaultdict(list)}
    for number, subject in Ticket.objects.filter(subject__startswith=prefix).values_list(
            "number", "subject"):
        found["ticket"][marker.search(subject).group(0)].append((number, None))
    for pk, number, body, visibility in Message.objects.filter(
            body__startswith=prefix).values_list("pk", "ticket__number", "body", "visibility"):
        found["message"][marker.search(body).group(0)].append((number, pk, visibility))
    for number, new in TicketEvent.objects.filter(kind="topic_changed").values_list(
            "ticket__number", "new"):
        topic = (new or {}).get("topic") or ""
        if topic.startswith(prefix):
            found["topic"][topic].append((number, None))
    events = Counter(
        (new or {}).get("message")
        for new in TicketEvent.objects.filter(kind__in=MESSAGE_KINDS).values_list("new",
                                                                                   flat=True))
    found["message_events"] = events
    return found


WHERE = {"create": "ticket", "customer_create": "ticket", "reply": "message",
         "customer_reply": "message", "note": "message", "patch": "topic"}
VISIBILITY = {"reply": "public", "customer_reply": "public", "note": "internal"}


def _check_writes(writes: list[dict], stored: dict, failures: list[str]) -> dict:
    counts: Counter = Counter()
    sent = set()
    for write in writes:
        kind, verdict = write["kind"], write["verdict"]
        sent.add(write["marker"])
        rows = stored[WHERE[kind]].get(write["marker"], [])
        counts[f"{kind} {verdict}"] += 1
        counts[f"{kind} {verdict} stored"] += len(rows)
        problem = _write_problem(write, rows, stored["message_events"])
        if problem:
            failures.append(f"{kind} {write['marker']} ({verdict}, HTTP {write['status']}, "
                            f"ticket {write['number']}): {problem}")
    for where in ("ticket", "message", "topic"):
        for unknown in sorted(set(stored[where]) - sent):
            failures.append(f"{where} {unknown} is stored but no client sent it")
    return dict(counts)


def _write_problem(write: dict, rows: list, message_events: Counter) -> str | None:
    verdict, kind = write["verdict"], write["kind"]
    if verdict in ("refused", "unsent"):
        return f"{verdict}, yet stored {len(rows)} time(s)" if rows else None
    if len(rows) > 1:
        return f"stored {len(rows)} times"
    if not rows:
        return "acknowledged but not stored" if verdict == "ack" else None
    number, message, *visibility = rows[0]
    if verdict == "ack" and write["number"] is not None and number != write["number"]:
        return f"stored on ticket {number}, answered as {write['number']}"
    if verdict == "ack" and write["message"] is not None and message != write["message"]:
        return f"stored as message {message}, answered as {write['message']}"
    if visibility and visibility[0] != VISIBILITY[kind]:
        return f"stored as {visibility[0]}"
    if message is not None and message_events[message] != 1:
        return f"message {message} has {message_events[message]} events"
    return None


def _check_order(failures: list[str]) -> dict:
    """Each ticket's events: in id order, the instants never go back (issue 13 found four
    tickets whose history went back by up to 60 ms on SQLite)."""
    from pledgedesk.tickets.models import TicketEvent

    last: dict[int, object] = {}
    bad: set[int] = set()
    rows = TicketEvent.objects.order_by("ticket_id", "id").values_list("ticket_id", "id", "at")
    for ticket, pk, at in rows.iterator(chunk_size=5000):
        if ticket in last and at < last[ticket]:
            if ticket not in bad and len(bad) < 5:
                failures.append(f"ticket id {ticket}: event {pk} at {at} is before the "
                                f"event before it ({last[ticket]})")
            bad.add(ticket)
        last[ticket] = at
    if len(bad) > 5:
        failures.append(f"... {len(bad)} tickets in all have events out of order")
    return {"tickets with events": len(last), "tickets out of order": len(bad)}


def _check_timers(failures: list[str]) -> dict:
    """Every ticket has one timer for each metric of the policy version it was opened under."""
    from pledgedesk.tickets.models import SlaTimer, Ticket
    from pledgedesk.versions.models import PolicyVersion
    from pledgedesk.versions.policies import policy_for

    metrics = {v.pk: set(policy_for(v).metric_keys) for v in PolicyVersion.objects.all()}
    timers: dict[int, list[str]] = defaultdict(list)
    for ticket, metric in SlaTimer.objects.values_list("ticket_id", "metric").iterator(
            chunk_size=5000):
        timers[ticket].append(metric)
    tickets = bad = 0
    for pk, number, version in Ticket.objects.values_list("pk", "number", "policy_version_id"):
        tickets += 1
        have = timers.get(pk, [])
        if sorted(have) != sorted(metrics[version]):
            bad += 1
            if bad <= 5:
                failures.append(f"ticket {number}: timers {sorted(have)}, its policy has "
                                f"{sorted(metrics[version])}")
    return {"tickets": tickets, "tickets with wrong timers": bad}


# --- figures -----------------------------------------------------------------------------------


def explained_by_kill(run: Run, ended: float) -> bool:
    if any(what == "worker" and at <= ended <= at + KILL_EXPLAINS for at, what in run.kills):
        return True
    return any(start <= ended <= end + 1.0 for start, end in run.down)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def report(result: dict, args) -> list[str]:
    """Print one database's figures; return the invariants that failed."""
    run: Run = result["run"]
    failed = list(run.problems)
    print(f"\n== load and kill on {result['database']}: {args.clients} clients, "
          f"{result['elapsed']:.1f} s, {args.server_workers} workers x 4 threads, "
          f"{os.cpu_count()} cores, load average {result['load']} at the end")
    failed += _report_requests(run, result["elapsed"])
    failed += _report_writes(result["stored"]["counts"])
    failed += _report_kills(run, result["server_starts"])
    failed += _report_slow(run, args)
    counts = result["stored"]["counts"]
    print(f"database       {counts['tickets']:,} tickets; events in id order go back in time "
          f"on {counts['tickets out of order']}; timers wrong or missing on "
          f"{counts['tickets with wrong timers']}")
    failed += result["stored"]["failures"]
    print("invariants     " + ("all held" if not failed else f"{len(failed)} FAILED"))
    for line in failed[:40]:
        print(f"  FAILED {line}")
    return failed


def _report_requests(run: Run, elapsed: float) -> list[str]:
    answered = [o for o in run.outcomes if o.status is not None and o.status != NOT_SENT]
    writes = [o.seconds for o in answered if o.op in WRITE_KINDS]
    reads = [o.seconds for o in answered if o.op not in WRITE_KINDS]
    every = writes + reads
    down = sum(max(0.0, min(end, run.ended) - start) for start, end in run.down)
    up = max(elapsed - down, 0.001)
    print(f"requests       {len(answered):,} answered in {elapsed:.1f} s = "
          f"{len(answered) / elapsed:,.1f} req/s; {len(answered) / up:,.1f} req/s over the "
          f"{up:.1f} s the server was up")
    if every:
        print(f"latency        all p50 {ms(pct(every, 50))} p95 {ms(pct(every, 95))}; writes "
              f"p50 {ms(pct(writes, 50))} p95 {ms(pct(writes, 95))}; reads p50 "
              f"{ms(pct(reads, 50))} p95 {ms(pct(reads, 95))}")
    statuses: Counter = Counter()
    failed = []
    for o in run.outcomes:
        label = str(o.status) if o.status not in (None, NOT_SENT) else f"no answer {o.detail}"
        if o.status is not None and 0 < o.status < 500:
            statuses[label] += 1
        elif explained_by_kill(run, o.ended):
            statuses[f"{label} (a kill's)"] += 1
        else:
            statuses[f"{label} (UNEXPLAINED)"] += 1
            failed.append(f"{o.op}: {label} with no kill near it: {o.detail}"[:300])
    print("by status      " + ", ".join(f"{k}: {v:,}" for k, v in sorted(statuses.items())))
    by_op = Counter(f"{o.op} {o.status if o.status not in (None, NOT_SENT) else 'none'}"
                    for o in run.outcomes)
    print("by operation   " + ", ".join(f"{k}: {v:,}" for k, v in sorted(by_op.items())))
    return failed[:10] + ([f"... {len(failed)} unexplained in all"] if len(failed) > 10 else [])


def _report_writes(counts: dict) -> list[str]:
    parts = []
    for kind in WRITE_KINDS:
        ack, stored = counts.get(f"{kind} ack", 0), counts.get(f"{kind} ack stored", 0)
        refused = counts.get(f"{kind} refused", 0)
        unknown = counts.get(f"{kind} unknown", 0)
        parts.append(f"{kind} {ack:,} acknowledged / {stored:,} stored, {refused:,} refused "
                     f"/ {counts.get(f'{kind} refused stored', 0)} stored, {unknown} unknown "
                     f"/ {counts.get(f'{kind} unknown stored', 0)} stored, "
                     f"{counts.get(f'{kind} unsent', 0)} unsent "
                     f"/ {counts.get(f'{kind} unsent stored', 0)} stored")
    print("writes         " + ";\n               ".join(parts))
    return []


def _report_kills(run: Run, starts: int) -> list[str]:
    workers = sum(1 for _, what in run.kills if what == "worker")
    masters = sum(1 for _, what in run.kills if what == "master")
    free = run.facts.get("port_free_after")
    line = f"kills          {workers} workers, {masters} master"
    failed = []
    if masters:
        left = run.facts.get("left_after_port_free")
        line += (f"; port free {free:.2f} s after the master died" if free is not None
                 else "; port still taken after 30 s")
        gone = run.facts.get("all_gone_after")
        line += f", {left} of its processes left then, " + (
            f"all gone after {gone:.2f} s" if gone is not None else
            f"still there at the end: {', '.join(run.facts.get('still_there', []))}")
        if "restart_seconds" in run.facts:
            line += f"; restarted and answering in {run.facts['restart_seconds']:.1f} s"
        if free is None or free > PORT_FREE_LIMIT:
            failed.append(f"the port was not free within {PORT_FREE_LIMIT} s of the master's "
                          f"death")
        if gone is None or gone > ALL_GONE_LIMIT:
            failed.append(f"the dead master's workers were not all gone within "
                          f"{ALL_GONE_LIMIT} s")
        if starts < 2:
            failed.append("the server did not start again after the master was killed")
    else:
        failed.append("the master was never killed (run too short?)")
    if not workers:
        failed.append("no worker was killed (run too short?)")
    print(line)
    return failed


def _report_slow(run: Run, args) -> list[str]:
    if not args.slow_clients:
        print("slow clients   skipped (--slow-clients 0)")
        return []
    slow = run.facts.get("slow")
    if slow is None:
        return ["the slow-client check did not run (run too short?)"]
    probes = slow["probes"]
    good = [s for status, s in probes if status == 200 and s <= HEALTHZ_LIMIT]
    worst = max((s for _, s in probes), default=0.0)
    before = max((s for _, s in run.facts["healthz_baseline"]), default=0.0)
    print(f"slow clients   {slow['connections']} connections sending a header byte every "
          f"{SLOW_BYTE_EVERY:.0f} s ({run.facts.get('slow_open_at_end', '?')} still open at the "
          f"end): /healthz {len(good)}/{len(probes)} answered 200 within {HEALTHZ_LIMIT:.0f} s, "
          f"slowest {ms(worst)} (just before, under the same load alone: slowest {ms(before)})")
    if not probes or len(good) != len(probes):
        return [f"/healthz did not always answer within {HEALTHZ_LIMIT} s with slow clients: "
                f"{probes}"]
    return []


# --- main --------------------------------------------------------------------------------------


def run_fuzz(database: str, seconds: int) -> int:
    """``benchmarks/fuzz_api.py`` as it is: it prints its own figures and cleans up after
    itself, also when asked to stop (SIGTERM)."""
    log(f"{database}: fuzzing with schemathesis for {seconds} s (benchmarks/fuzz_api.py)")
    child = subprocess.Popen([str(PROJECT_PY), str(ROOT / "benchmarks" / "fuzz_api.py"),
                              "--database", database, "--seconds", str(seconds)], cwd=ROOT)
    try:
        return child.wait()
    finally:
        if child.poll() is None:
            child.terminate()
            child.wait(timeout=120)


def one_database(database: str, args) -> list[str]:
    cleanup = Cleanup()
    work = Path(tempfile.mkdtemp(prefix=f"pledgedesk-release-{database}-"))
    if not args.keep:
        cleanup.push(f"remove {work}", lambda: shutil.rmtree(work, ignore_errors=True))
    try:
        failed = report(load_and_kill(database, args, work, cleanup), args)
    finally:
        cleanup.run()
    print(f"logs: {work}" + ("" if args.keep else " (removed; --keep keeps them)"))
    return failed


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=int, default=120, help="load-and-kill time")
    parser.add_argument("--clients", type=int, default=50, help="client threads")
    parser.add_argument("--kill-every", type=float, default=10.0,
                        help="seconds between worker kills")
    parser.add_argument("--slow-clients", type=int, default=100,
                        help="slow-header connections during the check (0 skips it)")
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--fuzz-seconds", type=int, default=120,
                        help="schemathesis time per database (0 skips fuzzing)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dirs (server logs)")
    args = parser.parse_args(argv)
    if args.seconds < 20:
        parser.error("--seconds must be at least 20: the run needs room for the kills, the "
                     "master's restart and the slow clients")
    if args.clients < 1 or args.kill_every <= 0 or args.server_workers < 1:
        parser.error("--clients, --kill-every and --server-workers must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_verify"]:
        print(json.dumps(verify(argv[1])))
        return 0
    args = parse(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)
    databases = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    verdicts = {}
    try:
        for database in databases:
            if args.fuzz_seconds:
                code = run_fuzz(database, args.fuzz_seconds)
                verdicts[f"fuzzing on {database}"] = "passed" if code == 0 else \
                    f"FAILED (exit {code})"
            failed = one_database(database, args)
            verdicts[f"load and kill on {database}"] = \
                "passed" if not failed else f"FAILED ({len(failed)} invariants)"
    except KeyboardInterrupt:
        print("\ninterrupted: cleaned up", file=sys.stderr)
        return 130
    print("\n== release check")
    for what, verdict in verdicts.items():
        print(f"{what}: {verdict}")
    return 0 if all(v == "passed" for v in verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
