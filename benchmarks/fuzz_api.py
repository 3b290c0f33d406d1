#!/usr/bin/env python3
"""Fuzz the JSON API with schemathesis for a set time: the pre-release check of issue 13.

    .venv/bin/python benchmarks/fuzz_api.py                          # SQLite, 120 s
    .venv/bin/python benchmarks/fuzz_api.py --database postgres --seconds 600

A fresh data directory (and on PostgreSQL a throwaway database from ``scripts/pgdb``) gets the
demo desk (``pledgedesk.demo``: five organisations on the seed policies, agents, tickets in
every state) and two API tokens, an agent's and a customer's. ``pledgedesk serve`` then runs on
a free 127.0.0.1 port, and schemathesis (``st run``, every phase, every check) fuzzes every
operation of ``/api/v1/openapi.json`` for half the time as the agent and half as the customer.

Printed at the end, per role: operations, test cases and requests, and for each check how
often it passed and failed; then every failure (check, operation, status, message). The exit
status is 0 only when no check failed and no request errored.

Checks left out, and why (``--exclude-checks``):
- ``positive_data_acceptance``: a schema-valid value can still be wrong for this desk's
  policy (a priority, status or exclusion reason the policy does not have), which the service
  refuses with a 422 naming the field: the schema cannot list every policy's keys.
- ``use_after_free``, ``ensure_resource_availability``: about APIs that delete resources;
  this one deletes nothing, so any hit is schemathesis guessing links between operations.

The server is stopped and a PostgreSQL database dropped at the end, also on Ctrl-C, SIGTERM
or an error; the temporary directory is kept for its server log and schemathesis's reports
(``<role>.json``, ``<role>.out``), and its path printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# Sibling script, not a package: its server start/stop, port and log helpers serve here too.
from desk_bench import PG_SERVER, PROJECT_PY, ROOT, Cleanup, free_port, log, start_server

ST = PROJECT_PY.parent / "st"
EXCLUDED_CHECKS = ("positive_data_acceptance", "use_after_free", "ensure_resource_availability")


def prepare_desk(env: dict[str, str]) -> dict[str, str]:
    """Migrate, load the demo desk and issue the two tokens, in a child process (so this
    process never holds a database connection the server would wait on)."""
    code = (
        "import django, json\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', interactive=False, verbosity=0)\n"
        "from django.contrib.auth import get_user_model\n"
        "from pledgedesk import clock, demo\n"
        "from pledgedesk.accounts.tokens import token_issue\n"
        "demo.demo_login()\n"
        "users = get_user_model().objects\n"
        "now = clock.current()\n"
        "agent = users.get(username=demo.CONSOLE_LOGIN)\n"
        "contact = users.get(username=demo.PORTAL_LOGIN)\n"
        "from pledgedesk.accounts.authorization import principal_for, visible_tickets\n"
        "from pledgedesk.tickets.models import Attachment, Ticket\n"
        "from pledgedesk.versions.models import PolicyVersion\n"
        "from pledgedesk.versions.policies import policy_for\n"
        "def numbers(user):\n"
        "    seen = visible_tickets(principal_for(user), Ticket.objects.all())\n"
        "    return sorted(seen.values_list('number', flat=True))\n"
        "policies = [policy_for(v) for v in PolicyVersion.objects.all()]\n"
        "keys = lambda get: sorted({k for p in policies for k in get(p)})\n"
        "print(json.dumps({\n"
        "    'tokens': {'agent': token_issue(user=agent, name='fuzz', now=now).raw,\n"
        "               'contact': token_issue(user=contact, name='fuzz', now=now).raw},\n"
        "    'tickets': {'agent': numbers(agent), 'contact': numbers(contact)},\n"
        "    'attachments': list(Attachment.objects.values_list('pk', flat=True)) or [1],\n"
        "    'priorities': keys(lambda p: [x.key for x in p.priorities]),\n"
        "    'statuses': keys(lambda p: p.statuses),\n"
        "    'reasons': keys(lambda p: p.exclusion_reasons),\n"
        "}))\n"
    )
    done = subprocess.run([str(PROJECT_PY), "-c", code], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"preparing the desk failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def server(env: dict[str, str], port: int, log_path: Path, workers: int):
    """``pledgedesk serve`` while the block runs, started and stopped as the desk benchmark
    does it."""
    cleanup = Cleanup()
    try:
        yield start_server(
            [str(PROJECT_PY), "-m", "pledgedesk", "serve", "--host", "127.0.0.1", "--port",
             str(port), "--workers", str(workers)],
            env, ROOT, port, log_path, cleanup, "pledgedesk", ready_path="/healthz")
    finally:
        cleanup.run()


# Real values for some parameters part of the time, so the fuzzer reaches past the 404 of a
# ticket that does not exist and the 422 of a priority the policy does not have.
BINDINGS = {"path.number": ("tickets", 0.7), "path.attachment_id": ("attachments", 0.7),
            "body.priority": ("priorities", 0.5), "query.priority": ("priorities", 0.5),
            "body.status": ("statuses", 0.5), "query.status": ("statuses", 0.5),
            "body.reason": ("reasons", 0.3)}


def write_config(path: Path, desk: dict, role: str) -> Path:
    values = {"tickets": desk["tickets"][role] or [1], "attachments": desk["attachments"],
              "priorities": desk["priorities"], "statuses": desk["statuses"],
              "reasons": desk["reasons"]}
    lines = []
    for name, entries in values.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(entries)}", ""]
    lines.append("[parameters]")
    lines += [f'"{key}" = {{ dictionary = "{name}", probability = {chance} }}'
              for key, (name, chance) in BINDINGS.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def fuzz(port: int, token: str, seconds: int, report: Path, workers: int, config: Path) -> int:
    cmd = [str(ST), "--config-file", str(config), "run",
           f"http://127.0.0.1:{port}/api/v1/openapi.json",
           "--checks", "all", "--exclude-checks", ",".join(EXCLUDED_CHECKS),
           "--max-time", str(seconds), "--workers", str(workers),
           "--header", f"Authorization: Bearer {token}",
           "--request-timeout", "30", "--continue-on-failure",
           "--suppress-health-check", "all",
           "--report", "json", "--report-json-path", str(report)]
    with report.with_suffix(".out").open("w") as out:
        return subprocess.run(cmd, cwd=report.parent, stdout=out, stderr=subprocess.STDOUT,
                              env=dict(os.environ, NO_COLOR="1", COLUMNS="120"),
                              check=False).returncode


def summarise(report: Path) -> dict:
    """schemathesis's own verdict (its JSON report) and the summary it printed."""
    document = json.loads(report.read_text())
    printed = report.with_suffix(".out").read_text()
    at = printed.find("SUMMARY")
    summary = printed[printed.rfind("\n", 0, at) + 1:] if at >= 0 else printed
    return {"document": document, "summary": summary}


def print_figures(role: str, seconds: int, figures: dict) -> bool:
    doc = figures["document"]
    ops, cases = doc["operations"] or {}, doc["test_cases"]
    print(f"\n== {role}: {seconds} s budget, ran {doc['running_time']:.0f} s; operations "
          f"{ops.get('tested', 0)} tested of {ops.get('selected', 0)}; test cases "
          f"{cases['generated']} generated, {cases['with_failures']} with failures "
          f"({cases['unique_failures']} unique), {cases['errored']} errored")
    for failure in doc["failures"]:
        print(f"FAILED {failure['title']} x{failure['count']} in "
              f"{', '.join(failure['operations'])}")
    for error in doc["errors"]:
        print(f"ERROR {error['title']} x{error['count']}")
    print(figures["summary"].rstrip())
    return (not doc["failures"] and not doc["errors"] and cases["errored"] == 0
            and ops.get("tested", 0) == ops.get("selected", -1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=int, default=120, help="total fuzzing time")
    # One worker: hypothesis's lambda descriptions are not thread-safe ("AST constructor
    # recursion depth mismatch" as a schemathesis Runtime Error with two).
    parser.add_argument("--workers", type=int, default=1, help="schemathesis workers")
    parser.add_argument("--server-workers", type=int, default=2)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    work = Path(tempfile.mkdtemp(prefix="pledgedesk-fuzz-"))
    env = dict(os.environ, PLEDGEDESK_DATA_DIR=str(work / "data"),
               DJANGO_SETTINGS_MODULE="pledgedesk.project.settings")
    env.pop("REDIS_URL", None)
    database = None
    try:
        if args.database == "postgres":
            database = f"pledgedesk_fuzz_{os.getpid()}"
            subprocess.run([str(PROJECT_PY), str(ROOT / "scripts" / "pgdb"), "create", database],
                           check=True)
            env["DATABASE_URL"] = f"{PG_SERVER}/{database}"
        else:
            env.pop("DATABASE_URL", None)
        log(f"preparing the demo desk on {args.database} in {work}")
        desk = prepare_desk(env)
        port = free_port()
        ok = True
        with server(env, port, work / "server.log", args.server_workers):
            log(f"pledgedesk serve on 127.0.0.1:{port}; fuzzing for {args.seconds} s")
            for role in ("agent", "contact"):
                seconds = max(1, args.seconds // 2)
                report = work / f"{role}.json"
                config = write_config(work / f"{role}.toml", desk, role)
                fuzz(port, desk["tokens"][role], seconds, report, args.workers, config)
                ok &= print_figures(role, seconds, summarise(report))
        print(f"\nserver log: {work / 'server.log'} (kept)")
        return 0 if ok else 1
    finally:
        if database is not None:
            subprocess.run([str(PROJECT_PY), str(ROOT / "scripts" / "pgdb"), "drop", database],
                           check=False)


if __name__ == "__main__":
    sys.exit(main())
