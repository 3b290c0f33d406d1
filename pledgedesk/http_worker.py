"""The gunicorn worker ``pledgedesk serve`` runs: an asyncio event loop that reads each request
whole, with time limits, in front of a thread pool that runs the WSGI application.

Imports nothing but gunicorn, a2wsgi and the standard library, so that the issue 5 benchmark can
give the peer's gunicorn the same worker.

Why not gunicorn's threaded worker: it hands a connection to a thread as soon as its first byte
arrives, and the thread then reads the headers with no time limit. Eight connections sending one
header byte every three seconds held all eight threads of two workers and ``/healthz`` stopped
answering (issue 13). Here the loop reads the headers (within the keep-alive time-out, which
gunicorn's protocol applies to every request but the first, and this worker to the first too)
and the body (within ``body_timeout``, up to ``max_body_bytes``, spooled to a temporary file past
1 MiB) before a thread is involved: a slow client costs a few kilobytes, not a thread.

Other choices, read in their sources: uvicorn and gunicorn's own ASGI worker start no timer
before the first request's headers; gunicorn's gthread has none once a byte has come; hypercorn
times the headers but runs one process per worker with no master that replaces a dead worker,
and accepts greedily (see ``BUSY_ACCEPT_DELAY``). Django's own ASGI handler runs each request in
a new thread, which loses the per-thread persistent database connection the desk relies on
(issue 5); a2wsgi's fixed pool keeps it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import tempfile

from a2wsgi import WSGIMiddleware
from gunicorn.asgi.protocol import ASGIProtocol
from gunicorn.workers.gasgi import ASGIWorker

# How long a worker that is running a request (or holds a new connection whose first request
# has not come yet) waits before accepting a connection, so that an idle worker takes it first.
# Every worker watches the same listening socket and the kernel wakes them all; a kept-alive
# connection then stays with the worker that accepted it. Accepting greedily, two clients
# often both landed on one of two workers while the other idled: one core's throughput for
# the whole run (issue 5 benchmark: 110 against 200 tickets/s). When every worker is busy the
# connection is still accepted, 1 ms later.
BUSY_ACCEPT_DELAY = 0.001
# Defaults for the whole body of one request, from its first byte after the headers.
BODY_TIMEOUT = 60.0
MAX_BODY_BYTES = 101 * 1024 * 1024  # ten full attachments and the form around them
SPOOL_IN_MEMORY = 1024 * 1024  # a body larger than this waits for its thread on disk
REPLAY_CHUNK = 256 * 1024
HEARTBEAT = 0.5  # seconds between notices to the master and checks that it is still there
RETRY_ACCEPT = 0.05  # at the connection limit, look again after this long


class EventLoopWorker(ASGIWorker):
    """Gunicorn's asyncio worker, serving a WSGI application from ``cfg.threads`` threads.

    Differences from the stock ``ASGIWorker``: the headers of a connection's first request
    are timed like those of later ones; the application is a WSGI one behind
    :class:`WholeRequest`; connections are accepted one at a time, idle worker first; and a
    worker whose master has gone stops listening at once and exits (the stock workers finished
    their graceful time-out first and kept the port for ten seconds or more, issue 13).
    Relies on gunicorn 27's ``ASGIWorker`` and ``ASGIProtocol`` (pinned in pyproject.toml).
    """

    body_timeout = BODY_TIMEOUT
    max_body_bytes = MAX_BODY_BYTES

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.busy = 0  # requests in the thread pool + connections before their first request
        self._listening: list[socket.socket] = []

    @classmethod
    def check_config(cls, cfg, log):
        """The stock worker warns that it ignores ``threads``; this one uses them."""

    def load_wsgi(self):
        pool = WSGIMiddleware(self.app.wsgi(), workers=self.cfg.threads)
        self.asgi = WholeRequest(pool, worker=self)
        self.cfg.set("asgi_lifespan", "off")  # a WSGI application has no lifespan events

    async def _serve(self):
        self._listening = [s.sock for s in self.sockets]
        for listener in self._listening:
            listener.setblocking(False)
            self.loop.add_reader(listener.fileno(), self._on_listener_ready, listener)
        try:
            while self.alive:
                self.notify()
                if self.ppid != os.getppid():
                    self.log.warning("Master %s has gone: worker %s exits", self.ppid, self.pid)
                    self._quick_shutdown = True
                    break
                await asyncio.sleep(HEARTBEAT)
        except asyncio.CancelledError:
            pass
        finally:
            self._stop_listening()
        await self._shutdown()

    def _stop_listening(self) -> None:
        """Close this worker's copies of the listening sockets now: the port is free once the
        master and every worker have closed theirs."""
        for listener in self._listening:
            with contextlib.suppress(OSError, ValueError):
                self.loop.remove_reader(listener.fileno())
            listener.close()
        self._listening = []

    def _on_listener_ready(self, listener: socket.socket) -> None:
        if self.nr_conns >= self.worker_connections:
            self._pause(listener, RETRY_ACCEPT)
        elif self.busy:
            self._pause(listener, BUSY_ACCEPT_DELAY, accept=True)
        else:
            self._accept(listener)

    def _pause(self, listener: socket.socket, delay: float, *, accept: bool = False) -> None:
        self.loop.remove_reader(listener.fileno())
        self.loop.call_later(delay, self._resume, listener, accept)

    def _resume(self, listener: socket.socket, accept: bool) -> None:
        if listener not in self._listening:  # stopped meanwhile
            return
        if accept:
            self._accept(listener)
        self.loop.add_reader(listener.fileno(), self._on_listener_ready, listener)

    def _accept(self, listener: socket.socket) -> None:
        try:
            conn, _address = listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return  # another worker was quicker
        conn.setblocking(False)
        if conn.family in (socket.AF_INET, socket.AF_INET6):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.loop.create_task(self._connect(conn))

    async def _connect(self, conn: socket.socket) -> None:
        try:
            await self.loop.connect_accepted_socket(lambda: _Protocol(self), conn)
        except OSError:
            conn.close()


class _Protocol(ASGIProtocol):
    """Gunicorn's HTTP/1.1 protocol, with the keep-alive timer also running from the moment a
    connection is made until its first request's headers are complete (gunicorn cancels the
    timer there), and with the connection counted as busy until then."""

    def __init__(self, worker: EventLoopWorker):
        super().__init__(worker)
        self._fresh = False
        app = self.app

        async def first_request_settles(scope, receive, send):
            self._settle()
            await app(scope, receive, send)

        self.app = first_request_settles

    def connection_made(self, transport):
        super().connection_made(transport)
        self._fresh = True
        self.worker.busy += 1
        if self._request_ready is not None:  # HTTP/1 (not a TLS HTTP/2 connection)
            self._arm_keepalive_timer()

    def connection_lost(self, exc):
        self._settle()
        super().connection_lost(exc)

    def _settle(self) -> None:
        if self._fresh:
            self._fresh = False
            self.worker.busy -= 1


class WholeRequest:
    """ASGI middleware: reads a request's whole body in the event loop, within the worker's
    ``body_timeout`` and up to its ``max_body_bytes``, and only then calls the application.

    A declared length over the limit is refused at once (413) without reading; a body that
    grows past it is refused when it does; a body still incomplete at the deadline gets a 408.
    Either way the connection is closed.
    """

    def __init__(self, app, *, worker: EventLoopWorker):
        self.app = app
        self.worker = worker

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.worker.max_body_bytes
        if _declared_length(scope) > limit:
            return await _refuse(send, 413, "too_large",
                                 f"the request body is larger than {limit} bytes")
        try:
            async with asyncio.timeout(self.worker.body_timeout):
                body = await _read_body(receive, limit)
        except TimeoutError:
            return await _refuse(send, 408, "request_timeout",
                                 f"the request body did not arrive within "
                                 f"{self.worker.body_timeout} seconds")
        if body is None:  # the client went away
            return None
        if body is False:
            return await _refuse(send, 413, "too_large",
                                 f"the request body is larger than {limit} bytes")
        self.worker.busy += 1
        try:
            await self.app(scope, _replay(body, receive), send)
        finally:
            self.worker.busy -= 1
            if not isinstance(body, bytes):
                body.close()


def _declared_length(scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # gunicorn's parser refuses a malformed length before this
    return 0


async def _read_body(receive, limit: int):
    """The body: bytes when it came in one piece (most requests), else a spooled temporary
    file positioned at its start; None if the client disconnected; False once more than
    ``limit`` bytes came."""
    message = await receive()
    if message["type"] == "http.disconnect":
        return None
    first = message.get("body", b"")
    if not message.get("more_body", False):
        return first if len(first) <= limit else False
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    spool.write(first)
    size = len(first)
    while message.get("more_body", False):
        message = await receive()
        if message["type"] == "http.disconnect":
            spool.close()
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            spool.close()
            return False
        spool.write(chunk)
    spool.seek(0)
    return spool


def _replay(body, receive):
    """An ASGI ``receive`` that hands out the buffered body, then waits for a disconnect."""
    total = len(body) if isinstance(body, bytes) else _size(body)
    done = False

    async def replayed():
        nonlocal done
        if done:
            return await receive()
        chunk = body if isinstance(body, bytes) else body.read(REPLAY_CHUNK)
        done = isinstance(body, bytes) or body.tell() >= total
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return replayed


def _size(spool) -> int:
    end = spool.seek(0, os.SEEK_END)
    spool.seek(0)
    return end


async def _refuse(send, status: int, code: str, message: str) -> None:
    payload = json.dumps({"code": code, "message": message, "field": None}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})
