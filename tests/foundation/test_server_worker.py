"""``pledgedesk serve``'s gunicorn worker: a worker busy with a request leaves new connections
to an idle one (issue 5: two clients on two workers otherwise often share one core), and still
takes them when every worker is busy. Real gunicorn, two worker processes, real sockets."""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.foundation.helpers import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--threads", "4", "--worker-class", "pledgedesk.http_worker.IdleFirstWorker",
         "tests.foundation.wsgi_probe:app"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        pids = set()
        deadline = time.monotonic() + 30
        while len(pids) < 2:  # both workers booted and answering
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "gunicorn did not start two workers"
            try:
                pids.add(get(port, "/pid"))
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def get(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> str:
    """The answering worker's pid; on a new connection unless ``conn`` is given."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        return conn.getresponse().read().decode()
    finally:
        if own:
            conn.close()


def hold(port: int, seconds: float) -> tuple[str, threading.Thread]:
    """Keep one worker busy for ``seconds``: learn which worker owns a kept-alive connection,
    then run a slow request on it. Returns that worker's pid."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    pid = get(port, "/pid", conn)
    thread = threading.Thread(target=get, args=(port, f"/slow?s={seconds}", conn))
    thread.start()
    time.sleep(0.3)  # the slow request is running
    return pid, thread


def test_new_connections_go_to_the_idle_worker(server):
    busy, thread = hold(server, 3)

    answered_by = []
    for _ in range(20):
        answered_by.append(get(server, "/pid"))
        # Not back to back: the idle worker is still finishing the last answer (access log,
        # bookkeeping) when a client that reconnects at once arrives, and counts as busy.
        time.sleep(0.02)

    thread.join()
    # The stock gthread worker takes about half of them: its main loop is free while the slow
    # request sleeps. A scheduling hiccup of more than 1 ms may let one through.
    assert answered_by.count(busy) <= 2, answered_by


def test_a_connection_is_still_taken_when_every_worker_is_busy(server):
    first, t1 = hold(server, 4)
    second, t2 = hold(server, 4)
    assert first != second  # the second slow request went to the idle worker

    started = time.monotonic()
    pid = get(server, "/pid")
    waited = time.monotonic() - started

    t1.join()
    t2.join()
    assert pid in (first, second)
    assert waited < 2, f"a new connection waited {waited:.1f} s for a free worker"
