"""Where a webhook may be sent: the URL's shape, and the addresses its host resolves to.

A subscription's URL is chosen by whoever administers it, and the worker that calls it sits
inside the deployment's network, so a URL is a way to make the worker call anything it can
reach (server-side request forgery: a cloud metadata service, an admin port on the loopback,
a database with an HTTP interface). The rules:

- ``http`` or ``https`` only, a host, no user name or password in the URL (they would be
  shown in the console and logged by proxies), no fragment.
- Every address the host resolves to must be a public (globally routable) unicast address,
  unless it lies in one of the networks the deployment allows
  (``PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS``; the tests allow the loopback that way).
- The check runs when the URL is saved and again at every delivery, and the delivery connects
  to the very address that was checked (``delivery.post``), so a name that later resolves
  somewhere private (DNS rebinding) is refused at the moment it would be used.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from pledgedesk.errors import InvalidInput

MAX_URL_LENGTH = 2000
SCHEMES = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written (IPv6 without brackets), lower-cased
    port: int
    path: str  # path and query, never empty

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == SCHEMES[self.scheme] else f"{host}:{self.port}"


def parse_url(url: str, *, field: str = "url") -> Target:
    """The URL's parts, or InvalidInput naming what is wrong with it."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput("a URL is required", field=field)
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"the URL is longer than {MAX_URL_LENGTH} characters", field=field)
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise InvalidInput("the URL contains spaces or control characters", field=field)
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise InvalidInput("the URL must start with https:// or http://", field=field)
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("the URL must not contain a user name or password; the signature "
                           "authenticates each delivery", field=field)
    if parts.fragment:
        raise InvalidInput("the URL must not contain a #fragment", field=field)
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput("the URL's port is not a number from 1 to 65535",
                           field=field) from None
    if not parts.hostname:
        raise InvalidInput("the URL has no host name", field=field)
    scheme = parts.scheme.lower()
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=parts.hostname.lower(), port=port or SCHEMES[scheme],
                  path=path)


def check_url(url: str, *, field: str = "url") -> Target:
    """``parse_url``, then the address rule for a URL being saved. A name that does not
    resolve now is accepted (the endpoint may not be live yet); delivery checks again."""
    target = parse_url(url, field=field)
    try:
        permitted_addresses(target)
    except AddressRefused as exc:
        raise InvalidInput(str(exc), field=field) from None
    except OSError:
        pass
    return target


def permitted_addresses(target: Target) -> list[IPAddress]:
    """The addresses ``target`` resolves to, all of them permitted; AddressRefused if any is
    not (a name with one private address among public ones is refused whole); OSError if
    the name does not resolve."""
    found = resolve(target.host, target.port)
    allowed = allowed_networks()
    for address in found:
        if not _permitted(address, allowed):
            raise AddressRefused(
                f"{target.host} is {'' if _literal(target.host) else 'resolves to '}"
                f"{address}, a private, loopback or reserved address; webhooks are sent only "
                "to public addresses unless PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS allows it")
    return found


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` has, in the resolver's order, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[IPAddress, None] = {}
    for info in infos:
        seen[ipaddress.ip_address(info[4][0].split("%", 1)[0])] = None
    if not seen:
        raise OSError(f"{host} has no address")
    return list(seen)


def allowed_networks() -> tuple:
    return tuple(getattr(settings, "PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS", ()))


def _permitted(address: IPAddress, allowed: tuple) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    candidates = (address, mapped) if mapped is not None else (address,)
    if any(a in net for a in candidates for net in allowed if a.version == net.version):
        return True
    return all(a.is_global and not a.is_multicast for a in candidates)


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
