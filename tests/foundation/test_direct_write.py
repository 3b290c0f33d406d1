"""Issue 20: a pool thread of ``pledgedesk serve``'s worker writes a small complete response
itself (``http_worker._DirectWrite``) instead of waking the event loop to write it. The bytes
are gunicorn's framing; what the socket does not take at once is left for the loop; anything
that is not a plain response with a matching Content-Length goes through the loop as before.
Real gunicorn, real sockets."""

from __future__ import annotations

import os
import socket

import pytest

from pledgedesk.http_worker import _DirectWrite, _plain_response
from tests.foundation.test_server_worker import gunicorn  # noqa: F401 (the probe server)


def _messages(body: bytes, headers=None) -> list[dict]:
    headers = headers if headers is not None else [
        (b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    return [{"type": "http.response.start", "status": 200, "headers": headers},
            {"type": "http.response.body", "body": body, "more_body": True},
            {"type": "http.response.body", "body": b"", "more_body": False}]


def test_a_plain_response_is_framed_as_gunicorn_frames_it():
    data = _plain_response(_messages(b"hello"), close=False)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 200 OK"
    assert lines[1:3] == [b"content-type: text/plain", b"content-length: 5"]
    assert b"Server: gunicorn/asgi" in lines and any(line.startswith(b"Date: ") for line in lines)
    assert b"Connection: close" not in lines
    assert body == b"hello"
    assert b"Connection: close" in _plain_response(_messages(b"x"), close=True).split(b"\r\n")


@pytest.mark.parametrize("messages", [
    _messages(b"hello", headers=[(b"content-type", b"text/plain")]),  # no length: chunked
    _messages(b"hello", headers=[(b"content-length", b"4")]),  # a length that lies
    _messages(b"hello", headers=[(b"content-length", b"5"), (b"transfer-encoding", b"chunked")]),
    _messages(b"hello", headers=[(b"content-length", b"5"), (b"x-bad", b"a\r\nb")]),
    [{"type": "http.response.start", "status": 204, "headers": []},
     {"type": "http.response.body", "body": b"", "more_body": False}],
])
def test_anything_else_goes_through_the_loop(messages):
    assert _plain_response(messages, close=False) is None


def test_what_a_full_socket_does_not_take_is_left_for_the_loop():
    ours, theirs = socket.socketpair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    ours.setblocking(False)
    body = os.urandom(1 << 20)
    direct = _DirectWrite(None, os.dup(ours.fileno()), close=False)
    try:
        written = direct.write(_messages(body))
    finally:
        direct.close_fd()
    assert written is not None and written.rest  # 1 MiB does not fit a 4 KiB buffer
    theirs.setblocking(False)
    received = b""
    while True:
        try:
            chunk = theirs.recv(1 << 20)
        except BlockingIOError:
            break
        if not chunk:
            break
        received += chunk
    whole = _plain_response(_messages(body), close=False)
    assert received + written.rest == whole  # nothing lost, nothing twice
    ours.close()
    theirs.close()


def _read_responses(sock: socket.socket, count: int) -> list[tuple[bytes, dict, bytes]]:
    """``count`` responses off ``sock``, framed by their Content-Length."""
    data, out = b"", []
    sock.settimeout(20)
    while len(out) < count:
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head, _, data = data.partition(b"\r\n\r\n")
        status, *lines = head.split(b"\r\n")
        headers = {k.lower(): v for k, v in (line.split(b": ", 1) for line in lines)}
        size = int(headers[b"content-length"])
        while len(data) < size:
            data += sock.recv(65536)
        out.append((status, headers, data[:size]))
        data = data[size:]
    assert data == b""
    return out


@pytest.mark.slow
def test_kept_alive_and_pipelined_requests_get_their_own_answers_in_order(request):
    port = request.getfixturevalue("gunicorn").port  # two workers serving the probe app
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for _ in range(50):  # one after another on one connection
            sock.sendall(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")
            [(status, headers, body)] = _read_responses(sock, 1)
            assert status == b"HTTP/1.1 200 OK" and body.isdigit()
            assert headers[b"server"] == b"gunicorn/asgi" and b"connection" not in headers
        # Pipelined: a large (streamed, through the loop) answer between two small ones.
        sock.sendall(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /big?kb=600 HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")
        first, big, last = _read_responses(sock, 3)
        assert first[2].isdigit() and last[2] == first[2]
        assert big[2] == b"x" * 600 * 1024
        sock.sendall(b"GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        [(_status, headers, _body)] = _read_responses(sock, 1)
        assert headers[b"connection"] == b"close"
        assert sock.recv(1) == b""  # and the server closed it
