"""A real ``pledgedesk mail fetch`` killed with SIGKILL in the middle of a 1,000-message IMAP
ingest from Dovecot, then the worker's task run after the leases ran out: every message has
exactly one outcome, none lost, none doubled.

The processes share a database of their own (a fresh SQLite data directory, or a fresh
PostgreSQL database on the server the suite runs on), not the test process's test database.
``PLEDGEDESK_KILL_TEST_MESSAGES`` changes the count (default 1,000).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from imap_tools import AND, MailBoxUnencrypted

from pledgedesk.channels.parsing import message_id_of, parse_mail
from tests.channels import dovecot
from tests.channels.mails import MIX_OUTCOMES, People, mix
from tests.foundation.helpers import COMMAND, environment

pytestmark = pytest.mark.slow
COUNT = int(os.environ.get("PLEDGEDESK_KILL_TEST_MESSAGES", "1000"))
ROOT = Path(__file__).resolve().parents[2]
RUNNER = [sys.executable, "-m", "tests.channels.kill_runner"]
FOLDER = "Killed"


@pytest.fixture
def database(tmp_path):
    """The environment of the processes: the suite's kind of database, a fresh one."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield environment(tmp_path / "data")
        return
    parts = urlsplit(url)
    name = f"pd_kill_{os.getpid()}"
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield environment(tmp_path / "data", DATABASE_URL=urlunsplit(parts._replace(
            path=f"/{name}")))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(args: list[str], env: dict) -> str:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _mailbox(server) -> MailBoxUnencrypted:
    return MailBoxUnencrypted("127.0.0.1", server.port).login(dovecot.USER, dovecot.PASSWORD)


def test_a_fetch_killed_mid_ingest_loses_and_doubles_nothing(imap_server, database):
    started = time.monotonic()
    env = {**database, "PLEDGEDESK_IMAP_URL": imap_server.url.replace("/INBOX", f"/{FOLDER}")}
    _run([*COMMAND, "manage", "migrate", "-v0"], env)
    people = People(**json.loads(_run([*RUNNER, "seed"], env)))
    messages = mix(COUNT, people, tag="killed")
    with _mailbox(imap_server) as box:
        if FOLDER in [f.name for f in box.folder.list()]:
            box.folder.delete(FOLDER)
        box.folder.create(FOLDER)
        for _kind, raw in messages:
            box.append(raw, FOLDER, flag_set=())

    printed = _fetch_until_killed(env, after=COUNT // 3)
    _run([*RUNNER, "poll", "11"], env)  # the worker, after both leases ran out
    _run([*RUNNER, "poll", "12"], env)  # and its next tick: nothing more to do

    found = json.loads(_run([*RUNNER, "rows", ], env))
    _check(messages, found, printed)
    with _mailbox(imap_server) as box:
        box.folder.set(FOLDER)
        assert box.uids(AND(seen=False)) == []  # every message marked, after it was stored
    print(f"\n{COUNT} messages, killed after {printed} outcomes: "
          f"{time.monotonic() - started:.1f} s")


def _fetch_until_killed(env: dict, *, after: int) -> int:
    """Start ``pledgedesk mail fetch``; SIGKILL it once it printed ``after`` outcomes."""
    process = subprocess.Popen([*COMMAND, "mail", "fetch"], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    printed = 0
    try:
        for line in process.stdout:
            json.loads(line)
            printed += 1
            if printed == after:
                os.kill(process.pid, signal.SIGKILL)
                break
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, process.stderr.read()[-3000:]
    return printed


def _check(messages, found: dict, printed: int) -> None:
    rows = {mid: (state, number, message) for mid, state, number, message in found["rows"]}
    ids = [message_id_of(raw) for _kind, raw in messages]
    # None lost, none doubled: one row per message (Message-ID + hash is unique) ...
    assert len(found["rows"]) == len(set(ids)) == COUNT
    assert set(rows) == set(ids)
    # ... each with the one outcome its kind gets, none left mid-way.
    wrong = [(kind, rows[mid][0]) for (kind, _raw), mid in zip(messages, ids, strict=True)
             if rows[mid][0] != MIX_OUTCOMES[kind]]
    assert wrong == [], Counter(wrong)
    # One ticket per message that opens one, one ticket message per message that made one.
    opening = [mid for mid in ids if rows[mid][0] in ("created", "held") and rows[mid][1]]
    assert found["tickets"] == len(opening) == len({rows[mid][1] for mid in opening})
    made = [rows[mid][2] for mid in ids if rows[mid][2] is not None]
    assert found["messages"] == len(made) == len(set(made))
    # Every reply is on its parent's ticket.
    for (kind, raw), mid in zip(messages, ids, strict=True):
        if kind == "reply":
            parent = rows[parse_mail(raw).in_reply_to[0]]
            assert rows[mid][1] == parent[1], (mid, rows[mid], parent)
    assert printed < COUNT  # it really was killed mid-way
