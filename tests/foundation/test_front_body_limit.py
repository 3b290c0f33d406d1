"""The server's event loop refuses a body over its route's own limit on the declared length,
before reading any of it (issue 13). Before, it read up to its own 101 MiB first, so a 50 MiB
upload to a one-file API route was read whole before Django refused it."""

from __future__ import annotations

import socket
import subprocess
import time

import pytest

from tests.foundation.helpers import COMMAND, environment, free_port, wait_for_http

pytestmark = pytest.mark.slow
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("front")
    port = free_port()
    env = environment(tmp, PLEDGEDESK_BODY_TIMEOUT="20")
    with (tmp / "server.log").open("w") as out:
        process = subprocess.Popen([*COMMAND, "serve", "--port", str(port), "--workers", "1"],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process)
        yield port
    finally:
        process.kill()
        process.wait(timeout=30)


def declared_only(port: int, path: str, length: int, content_type: str) -> tuple[bytes, float]:
    """Send the headers of a ``length``-byte POST and no body; return the answer's status line
    and how long it took."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}"
                     f"\r\nContent-Length: {length}\r\n\r\n".encode())
        answer = sock.recv(4096)
        return answer.split(b"\r\n", 1)[0], time.monotonic() - started


@pytest.mark.parametrize(("path", "length", "content_type"), [
    ("/api/v1/tickets/1/attachments", 50 * MIB, "multipart/form-data; boundary=x"),
    ("/api/v1/tickets", 50 * MIB, "application/json"),
    ("/portal/sign-in/", 20 * MIB, "application/x-www-form-urlencoded"),
])
def test_a_body_over_the_routes_limit_is_refused_before_it_is_read(port, path, length,
                                                                   content_type):
    status, seconds = declared_only(port, path, length, content_type)
    assert status == b"HTTP/1.1 413 Request Entity Too Large" or status.startswith(
        b"HTTP/1.1 413")
    assert seconds < 5  # answered on the headers, not after the 20 s body time-out


def test_a_body_within_the_routes_limit_is_waited_for(port):
    """A 5 MiB upload fits the attachment route (10 MiB): the server waits for its body."""
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(b"POST /api/v1/tickets/1/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: multipart/form-data; boundary=x\r\n"
                     + f"Content-Length: {5 * MIB}\r\n\r\n".encode())
        with pytest.raises(TimeoutError):
            sock.recv(4096)
