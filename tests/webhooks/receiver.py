"""A real webhook receiver on the loopback: an ``http.server`` in a thread that records every
request and answers with the status codes a test scripts, and the Standard Webhooks
verification a receiver runs (the spec's algorithm, at the test's own instant)."""

from __future__ import annotations

import base64
import hmac
import json
import ssl
import subprocess
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook

TOLERANCE_SECONDS = 5 * 60


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


class Receiver:
    def __init__(self, *, tls: tuple[str, str] | None = None):
        """``tls``: (certificate file, key file) to answer HTTPS on ``localhost``."""
        self.requests: list[Received] = []
        self.answers: deque[int] = deque()
        self.default = 200
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.scheme, self.host = "http", "127.0.0.1"
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme, self.host = "https", "localhost"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return (f"{self.scheme}://{self.host}:{self._server.server_port}"
                "/hooks/desk?src=pledgedesk")

    def answer(self, *statuses: int) -> None:
        """Answer the next requests with ``statuses``, then with ``default``."""
        self.answers.extend(statuses)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(Received(
                    path=self.path, headers={k.lower(): v for k, v in self.headers.items()},
                    body=body))
                status = receiver.answers.popleft() if receiver.answers else receiver.default
                reply = b'{"ok": true}' if status < 300 else b"x" * 5000
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        return Handler


def self_signed(directory) -> tuple[str, str]:
    """A certificate for ``localhost`` (and its key), made by Debian's openssl."""
    cert, key = str(directory / "cert.pem"), str(directory / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


class VerificationFailed(Exception):
    pass


def verify(secret: str, received: Received, *, now: datetime) -> dict:
    """The spec's receiver checks, at ``now``: the three headers, a timestamp within five
    minutes, and one ``v1`` signature equal (in constant time) to HMAC-SHA256 of
    ``id.timestamp.body`` under the secret; returns the parsed body."""
    msg_id = received.headers.get("webhook-id")
    stamp = received.headers.get("webhook-timestamp")
    signatures = received.headers.get("webhook-signature")
    if not (msg_id and stamp and signatures):
        raise VerificationFailed("missing headers")
    if abs(now.timestamp() - int(stamp)) > TOLERANCE_SECONDS:
        raise VerificationFailed("timestamp outside the tolerance")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.digest(key, f"{msg_id}.{stamp}.".encode() + received.body, "sha256")
    for entry in signatures.split(" "):
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(expected, base64.b64decode(value)):
            return json.loads(received.body)
    raise VerificationFailed("no matching signature")


def verify_with_library(secret: str, received: Received) -> dict:
    """The spec authors' library's own check (it reads the wall clock)."""
    return Webhook(secret).verify(received.body, received.headers)


def at_timestamp(received: Received) -> datetime:
    return datetime.fromtimestamp(int(received.headers["webhook-timestamp"]), tz=UTC)
