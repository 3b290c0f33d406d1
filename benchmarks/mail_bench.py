#!/usr/bin/env python3
"""Inbound mail benchmark (issue 14): messages ingested per second, Pledgedesk beside
django-helpdesk's own mail processing from a local directory, in the same run. A benchmark,
not a test: nothing here runs in pytest.

    .venv/bin/python benchmarks/mail_bench.py                          # SQLite, 5 x 300
    .venv/bin/python benchmarks/mail_bench.py --database postgresql --rounds 7

1. Two throwaway databases of the same kind (temp SQLite files with the same pragmas, or two
   ``scripts/pgdb`` databases), one per desk. Pledgedesk: migrated, the seed organisations and
   contacts of ``tests.channels.people`` (Rethink contacts, a FaxGuys contact who is not
   authorised personnel, a banned one). django-helpdesk (its own virtualenv, built by
   ``desk_bench.ensure_peer_venv``; the generated project is ``desk_bench``'s): migrated, one
   queue with ``email_box_type = "local"`` and email submission allowed.
2. ``--rounds`` rounds, alternating which desk goes first. Each round writes ``--messages``
   new messages of the realistic mix (``tests.channels.mails.mix``: new requests, replies to
   earlier ones, attachments, HTML-only and koi8-r/ISO-2022-JP/8-bit mail, forwards, automatic
   mail, bounces, unknown, unauthorised and banned senders) as files, the same bytes into one
   directory per desk, then times each desk taking in its directory:
   - Pledgedesk: ``channels.commands.ingest`` over the files, the ``pledgedesk mail ingest``
     door: ``inbound_store_many`` then ``inbound_process_many`` a batch of 50 at a time, the
     services the worker's IMAP fetch calls for each batch, JSON line per message included.
   - django-helpdesk: the ``local`` branch of ``helpdesk.email.process_queue`` (what
     ``manage.py get_email`` runs): each file read and handed to ``extract_email_metadata``,
     deleted when it made a ticket or follow-up. Run message by message here only so that a
     message it cannot read (it opens files as UTF-8 text: koi8-r and undeclared 8-bit mail
     raise UnicodeDecodeError, which ends ``process_queue`` for the whole directory) is
     counted as a failure instead of stopping the round.
3. The medians of the per-round rates, the median of the per-round ratios with their spread
   (target: at least 5x), each side's CPU time per message (its own process: on this shared
   machine the wall rate follows the load, the CPU time much less), the load average before
   and after every round, and the outbound rate from ``benchmarks/mail_out_bench.py`` (its
   own fresh database) when that file exists.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import desk_bench  # noqa: E402 (the peer's virtualenv and project, reused)

TARGET_RATIO = 5.0

PEER_RUNNER = '''
"""django-helpdesk's local-directory mail intake, one directory per line read on stdin."""
import json, logging, os, sys, time
from os.path import isfile, join
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproj.settings")
import django
django.setup()
from django.core.management import call_command
from django.utils import encoding
from helpdesk.email import extract_email_metadata
from helpdesk.exceptions import DeleteIgnoredTicketException, IgnoreTicketException
from helpdesk.models import FollowUp, Queue, Ticket

call_command("migrate", verbosity=0)
queue = Queue.objects.create(title="Support", slug="support", email_address="support@desk.test",
                             allow_email_submission=True, email_box_type="local")
logger = logging.getLogger("peer-mail")
logger.setLevel(logging.WARNING)
print("READY", flush=True)
for line in sys.stdin:
    mail_dir = line.strip()
    queue.email_box_local_dir = mail_dir
    queue.save()
    failed, errors = 0, []
    started, cpu = time.perf_counter(), time.process_time()
    # helpdesk.email.process_queue, email_box_type == "local", message by message:
    mail = [join(mail_dir, f) for f in os.listdir(mail_dir) if isfile(join(mail_dir, f))]
    for m in sorted(mail):
        try:
            with open(m, "r") as f:
                full_message = encoding.force_str(f.read(), errors="replace")
                try:
                    ticket = extract_email_metadata(message=full_message, queue=queue,
                                                    logger=logger)
                except IgnoreTicketException:
                    pass
                except DeleteIgnoredTicketException:
                    os.unlink(m)
                else:
                    if ticket:
                        os.unlink(m)
        except Exception as exc:
            failed += 1
            errors.append(f"{os.path.basename(m)}: {type(exc).__name__}")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu": cpu, "failed": failed, "errors": errors,
                      "tickets": Ticket.objects.count(),
                      "followups": FollowUp.objects.count()}), flush=True)
'''


def log(text: str) -> None:
    desk_bench.log(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=300, help="messages per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--peer-venv", default="/tmp/peer-venv")
    parser.add_argument("--outbound", type=int, default=1000,
                        help="outbound mails for mail_out_bench.py (0: skip it)")
    args = parser.parse_args()
    cleanup = desk_bench.Cleanup()
    try:
        with tempfile.TemporaryDirectory(prefix="pd-mail-bench-") as work:
            run(args, Path(work), cleanup)
    finally:
        cleanup.run()


def run(args, work: Path, cleanup: desk_bench.Cleanup) -> None:
    log(f"load average {desk_bench.load_average()}; {os.cpu_count()} CPUs; {args.database}")
    peer = start_peer(args, work, cleanup)
    people = start_ours(args, work, cleanup)
    from tests.channels.mails import mix

    rounds, notes = [], []
    for r in range(args.rounds):
        messages = mix(args.messages, people, tag=f"round{r}")
        dirs = {side: work / f"round{r}-{side}" for side in ("ours", "peer")}
        for path in dirs.values():
            path.mkdir()
            for i, (_kind, raw) in enumerate(messages):
                (path / f"{i:06d}.eml").write_bytes(raw)
        order = ("ours", "peer") if r % 2 == 0 else ("peer", "ours")
        figures = {"load": desk_bench.load_average()}
        for side in order:
            if side == "ours":
                figures["ours"] = ingest_ours(dirs["ours"])
            else:
                figures["peer"] = ingest_peer(peer, dirs["peer"])
                if figures["peer"]["failed"]:  # the same kinds fail every round
                    kinds = sorted({e.split(": ")[1] for e in figures["peer"]["errors"]})
                    notes.append(f"django-helpdesk failed on {figures['peer']['failed']} of "
                                 f"{args.messages} messages a round (counted in its time): "
                                 f"{', '.join(kinds)}")
        figures["load"] += " -> " + desk_bench.load_average()
        rounds.append(figures)
        ours, theirs = figures["ours"], figures["peer"]
        log(f"round {r + 1}/{args.rounds} ({'/'.join(order)} first, load {figures['load']}): "
            f"Pledgedesk {args.messages / ours['seconds']:.0f}/s "
            f"({ms_per(ours['cpu'], args.messages)} CPU/msg), django-helpdesk "
            f"{args.messages / theirs['seconds']:.0f}/s "
            f"({ms_per(theirs['cpu'], args.messages)} CPU/msg), ratio "
            f"{theirs['seconds'] / ours['seconds']:.2f}x")
    log(f"load average at the end {desk_bench.load_average()}")
    report(args, rounds, notes)
    if args.outbound and (ROOT / "benchmarks" / "mail_out_bench.py").exists():
        log("outbound: benchmarks/mail_out_bench.py (its own fresh database)")
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "mail_out_bench.py"),
                        "--messages", str(args.outbound), "--database", args.database],
                       check=True)


def start_ours(args, work: Path, cleanup: desk_bench.Cleanup):
    os.environ["PLEDGEDESK_DATA_DIR"] = str(work / "ours")
    os.environ.pop("REDIS_URL", None)
    if args.database == "postgresql":
        name = f"pd_mail_bench_{os.getpid()}"
        desk_bench.pgdb("create", name)
        cleanup.push(f"drop {name}", lambda: _drop(name))
        os.environ["DATABASE_URL"] = f"{desk_bench.PG_SERVER}/{name}"
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "pledgedesk.project.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from tests.channels.people import seed_people

    return seed_people()


def _drop(name: str) -> None:
    from django.db import connections

    connections.close_all()
    desk_bench.pgdb("drop", name)


def ms_per(cpu_seconds: float, count: int) -> str:
    return f"{cpu_seconds / count * 1000:.2f} ms"


def ingest_ours(directory: Path) -> dict:
    from pledgedesk.channels import commands

    paths = sorted(str(p) for p in directory.iterdir())
    out = io.StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = commands.ingest(paths)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    lines = out.getvalue().splitlines()
    if status != 0 or len(lines) != len(paths):
        raise SystemExit(f"Pledgedesk ingest: status {status}, {len(lines)} outcomes for "
                         f"{len(paths)} messages")
    return {"seconds": seconds, "cpu": cpu}


def start_peer(args, work: Path, cleanup: desk_bench.Cleanup) -> subprocess.Popen:
    python = desk_bench.ensure_peer_venv(Path(args.peer_venv))
    project = work / "peer"
    (project / "peerproj").mkdir(parents=True)
    for name, text in (("__init__.py", ""), ("settings.py", desk_bench.PEER_SETTINGS),
                       ("urls.py", desk_bench.PEER_URLS)):
        (project / "peerproj" / name).write_text(textwrap.dedent(text).lstrip())
    (project / "mail_peer.py").write_text(textwrap.dedent(PEER_RUNNER).lstrip())
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    if args.database == "postgresql":
        name = f"pd_mail_bench_peer_{os.getpid()}"
        desk_bench.pgdb("create", name)
        cleanup.push(f"drop {name}", lambda: desk_bench.pgdb("drop", name))
        env["PEER_PG_NAME"] = name
    else:
        env["PEER_SQLITE"] = str(project / "peer.sqlite3")
    log("peer: migrating django-helpdesk")
    process = subprocess.Popen([str(python), "mail_peer.py"], cwd=project, env=env, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    cleanup.push("stop the peer", lambda: _stop(process))
    if process.stdout.readline().strip() != "READY":
        raise SystemExit("the django-helpdesk runner did not start")
    return process


def _stop(process: subprocess.Popen) -> None:
    process.stdin.close()
    process.wait(timeout=30)


def ingest_peer(process: subprocess.Popen, directory: Path) -> dict:
    process.stdin.write(f"{directory}\n")
    process.stdin.flush()
    line = process.stdout.readline()
    if not line:
        raise SystemExit("the django-helpdesk runner stopped")
    return json.loads(line)


def report(args, rounds: list[dict], notes: list[str]) -> None:
    n = args.messages
    ours = [n / r["ours"]["seconds"] for r in rounds]
    peer = [n / r["peer"]["seconds"] for r in rounds]
    ratios = sorted(r["peer"]["seconds"] / r["ours"]["seconds"] for r in rounds)
    cpu_ours = statistics.median(r["ours"]["cpu"] for r in rounds)
    cpu_peer = statistics.median(r["peer"]["cpu"] for r in rounds)
    ratio = statistics.median(ratios)
    print()
    print(f"Inbound mail, {args.rounds} rounds x {n} messages of the mix, {args.database}, "
          "medians (rounds alternate which desk goes first)")
    print("| desk | messages/s (median) | CPU per message (median) | rounds (messages/s) |")
    print("|---|---|---|---|")
    print(f"| Pledgedesk (mail ingest: store raw, then intake) | {statistics.median(ours):.0f} | "
          f"{ms_per(cpu_ours, n)} | {', '.join(f'{r:.0f}' for r in ours)} |")
    print(f"| django-helpdesk (local mailbox) | {statistics.median(peer):.0f} | "
          f"{ms_per(cpu_peer, n)} | {', '.join(f'{r:.0f}' for r in peer)} |")
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"ratio per round: median {ratio:.2f}x, spread {ratios[0]:.2f}-{ratios[-1]:.2f}x "
          f"(target {TARGET_RATIO:.0f}x: {verdict}); CPU per message "
          f"{cpu_peer / cpu_ours:.2f}x less than the peer's")
    print("load average per round (before -> after): "
          + "; ".join(r["load"] for r in rounds))
    for note in dict.fromkeys(notes):
        print(f"note: {note}")


if __name__ == "__main__":
    main()
