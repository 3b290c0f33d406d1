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
import io
import json
import os
import queue
import socket
import tempfile
import threading
from concurrent.futures import TimeoutError as FuturesTimeout

from a2wsgi.wsgi import build_environ
from gunicorn.asgi import protocol as gunicorn_protocol
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
STREAM_AFTER = 256 * 1024  # a response larger than this goes to the loop in parts
HEARTBEAT = 0.5  # seconds between notices to the master and checks that it is still there
RETRY_ACCEPT = 0.05  # at the connection limit, look again after this long
# Where a request's scope carries its _DirectWrite (a key no ASGI server or application uses).
DIRECT = "pledgedesk.direct_write"


class EventLoopWorker(ASGIWorker):
    """Gunicorn's asyncio worker, serving a WSGI application from ``cfg.threads`` threads.

    Differences from the stock ``ASGIWorker``: the headers of a connection's first request
    are timed like those of later ones; the application is a WSGI one behind
    :class:`WholeRequest`; connections are accepted one at a time, idle worker first; and a
    worker whose master has gone stops listening at once and exits (gunicorn's threaded workers
    finished their graceful time-out first and kept the port for ten seconds or more, issue 13).
    Relies on gunicorn 27's ``ASGIWorker`` and ``ASGIProtocol`` (pinned in pyproject.toml).
    """

    body_timeout = BODY_TIMEOUT
    max_body_bytes = MAX_BODY_BYTES

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.busy = 0  # requests in the thread pool + connections before their first request
        self.connections: set[_Protocol] = set()
        self._listening: list[socket.socket] = []
        self.route_limit = None  # set by load_wsgi once the application is loaded
        self.route_floor = 0

    @classmethod
    def check_config(cls, cfg, log):
        """The stock worker warns that it ignores ``threads``; this one uses them."""

    def run(self):
        super().run()
        if self.ppid != os.getppid():
            # No master is left to stop this process: exit now rather than at the interpreter's
            # exit, which waits for every pool thread, however long its request takes.
            self.log.info("Worker exiting (pid: %s)", self.pid)
            os._exit(0)

    def load_wsgi(self):
        pool = ThreadPoolWSGI(self.app.wsgi(), threads=self.cfg.threads)
        self.asgi = WholeRequest(pool, worker=self)
        self.cfg.set("asgi_lifespan", "off")  # a WSGI application has no lifespan events
        self.route_limit, self.route_floor = _route_limit()

    def body_limit(self, path: str, declared: int | None) -> int:
        """The most this request may send: the route's own limit when the application names
        one, never more than ``max_body_bytes``. An upload over its route's limit is refused
        on its declared length before a byte is read, not after 101 MiB (issue 13). A body
        declared within what every route takes (most requests) needs no route look-up, which
        cost a tenth of the loop's time per request."""
        if self.route_limit is None or (declared is not None and declared <= self.route_floor):
            return self.max_body_bytes
        try:
            return min(self.max_body_bytes, self.route_limit(path))
        except Exception:  # a path the application cannot resolve: its own answer will say so
            self.log.exception("no body limit for %r; using the server's", path)
            return self.max_body_bytes

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
            self._close_idle_connections()
        await self._shutdown()

    def _close_idle_connections(self) -> None:
        """A stopping worker waits for the requests under way, not for kept-alive connections
        that may never send another: those are closed now (else a browser's idle connection
        held a graceful stop for the whole header time-out)."""
        for protocol in list(self.connections):
            if protocol.idle():
                protocol.close_idle()

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
        self.loop.add_reader(listener.fileno(), self._on_listener_ready, listener)
        if accept:
            self._accept(listener)

    def _accept(self, listener: socket.socket) -> None:
        try:
            conn, _address = listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return  # another worker was quicker
        except OSError as exc:  # out of file descriptors, say: try again shortly
            self.log.warning("Cannot accept a connection: %s", exc)
            self._pause(listener, RETRY_ACCEPT)
            return
        conn.setblocking(False)
        if conn.family in (socket.AF_INET, socket.AF_INET6):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Busy from this instant, not from connection_made two loop turns later: a second
        # connection already waiting would otherwise be accepted here too, before an idle
        # worker could take it (both benchmark clients on one worker in most rounds).
        self.busy += 1
        self.loop.create_task(self._connect(conn))

    async def _connect(self, conn: socket.socket) -> None:
        made: list[_Protocol] = []

        def protocol() -> _Protocol:
            made.append(_Protocol(self))
            return made[0]

        try:
            await self.loop.connect_accepted_socket(protocol, conn)
        except Exception:  # a connection nobody serves must not stay open
            self.log.exception("Could not serve a new connection")
            conn.close()
            if not (made and made[0].counted):
                self.busy -= 1


class _Protocol(ASGIProtocol):
    """Gunicorn's HTTP/1.1 protocol, with the keep-alive timer also running from the moment a
    connection is made until its first request's headers are complete (gunicorn cancels the
    timer there), and with the connection counted as busy until then."""

    def __init__(self, worker: EventLoopWorker):
        super().__init__(worker)
        self._fresh = False
        self.counted = False  # holds the busy count its worker took when accepting it
        app = self.app

        async def first_request_settles(scope, receive, send):
            self._settle()
            direct = self._direct_write(scope)
            if direct is not None:
                scope[DIRECT] = direct
            try:
                await app(scope, receive, send)
            finally:
                if direct is not None:
                    direct.release()

        self.app = first_request_settles

    def connection_made(self, transport):
        super().connection_made(transport)
        self.worker.connections.add(self)
        self._fresh = self.counted = True  # the count taken at accept is now this one's
        if self._request_ready is not None:  # HTTP/1 (not a TLS HTTP/2 connection)
            self._arm_keepalive_timer()

    def connection_lost(self, exc):
        self.worker.connections.discard(self)
        self._settle()
        super().connection_lost(exc)

    def idle(self) -> bool:
        """Waiting for a request (not yet started), with no application call running."""
        return self._awaiting_request and not self._finishing_calls

    def close_idle(self) -> None:
        self._keepalive_timeout()  # closes the connection and ends its request loop

    def _settle(self) -> None:
        if self._fresh:
            self._fresh = False
            self.worker.busy -= 1

    def _direct_write(self, scope) -> _DirectWrite | None:
        """What a pool thread needs to write this request's response itself: a plain HTTP/1.1
        connection (no TLS, no uWSGI) with nothing waiting in its write buffer, and not a HEAD
        (whose answer has no body). Decided here, in the loop, like the close decision."""
        request, transport = self._current_request, self.transport
        if (request is None or transport is None or self._uses_uwsgi
                or scope.get("http_version") != "1.1" or scope.get("method") == "HEAD"
                or transport.is_closing() or transport.get_write_buffer_size()
                or transport.get_extra_info("ssl_object") is not None):
            return None
        sock = transport.get_extra_info("socket")
        try:
            fd = os.dup(sock.fileno())
        except (AttributeError, OSError):
            return None
        return _DirectWrite(self, fd, close=self._will_close(request, False))


class WholeRequest:
    """ASGI application: reads a request's whole body in the event loop, within the worker's
    ``body_timeout`` and up to its ``max_body_bytes``, and only then hands the request, its
    body as a file, to a :class:`ThreadPoolWSGI`.

    A declared length over the limit is refused at once (413) without reading; a body that
    grows past it is refused when it does; a body still incomplete at the deadline gets a 408.
    Either way the connection is closed.
    """

    def __init__(self, app, *, worker: EventLoopWorker):
        self.app = app
        self.worker = worker

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return None  # no lifespan or websocket in a WSGI application
        declared = _declared_length(scope)
        limit = self.worker.body_limit(scope["path"], declared)
        if (declared or 0) > limit:
            return await _refuse(send, 413, "too_large",
                                 f"the request body is larger than {limit} bytes")
        deadline = asyncio.get_running_loop().time() + self.worker.body_timeout
        try:
            body = await _read_body(_by(deadline, receive), limit)
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
            await self.app(scope, body, send)
        finally:
            self.worker.busy -= 1
            body.close()


def _route_limit():
    """Pledgedesk's per-route body limits, once Django is loaded; None where the application
    is not Pledgedesk (the benchmark's peer runs this worker too) or not Django at all; and
    what every route takes at least."""
    try:
        from django.apps import apps

        if not apps.ready:
            return None, 0
        from pledgedesk.web.uploads import request_body_floor, request_body_limit
    except ImportError:
        return None, 0
    return request_body_limit, request_body_floor()


def _declared_length(scope) -> int | None:
    """The Content-Length, or None for a body of unknown length (chunked)."""
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # gunicorn's parser refuses a malformed length before this
        if name == b"transfer-encoding":
            chunked = True
    return None if chunked else 0


def _by(deadline: float, receive):
    """``receive``, raising TimeoutError once ``deadline`` (loop time) has passed.

    The deadline is checked before every wait as well as enforced during it: on Python 3.11
    a timeout's cancellation is lost when data arrives in the same instant (asyncio.wait_for,
    which gunicorn's body receiver uses, then returns the data), and a body dribbled one byte
    a second slipped past its deadline that way."""

    async def received():
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise TimeoutError
        async with asyncio.timeout(left):
            return await receive()

    return received


async def _read_body(receive, limit: int):
    """The body as a file positioned at its start (in memory when it came in one piece, as
    most do, else spooled to disk past 1 MiB); None if the client disconnected; False once
    more than ``limit`` bytes came."""
    message = await receive()
    if message["type"] == "http.disconnect":
        return None
    first = message.get("body", b"")
    if not message.get("more_body", False):
        return io.BytesIO(first) if len(first) <= limit else False
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


async def _refuse(send, status: int, code: str, message: str) -> None:
    payload = json.dumps({"code": code, "message": message, "field": None}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})


class ThreadPoolWSGI:
    """Runs a WSGI application in a fixed pool of threads, for a request whose body has been
    read already.

    The threads live as long as the worker, so each keeps its database connection (Django's
    persistent connections are per thread). An ordinary response costs one hand-over between
    the loop and a thread: the thread runs the application and collects the response, and the
    loop writes it. Only a response larger than ``STREAM_AFTER`` is handed over as it is
    produced, the thread waiting for each part to be written (a2wsgi, whose environ this
    uses, hands over every part and waits for each: three times slower on ``/healthz`` here).

    Not ``concurrent.futures.ThreadPoolExecutor``: after waking the loop with a response its
    threads went on running Python (the future's lock and callbacks, the idle semaphore) while
    the loop, just woken to write that response, waited for the interpreter lock. Here waking
    the loop is the last thing a thread does before it waits for its next request; on a busy
    machine each such wait is a trip through the scheduler, on the path of every response.
    The threads are daemons: a stopping worker waits for its requests (graceful time-out),
    not for idle threads.
    """

    def __init__(self, app, *, threads: int):
        self.app = app
        self.size = threads
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.threads: list[threading.Thread] = []

    async def __call__(self, scope, body, send):
        environ = build_environ(scope, body)
        if "CONTENT_LENGTH" not in environ:  # a chunked body, read whole: now its length is known
            environ["CONTENT_LENGTH"] = str(body.seek(0, os.SEEK_END))
            body.seek(0)
        loop = asyncio.get_running_loop()
        if not self.threads:  # started in the worker's own process, on its first request
            self.threads = [threading.Thread(target=self._serve, args=(loop,), daemon=True,
                                             name=f"wsgi_{n}") for n in range(self.size)]
            for thread in self.threads:
                thread.start()
        out = _Outbox(loop, send)
        answered = loop.create_future()
        direct = scope.get(DIRECT)
        self.jobs.put((environ, out, answered, direct))
        answer = await answered
        if isinstance(answer, _Written):
            await answer.account(send)
            return
        for message in answer:
            await send(message)

    def _serve(self, loop) -> None:
        jobs = self.jobs
        while True:
            environ, out, answered, direct = jobs.get()
            try:
                messages = _run_wsgi(self.app, environ, out)
                written = (direct.write(messages) if direct is not None and not out.streamed
                           else None)
                outcome = (_answer, messages if written is None else written)
            except BaseException as exc:  # the loop raises it where the request awaits
                outcome = (_fail, exc)
            finally:
                if direct is not None:
                    direct.close_fd()
            del environ, out, direct
            try:
                loop.call_soon_threadsafe(*outcome, answered)
            except RuntimeError:  # the loop is closed: the worker is stopping
                return
            del outcome, answered


def _answer(messages, answered: asyncio.Future) -> None:
    if not answered.done():  # not cancelled meanwhile (the client went away)
        answered.set_result(messages)


def _fail(exc: BaseException, answered: asyncio.Future) -> None:
    if not answered.done():
        answered.set_exception(exc)


class _Outbox:
    """The ASGI messages of one response, as a thread produces them: kept until the
    application returns, or passed to the loop in parts past ``STREAM_AFTER`` bytes."""

    def __init__(self, loop, send):
        self.loop, self.send = loop, send
        self.messages: list[dict] = []
        self.size = 0
        self.started = False
        self.streamed = False  # parts went to the loop already

    def put(self, message: dict) -> None:
        self.messages.append(message)
        self.size += len(message.get("body", b""))
        if self.size > STREAM_AFTER:
            self.streamed = True
            messages, self.messages, self.size = self.messages, [], 0
            # Raises RuntimeError once the loop is closed: a stopping worker's thread then ends
            # instead of waiting forever for a loop that will not run again.
            sent = asyncio.run_coroutine_threadsafe(_send_all(self.send, messages), self.loop)
            while True:
                try:
                    sent.result(timeout=1)
                    break
                except FuturesTimeout:
                    if self.loop.is_closed():
                        raise ConnectionAbortedError("the worker stopped") from None


async def _send_all(send, messages: list[dict]) -> None:
    for message in messages:
        await send(message)


def _run_wsgi(app, environ: dict, out: _Outbox) -> list[dict]:
    """PEP 3333 in a pool thread; returns the messages not yet handed to the loop."""
    response: dict = {}

    def start_response(status, headers, exc_info=None):
        if exc_info is not None and out.started:
            raise exc_info[1].with_traceback(exc_info[2])
        response["start"] = {
            "type": "http.response.start", "status": int(status.split(" ", 1)[0]),
            "headers": [(name.strip().lower().encode("latin-1"), value.strip().encode("latin-1"))
                        for name, value in headers]}
        return write

    def write(data: bytes) -> None:
        if not out.started:
            out.started = True
            out.put(response["start"])
        if data:
            out.put({"type": "http.response.body", "body": data, "more_body": True})

    iterable = app(environ, start_response)
    try:
        for chunk in iterable:
            write(chunk)
        write(b"")
    finally:
        if hasattr(iterable, "close"):
            iterable.close()
    out.put({"type": "http.response.body", "body": b"", "more_body": False})
    return out.messages


class _DirectWrite:
    """A small complete response written by the pool thread that made it, straight to the
    connection's socket (a ``dup()`` of its descriptor, so the loop closing the connection
    meanwhile cannot hand the number to another one), instead of waking the event loop to
    write it (issue 20). On a loaded machine every wake-up of the loop is a wait for a core:
    the client now has its answer without that wait, and the loop's next turn both settles
    the request and reads the next one.

    The bytes are the ones gunicorn's protocol would write (its status lines, ``Server``,
    ``Date`` and ``Connection: close`` headers, its header checks). Only a response with a
    ``Content-Length`` that matches its body, a status that carries a body, and nothing
    streamed yet, is written so; anything else goes through the loop as before. What the
    socket would not take at once (a full send buffer) the loop writes after it.
    """

    def __init__(self, protocol: _Protocol, fd: int, *, close: bool):
        self.protocol = protocol
        self.fd = fd
        self.close = close
        self._lock = threading.Lock()

    def write(self, messages: list[dict]) -> _Written | None:
        """In the pool thread: the response written (or begun), or None for the loop."""
        data = _plain_response(messages, close=self.close)
        if data is None:
            return None
        with self._lock:
            if self.fd < 0:  # released: the request was given up
                return None
            try:
                sent = os.write(self.fd, data)
            except BlockingIOError:
                sent = 0
            except OSError:  # the client is gone: the loop finds out on its own
                sent = len(data)
        return _Written(self.protocol, messages, data[sent:])

    def close_fd(self) -> None:
        with self._lock:
            if self.fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(self.fd)
                self.fd = -1

    release = close_fd  # the loop's side: the request ended, however


class _Written:
    """A response a pool thread wrote: the loop does the rest of gunicorn's work for it."""

    def __init__(self, protocol: _Protocol, messages: list[dict], rest: bytes):
        self.protocol = protocol
        self.messages = messages
        self.rest = rest

    async def account(self, send) -> None:
        """Run the response through gunicorn's ``send`` (its keep-alive decision, access log,
        request count) with the transport swapped for a sink, since the bytes are out; then
        write what the socket did not take."""
        protocol = self.protocol
        transport = protocol.transport
        protocol.transport = _SINK
        try:
            for message in self.messages:
                await send(message)
        finally:
            protocol.transport = transport
        if self.rest and transport is not None and not transport.is_closing():
            transport.write(self.rest)


class _Sink:
    def write(self, data) -> None:
        pass

    def writelines(self, parts) -> None:
        pass

    def is_closing(self) -> bool:
        return False


_SINK = _Sink()


def _plain_response(messages: list[dict], *, close: bool) -> bytes | None:
    """The bytes of a complete HTTP/1.1 response, as gunicorn's protocol frames it, or None
    when it needs the protocol's own handling (no or a wrong Content-Length, chunked, a status
    without a body, headers it would refuse)."""
    if not messages or messages[0]["type"] != "http.response.start":
        return None
    start, bodies = messages[0], messages[1:]
    status, headers = start["status"], start["headers"]
    if status < 200 or status in (204, 304) or any(
            m["type"] != "http.response.body" for m in bodies):
        return None
    body = b"".join(m.get("body", b"") for m in bodies)
    try:
        has_length, length, chunked = gunicorn_protocol._scan_response_headers(headers)
    except Exception:  # a header gunicorn refuses: its send turns it into a 500
        return None
    if chunked or not has_length or length != str(len(body)).encode():
        return None
    parts = [gunicorn_protocol._get_cached_status_line((1, 1), status)]
    named = set()
    for name, value in headers:
        parts += (name, b": ", value, b"\r\n")
        named.add(name.lower())
    if b"server" not in named:
        parts.append(gunicorn_protocol._CACHED_SERVER_HEADER)
    if b"date" not in named:
        parts.append(gunicorn_protocol._get_cached_date_header())
    if close and b"connection" not in named:
        parts.append(b"Connection: close\r\n")
    parts += (b"\r\n", body)
    return b"".join(parts)
