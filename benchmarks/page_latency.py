#!/usr/bin/env python3
"""Page latency (issue 15): from a ticket's commit to its page reaching a local webhook
receiver, through the real path and a real worker process. A benchmark, not a test.

    .venv/bin/python benchmarks/page_latency.py                       # 3 rounds of each
    .venv/bin/python benchmarks/page_latency.py --rounds 4 --tickets 30

1. A throwaway data directory (SQLite), migrated; an FG organisation with the 24x7 plan in a
   zone where it is after hours now (so intake pages, FG-8); one engineer on a schedule, with a
   webhook to a receiver on a free loopback port that checks each Standard Webhooks signature.
2. Rounds alternating between the two modes (embedded, Redis, embedded, ...): each starts a
   fresh ``pledgedesk worker`` subprocess on the same database, with Huey on its SQLite storage
   (the embedded default) or on a throwaway ``redis-server`` (``REDIS_URL``), waits for a
   warm-up ticket's page (the worker is up), then times Urgent portal tickets opened through
   ``ticket_create`` one after another (0.2 s apart): for each, the wall time of its commit
   and of its page's arrival at the receiver. The outbox (the table, polled) carries the page
   in both modes; Redis only holds Huey's periodic jobs.
3. Printed per round and per mode: median, p95 and max, the count that arrived, the load
   average before and after; then each outbox topic's wait from creation to delivery.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from datetime import time as clock_time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FG = "fax-server-24x7"
ZONES = ["Pacific/Kiritimati", "Asia/Tokyo", "Asia/Kolkata", "Europe/London",
         "America/New_York", "America/Chicago", "America/Los_Angeles", "Pacific/Honolulu",
         "Pacific/Pago_Pago"]


def log(text: str) -> None:
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def django_start(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "pledgedesk.project.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class Receiver:
    def __init__(self):
        self.arrived: dict[int, float] = {}
        self.bad = 0
        self.key = b""
        self.done = threading.Condition()

    def handler(self):
        receiver = self

        class Handle(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                at = time.time()
                msg_id, stamp = self.headers["webhook-id"], self.headers["webhook-timestamp"]
                mac = hmac.new(receiver.key, f"{msg_id}.{stamp}.".encode() + body,
                               hashlib.sha256).digest()
                good = self.headers["webhook-signature"] == "v1," + base64.b64encode(mac).decode()
                data = json.loads(body)
                with receiver.done:
                    if not good:
                        receiver.bad += 1
                    elif data["type"] == "page.triggered":
                        receiver.arrived.setdefault(data["data"]["ticket"]["number"], at)
                    receiver.done.notify_all()
                self.send_response(200 if good else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handle


def after_hours_zone(now: datetime) -> str:
    from pledgedesk.policy.compile import Location
    from pledgedesk.versions.policies import policy_in_force

    _, policy = policy_in_force(FG, now=now)
    for zone in ZONES:
        if policy.page_on_call(plan="24x7", priority="urgent", channel="portal", at=now,
                               location=Location(timezone=zone, country=None, subdiv=None)):
            return zone
    raise SystemExit("no zone in the list is after hours now")


def world(url: str, now: datetime):
    from django.contrib.auth import get_user_model

    from pledgedesk.accounts.models import Agent, Contact, Organisation
    from pledgedesk.oncall.schedules import (
        LayerSpec,
        ScheduleSpec,
        contact_method_add,
        layer_save,
        schedule_create,
    )

    zone = after_hours_zone(now)
    org = Organisation.objects.create(name="Bench Fax", policy_key=FG, plans=["24x7"],
                                      timezone=zone, created_at=now)
    contact = Contact.objects.create(organisation=org, name="Caller", authorised=True,
                                     created_at=now)
    user = get_user_model().objects.create_user("oncall-bench", email="eve@bench.example")
    eve = Agent.objects.create(user=user, name="Eve", roles=["support_lead"])
    schedule = schedule_create(actor=eve, policy_key=FG, now=now, spec=ScheduleSpec(
        name="Bench", zone="UTC", lead_id=eve.pk))
    layer_save(actor=eve, schedule_id=schedule.pk, now=now, spec=LayerSpec(
        name="All", level=0, every=1, unit="weeks", handoff_date=date(2020, 1, 6),
        handoff_time=clock_time(0), member_ids=(eve.pk,)))
    _, secret = contact_method_add(agent=eve, url=url, now=now)
    return org, contact, secret, zone


MODES = ("embedded", "redis")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20, help="timed tickets per round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of each mode, alternating (embedded, Redis, ...)")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="page-latency-"))
    env = {"PLEDGEDESK_DATA_DIR": str(tmp), "PLEDGEDESK_ALLOWED_HOSTS": "127.0.0.1"}
    env_out = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    redis_url = f"redis://127.0.0.1:{port}/0"
    for key in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(key, None)
    django_start(env)

    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    now = datetime.now(UTC)
    org, contact, secret, zone = world(f"http://127.0.0.1:{server.server_address[1]}/", now)
    receiver.key = base64.b64decode(secret.removeprefix("whsec_"))
    log(f"organisation zone {zone} (after hours now); {args.rounds} rounds of "
        f"{args.tickets} Urgent portal tickets on each of: {', '.join(MODES)} (alternating)")
    found: dict[str, list[float]] = {mode: [] for mode in MODES}
    try:
        for number in range(args.rounds):
            for mode in MODES:
                extra = {"REDIS_URL": redis_url} if mode == "redis" else {}
                worker = subprocess.Popen([sys.executable, "-m", "pledgedesk", "worker"],
                                          env={**env_out, **env, **extra}, cwd=ROOT,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                try:
                    found[mode] += _round(args, receiver, org, contact, f"{mode} {number + 1}")
                finally:
                    worker.terminate()
                    worker.wait(timeout=30)
    finally:
        server.shutdown()
        redis.terminate()
        redis.wait(timeout=10)
    expected = args.rounds * args.tickets
    for mode in MODES:
        log(f"{mode:>8}: {_summary(found[mode])}, {len(found[mode])}/{expected} arrived")
    log(f"bad signatures: {receiver.bad}; load average now {_load()}")
    _per_topic()
    complete = all(len(found[m]) == expected for m in MODES)
    return 0 if complete and receiver.bad == 0 else 1


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _summary(latencies: list[float]) -> str:
    if not latencies:
        return "no page arrived"
    ordered = sorted(latencies)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (f"median {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms")


def _open(org, contact, subject: str):
    from pledgedesk.tickets.services import NewTicket, ticket_create

    return ticket_create(new=NewTicket(organisation=org, requester=contact, subject=subject,
                                       description="x", channel="portal", priority="urgent"),
                         now=datetime.now(UTC))


def _wait(receiver: Receiver, numbers, timeout: float) -> None:
    deadline = time.time() + timeout
    with receiver.done:
        while not set(numbers) <= set(receiver.arrived) and time.time() < deadline:
            receiver.done.wait(timeout=1)


def _round(args, receiver: Receiver, org, contact, name: str) -> list[float]:
    """One round on a fresh worker: a warm-up ticket (its page shows the worker is up; not
    timed), then ``args.tickets`` tickets 0.2 s apart; each page's commit-to-arrival time."""
    before = _load()
    warm = _open(org, contact, f"Warm-up {name}")
    _wait(receiver, [warm.number], args.timeout)
    committed: dict[int, float] = {}
    for i in range(args.tickets):
        ticket = _open(org, contact, f"Down {name} {i}")
        committed[ticket.number] = time.time()
        time.sleep(0.2)
    _wait(receiver, committed, args.timeout)
    latencies = [receiver.arrived[n] - committed[n] for n in committed if n in receiver.arrived]
    log(f"round {name:<11} {_summary(latencies)}, {len(latencies)}/{len(committed)} arrived; "
        f"load average {before} -> {_load()}")
    return latencies


def _per_topic() -> None:
    """Where the time goes: each outbox topic's wait from its row's creation to delivery."""
    from pledgedesk.outbox.models import Delivery

    waits: dict[str, list[float]] = {}
    for topic, made, done in Delivery.objects.filter(delivered_at__isnull=False).values_list(
            "topic", "created_at", "delivered_at"):
        waits.setdefault(topic, []).append((done - made).total_seconds())
    for topic, values in sorted(waits.items()):
        log(f"  {topic:<16} {len(values):>4} rows, median wait "
            f"{statistics.median(values) * 1000:.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
