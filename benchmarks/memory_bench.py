#!/usr/bin/env python3
"""Web worker memory benchmark (issue 20). A benchmark, not a test: nothing here runs in pytest.

    .venv/bin/python benchmarks/memory_bench.py                      # SQLite in a temp dir
    .venv/bin/python benchmarks/memory_bench.py --database-url postgres://postgres@127.0.0.1/pd_x
    .venv/bin/python benchmarks/memory_bench.py --baseline-root /tmp/pd-before  # git archive

1. A throwaway desk (``desk_bench``'s seed: organisations on the five seed policies, contacts,
   agents) with a few tickets through the services, on a temp SQLite database or the one
   ``--database-url`` names (its tables are created by migrating; give it an empty database).
2. ``pledgedesk serve --no-worker`` with ``--workers`` workers (and with ``--baseline-root`` a
   second server from that checkout on the same database), then from several concurrent
   clients, so that every worker serves each page: the console queue, a console ticket page,
   the portal's ticket list and ticket page (as a contact) and the API's ticket list (bearer
   token); each page ``--repeats`` times per client.
3. Prints per web worker RSS (the issue's target: under 90 MiB), PSS and USS (private pages)
   from ``/proc/PID/smaps_rollup``, and the master's. RSS counts every page the worker maps,
   shared copy-on-write with the master or not; PSS divides shared pages among the processes
   sharing them; USS is what the worker alone holds.
4. ``--modules``: what the pages load, in a child process that calls the WSGI application
   directly (no test client, which would load ``django.test``): RSS after ``django.setup()``,
   after the URL configuration, after each page, and the top-level packages whose first import
   grew RSS the most (exclusive of what they imported in turn; includes their shared
   libraries).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

# desk_bench (the seed, HTTP client and server helpers) is imported by main(), not here: the
# profiling child must start with as little loaded as a web worker's interpreter.
db = None

TARGET_RSS_MIB = 90


def smaps(pid: int) -> dict[str, float]:
    """RSS, PSS and USS (private clean + dirty) of ``pid`` in MiB."""
    fields = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            name, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[-1] == "kB":
                fields[name] = int(parts[0]) / 1024
    return {"rss": fields.get("Rss", 0.0), "pss": fields.get("Pss", 0.0),
            "uss": fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0)}


def worker_pids(master) -> list[int]:
    cmdline = Path(f"/proc/{master.pid}/cmdline").read_bytes()
    pids = []
    for task in os.listdir(f"/proc/{master.pid}/task"):
        for pid in Path(f"/proc/{master.pid}/task/{task}/children").read_text().split():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/cmdline").read_bytes() == cmdline:
                    pids.append(int(pid))
    return sorted(pids)


# --- the desk -----------------------------------------------------------------------------------


def build(now: datetime) -> dict:
    """Seed desk, a contact who can sign in, ten tickets (one with a reply), an agent's session
    cookie, the contact's session cookie and an API token."""
    import random

    from django.contrib.auth import get_user_model

    from pledgedesk.accounts.tokens import token_issue
    from pledgedesk.tickets.services import (
        Actor,
        NewTicket,
        ticket_create,
        ticket_customer_reply,
        ticket_reply,
    )

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from console_bench import session_cookie

    seed = db.seed_desk(now, random.Random(20))
    org, contacts, _weight = seed["orgs"][0]
    contact = contacts[0]
    user = get_user_model().objects.create(username="memory-bench-contact", password="!")
    contact.user = user
    contact.save(update_fields=["user"])
    agent = seed["agents"][0]
    as_agent = Actor(channel="web", agent=agent)
    as_contact = Actor(channel="portal", contact=contact)
    tickets = []
    at = now - timedelta(hours=30)
    for i in range(10):
        at += timedelta(minutes=37)
        tickets.append(ticket_create(new=NewTicket(
            organisation=org, requester=contact, subject=f"Memory bench ticket {i}",
            description="Opened by the memory benchmark.", channel="email"), now=at))
    ticket = tickets[0]
    ticket_reply(ticket=ticket, actor=as_agent, body="We are **looking** into it.",
                 expected_version=None, now=at + timedelta(minutes=5))
    ticket_customer_reply(ticket=ticket, actor=as_contact, body="Thanks, see https://x.invalid",
                          now=at + timedelta(minutes=9))
    return {"number": ticket.number,
            "agent_cookie": session_cookie(agent.user),
            "contact_cookie": session_cookie(user),
            "token": token_issue(user=agent.user, name="memory-bench", now=now).raw}


def pages(built: dict) -> list[tuple[str, str, dict, dict]]:
    """(name, path, headers, cookies) of what the workers serve."""
    agent = {"sessionid": built["agent_cookie"]}
    contact = {"sessionid": built["contact_cookie"]}
    api = {"Authorization": f"Bearer {built['token']}", "Accept": "application/json"}
    n = built["number"]
    return [
        ("console queue", "/console/", {}, agent),
        ("console ticket", f"/console/tickets/{n}/", {}, agent),
        ("portal tickets", "/portal/", {}, contact),
        ("portal ticket", f"/portal/tickets/{n}/", {}, contact),
        ("API ticket list", "/api/v1/tickets?limit=50", api, {}),
    ]


def serve_pages(port: int, page_list, clients: int, repeats: int) -> None:
    """Every page ``repeats`` times from each of ``clients`` concurrent connections."""
    errors: list[str] = []

    def client() -> None:
        for _ in range(repeats):
            for name, path, headers, cookies in page_list:
                http = db.Http(port)  # a new connection each time: any worker may take it
                http.cookies.update(cookies)
                try:
                    status, _h, body = http.request("GET", path, headers=headers)
                finally:
                    http.close()
                if status != 200:
                    errors.append(f"{name} GET {path}: HTTP {status} {body[:200]!r}")
                    return

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(errors[0])


# --- the module profile (child process) ---------------------------------------------------------


def profile_child(spec_path: str) -> int:
    """Load Django as a web worker does, serve the pages through the WSGI application, and
    print RSS per stage and the packages whose import cost the most RSS (JSON on stdout)."""
    import collections
    import importlib.abc

    page = os.sysconf("SC_PAGE_SIZE")

    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * page

    stack: list[list] = []
    exclusive: collections.Counter = collections.Counter()
    stage_of: dict[str, str] = {}
    stage = ["start"]

    class Measuring(importlib.abc.MetaPathFinder):
        """Wraps every loader's exec_module to attribute RSS growth to the module."""

        def find_spec(self, name, path, target=None):
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is None:
                    continue
                loader = spec.loader
                if loader is not None and hasattr(loader, "exec_module"):
                    spec.loader = _Timed(loader, name)
                return spec
            return None

    class _Timed:
        def __init__(self, loader, name):
            self._loader, self._name = loader, name

        def __getattr__(self, attr):
            return getattr(self._loader, attr)

        def create_module(self, spec):
            create = getattr(self._loader, "create_module", None)
            return create(spec) if create else None

        def exec_module(self, module):
            stage_of.setdefault(self._name, stage[0])
            stack.append([self._name, rss(), 0])
            try:
                self._loader.exec_module(module)
            finally:
                name, start, children = stack.pop()
                total = rss() - start
                exclusive[name] += total - children
                if stack:
                    stack[-1][2] += total

    sys.meta_path.insert(0, Measuring())
    spec = json.loads(Path(spec_path).read_text())
    stages = [("interpreter", rss())]
    import django

    stage[0] = "django.setup"
    django.setup()
    stages.append(("django.setup()", rss()))
    try:  # as `pledgedesk serve` does before forking its workers (absent in older code)
        from pledgedesk.server import use_holiday_store
    except ImportError:
        pass
    else:
        use_holiday_store()
        stages.append(("pledgedesk.server, holiday store", rss()))
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()
    stage[0] = "URLs"
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every URL module
    stages.append(("URL configuration", rss()))
    for name, path, headers, cookies in spec["pages"]:
        stage[0] = name
        _wsgi_get(app, path, headers, cookies)
        stages.append((name, rss()))
    by_package: collections.Counter = collections.Counter()
    first_stage: dict[str, str] = {}
    for module, grew in exclusive.items():
        parts = module.split(".")
        depth = 3 if parts[0] == "django" and len(parts) > 1 and parts[1] == "contrib" else 2
        key = ".".join(parts[:depth]) if parts[0] in ("django", "pledgedesk") else parts[0]
        by_package[key] += grew
        first_stage.setdefault(key, stage_of[module])
    print(json.dumps({
        "stages": [(name, size / 2**20) for name, size in stages],
        "packages": [(key, size / 2**20, first_stage[key])
                     for key, size in by_package.most_common(spec["top"])],
        "loaded": sorted({m.split(".")[0] for m in sys.modules}),
        "modules": {m: (size / 2**20, stage_of[m]) for m, size in exclusive.items()},
    }))
    return 0


def _wsgi_get(app, path: str, headers: dict, cookies: dict) -> None:
    from wsgiref.util import setup_testing_defaults

    route, _, query = path.partition("?")
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": route, "QUERY_STRING": query,
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
               "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr}
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    if cookies:
        environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    setup_testing_defaults(environ)
    status = []
    body = app(environ, lambda s, h, exc=None: status.append(s))
    try:
        b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close:
            close()
    if not status[0].startswith("200"):
        raise RuntimeError(f"GET {path}: {status[0]}")


# --- the run ------------------------------------------------------------------------------------


def run(args) -> int:
    signal.signal(signal.SIGTERM, db._raise_interrupt)
    cleanup = db.Cleanup()
    work = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    if args.keep:
        print(f"keeping {work} (data dir, server logs, profile.json)")
    else:
        cleanup.push(f"remove {work}", lambda: shutil.rmtree(work, ignore_errors=True))
    try:
        return _run(args, cleanup, work)
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        cleanup.run()


def _run(args, cleanup, work: Path) -> int:
    load_start = db.load_average()
    data_dir = work / "data"
    data_dir.mkdir()
    db.log(f"migrating and seeding ({args.database_url or 'SQLite in ' + str(data_dir)})")
    db.django_start(data_dir, args.database_url)
    from django.db import connections

    built = build(datetime.now(UTC).replace(microsecond=0))
    connections.close_all()
    page_list = pages(built)
    env = dict(os.environ, PLEDGEDESK_DATA_DIR=str(data_dir))
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)

    sides, masters = db.serve_sides(env, args.workers, work, cleanup, port=args.port,
                                    baseline_root=args.baseline_root,
                                    baseline_port=args.baseline_port)
    fresh = {side: {pid: smaps(pid) for pid in worker_pids(m)} for side, m in masters.items()}
    for _root, port in sides.values():
        serve_pages(port, page_list, clients=2 * args.workers, repeats=args.repeats)
    print()
    print(f"memory_bench: {args.workers} web workers per side; pages served {args.repeats} "
          f"times by each of {2 * args.workers} clients: " + ", ".join(p[0] for p in page_list))
    print(f"load average at start {load_start}, at end {db.load_average()}")
    print("MiB            RSS     PSS     USS   (RSS before any request)")
    for side, master in masters.items():
        m = smaps(master.pid)
        print(f"{side} master  {m['rss']:7.1f} {m['pss']:7.1f} {m['uss']:7.1f}")
        for pid in worker_pids(master):
            w = smaps(pid)
            before = fresh[side].get(pid, {}).get("rss")
            print(f"{side} worker  {w['rss']:7.1f} {w['pss']:7.1f} {w['uss']:7.1f}   "
                  + (f"({before:.1f})" if before is not None else "(new worker)")
                  + ("" if w["rss"] < TARGET_RSS_MIB else f"   over {TARGET_RSS_MIB} MiB"))
    print(f"target (issue 20): every web worker's RSS under {TARGET_RSS_MIB} MiB")
    if args.modules:
        profile(args, sides, env, page_list, work)
    return 0


def profile(args, sides, env, page_list, work: Path) -> None:
    import subprocess

    spec = work / "profile.json"
    spec.write_text(json.dumps({"pages": page_list, "top": args.top}))
    for side, (root, _port) in sides.items():
        child_env = dict(env, DJANGO_SETTINGS_MODULE="pledgedesk.project.settings")
        out = subprocess.run(
            [str(db._project_python(root)), str(Path(__file__).resolve()), "_profile",
             str(spec)], env=child_env, cwd=root, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"{side}: module profile failed:\n{out.stderr[-3000:]}")
            continue
        result = json.loads(out.stdout.strip().splitlines()[-1])
        if args.modules_json:
            Path(f"{args.modules_json}.{side}.json").write_text(json.dumps(result, indent=1))
        print(f"\n{side}: RSS by stage (one process, WSGI called directly)")
        for name, size in result["stages"]:
            print(f"  {size:7.1f} MiB  after {name}")
        print(f"{side}: packages whose import grew RSS most (exclusive MiB, stage first loaded)")
        for key, size, first in result["packages"]:
            print(f"  {size:7.2f}  {key:<34} {first}")
        wanted = ("huey", "redis", "numpy", "holidays", "ninja", "icalendar", "urllib3",
                  "imap_tools", "unittest")
        print(f"{side}: loaded of {', '.join(wanted)}: "
              + (", ".join(m for m in wanted if m in result["loaded"]) or "none"))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_profile"]:
        root = Path.cwd()
        sys.path.insert(0, str(root))
        return profile_child(argv[1])
    global db
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import desk_bench as db

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("MEMORY_BENCH_DATABASE_URL"),
                        help="an empty database to use (default: SQLite in a temp dir; "
                        "$MEMORY_BENCH_DATABASE_URL)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5, help="per page and client")
    parser.add_argument("--port", type=int, default=int(os.environ.get("MEMORY_BENCH_PORT", 0)))
    parser.add_argument("--baseline-root", help="a checkout of the code before, served too")
    parser.add_argument("--baseline-port", type=int,
                        default=int(os.environ.get("MEMORY_BENCH_BASELINE_PORT", 0)))
    parser.add_argument("--modules", action="store_true",
                        help="also profile which packages the pages load (child process)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and its data")
    parser.add_argument("--modules-json", help="write every module's figures to PATH.SIDE.json")
    args = parser.parse_args(argv)
    if args.database_url and not re.match(r"^(postgres|postgresql)://", args.database_url):
        parser.error("--database-url: a postgres:// URL (SQLite is the default)")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
