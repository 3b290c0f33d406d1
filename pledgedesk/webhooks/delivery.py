"""One HTTP POST of a signed webhook, to an address checked just before connecting.

urllib3 connects to the checked IP address itself (never resolving the name a second time, so
DNS cannot change between the check and the connection), while the Host header, TLS SNI and
the certificate check use the URL's host name. No redirects (the spec: a 3xx is a failure;
the subscriber should update the URL), no retries here (the outbox schedules them), short
time-outs, and only the first ``RESPONSE_EXCERPT`` bytes of the answer are read and kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pledgedesk import __version__
from pledgedesk.errors import InvalidInput
from pledgedesk.webhooks import network

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
TOTAL_TIMEOUT = 15.0
RESPONSE_EXCERPT = 1024
MAX_ADDRESSES = 3  # of a name's addresses, tried in the resolver's order
USER_AGENT = f"Pledgedesk-Webhooks/{__version__}"

if TYPE_CHECKING:
    from urllib3.exceptions import HTTPError

# urllib3 is imported by the functions that send, not here: the handlers that use this module
# are registered in every process at start, and only the background worker posts (issue 20:
# ~4 MiB a web worker never needs).


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: a status and the start of the answer, or why there was none."""

    status_code: int | None = None
    response_body: str = ""
    error: str = ""
    duration_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def describe(self) -> str:
        return f"answered {self.status_code}" if self.status_code else self.error


def post(url: str, *, body: str, headers: dict[str, str]) -> Outcome:
    from urllib3.exceptions import HTTPError

    started = time.monotonic()
    try:
        target = network.parse_url(url)
    except InvalidInput as exc:  # saved before a rule tightened, say
        return _failed(f"invalid URL: {exc.message}", started)
    try:
        addresses = network.permitted_addresses(target)
        status, excerpt = _send_first(target, addresses, body.encode("utf-8"), headers)
    except network.AddressRefused as exc:
        return _failed(f"refused: {exc}", started)
    except HTTPError as exc:
        return _failed(f"{type(exc).__name__}: {_reason(exc)}", started)
    except OSError as exc:  # the name did not resolve
        return _failed(f"{target.host} could not be resolved: {exc.strerror or exc}", started)
    return Outcome(status_code=status, response_body=excerpt, duration_ms=_ms(started))


def _send_first(target: network.Target, addresses: list, body: bytes,
                headers: dict[str, str]) -> tuple[int, str]:
    """Send to the first of the (checked) addresses that accepts a connection: a name with an
    IPv6 and an IPv4 address still works when only one of them listens."""
    from urllib3.exceptions import ConnectTimeoutError

    tried = addresses[:MAX_ADDRESSES]
    for address in tried[:-1]:
        try:
            return _send(target, str(address), body, headers)
        except ConnectTimeoutError:  # also NewConnectionError: refused, unreachable
            continue
    return _send(target, str(tried[-1]), body, headers)


def _send(target: network.Target, address: str, body: bytes,
          headers: dict[str, str]) -> tuple[int, str]:
    import urllib3

    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT, total=TOTAL_TIMEOUT)
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(address, target.port, server_hostname=target.host,
                                           assert_hostname=target.host,
                                           cert_reqs="CERT_REQUIRED", **options)
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, **options)
    sent = {**headers, "Host": target.host_header, "Content-Type": "application/json",
            "User-Agent": USER_AGENT}
    with pool:
        response = pool.urlopen("POST", target.path, body=body, headers=sent, redirect=False,
                                assert_same_host=False, preload_content=False)
        try:
            excerpt = response.read(RESPONSE_EXCERPT, decode_content=False)
        finally:
            response.release_conn()
    return response.status, excerpt.decode("utf-8", errors="replace")


def _failed(error: str, started: float) -> Outcome:
    return Outcome(error=error[:1000], duration_ms=_ms(started))


def _ms(started: float) -> int:
    return max(0, round((time.monotonic() - started) * 1000))


def _reason(exc: HTTPError) -> str:
    return str(getattr(exc, "reason", None) or exc)
