"""Slow clients cannot take ``pledgedesk serve`` offline (issue 13): a hundred connections
dribbling their headers or their bodies one byte a second leave ``/healthz`` answering, and
each is closed once its read time-out has passed. The real command, two workers."""

from __future__ import annotations

import contextlib
import selectors
import socket
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.foundation.helpers import COMMAND, environment, free_port, wait_for_http

pytestmark = pytest.mark.slow
HEADER_TIMEOUT = 3
BODY_TIMEOUT = 3
SLOW = 50  # of each kind


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = environment(tmp_path, PLEDGEDESK_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
                      PLEDGEDESK_BODY_TIMEOUT=str(BODY_TIMEOUT))
    log = tmp_path / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen([*COMMAND, "serve", "--port", str(port), "--workers", "2"],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process)
        # Each worker's first request loads the URLs and the API schema (about a second here):
        # done before the clock starts.
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: healthz_seconds(port), range(16)))
        yield port
    finally:
        process.kill()
        process.wait(timeout=30)


class Dribbler:
    """Slow connections, each sent its opening bytes and then one more byte a second."""

    def __init__(self, port: int):
        self.port = port
        self.selector = selectors.DefaultSelector()
        self.opened: dict[socket.socket, float] = {}
        self.closed: dict[str, list[float]] = {"header": [], "body": []}
        self.answers: dict[str, list[bytes]] = {"header": [], "body": []}

    def open(self, kind: str, opening: bytes) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.sendall(opening)
        sock.setblocking(False)
        self.opened[sock] = time.monotonic()
        self.selector.register(sock, selectors.EVENT_READ, [kind, b""])

    def step(self, seconds: float) -> None:
        """Send one byte on every open connection, then watch them for ``seconds``."""
        for key in list(self.selector.get_map().values()):
            with contextlib.suppress(OSError):  # closed by the server: seen when read below
                key.fileobj.send(b"a")
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            for key, _ in self.selector.select(left):
                self._read(key)

    def _read(self, key) -> None:
        sock, (kind, _) = key.fileobj, key.data
        try:
            data = sock.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            key.data[1] += data
            return
        self.selector.unregister(sock)
        self.closed[kind].append(time.monotonic() - self.opened.pop(sock))
        self.answers[kind].append(key.data[1])
        sock.close()

    def open_count(self) -> int:
        return len(self.opened)

    def still_open(self) -> list:
        """(kind, bytes received) of each connection the server has not closed."""
        return [tuple(key.data) for key in self.selector.get_map().values()]


def server_errors(log) -> list[str]:
    return [line for line in log.read_text().splitlines()
            if "ERROR" in line or "Traceback" in line or "Error" in line][-20:]


def healthz_seconds(port: int) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        assert response.status == 200
    return time.monotonic() - started


def test_a_hundred_slow_clients_leave_the_desk_answering_and_are_cut_off(server, tmp_path):
    slow = Dribbler(server)
    for _ in range(SLOW):
        slow.open("header", b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        slow.open("body", b"POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")

    opened = time.monotonic()

    waits = []
    while time.monotonic() - opened < min(HEADER_TIMEOUT, BODY_TIMEOUT) - 1:
        slow.step(0.3)
        waits.append(healthz_seconds(server))
    still_open = slow.open_count()  # no time-out has passed yet
    for _ in range(6):  # past both time-outs, still one byte a second
        slow.step(1.0)

    assert max(waits) < 2, f"/healthz took {max(waits):.1f} s with {2 * SLOW} slow clients"
    assert still_open == 2 * SLOW
    assert slow.open_count() == 0, (f"still open: {slow.still_open()}; server log: "
                                    f"{server_errors(tmp_path / 'server.log')}")
    assert max(slow.closed["header"]) < HEADER_TIMEOUT + 1.5, slow.closed["header"]
    assert max(slow.closed["body"]) < BODY_TIMEOUT + 1.5, slow.closed["body"]
    assert all(answer.startswith(b"HTTP/1.1 408") for answer in slow.answers["body"])
    assert healthz_seconds(server) < 2
