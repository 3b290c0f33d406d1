"""Which support address a message came to, and so which policy's email channel it reached.

A policy's email channel names its address (``[channels.email] address``). The envelope
recipient, when the door knows it (``mail ingest --to``: the MTA's ``${recipient}``, kept on
the stored row), says where the message went even when the headers do not (Bcc, an alias);
without it, Delivered-To and X-Original-To, then To and Cc are read. The requester's
organisation still decides the policy a ticket runs under: an address only names the policy
an unknown sender wrote to, and notes a contact who wrote to another policy's address.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from pledgedesk.accounts.models import Organisation
from pledgedesk.channels import selectors
from pledgedesk.channels.parsing import ParsedMail
from pledgedesk.versions.policies import policy_in_force


@dataclass(frozen=True)
class Route:
    address: str = ""  # the policy support address the message reached; "" when none
    policy_keys: tuple[str, ...] = ()

    def note(self) -> str:
        """For a held or quarantined message: where it went."""
        if not self.address:
            return ""
        return f" (to {self.address}, policy {', '.join(self.policy_keys)})"

    def note_for(self, organisation: Organisation) -> str:
        """For a contact's message that reached another policy's address: said, not refused."""
        if not self.address or organisation.policy_key in self.policy_keys:
            return ""
        return (f"sent to {self.address} (policy {', '.join(self.policy_keys)}); opened under "
                f"the requester's organisation (policy {organisation.policy_key})")


# Within ``one_run``: the support addresses, read by the run's first message.
_run_addresses: ContextVar[dict | None] = ContextVar("pledgedesk_run_addresses", default=None)


@contextlib.contextmanager
def one_run() -> Iterator[None]:
    """Around a run of messages taken in together (``mail ingest`` of many files, one fetch):
    the support addresses are read once for the run instead of once a message (a query and
    every policy in use), as they stood when its first message was routed."""
    token = _run_addresses.set({})
    try:
        yield
    finally:
        _run_addresses.reset(token)


def support_addresses(*, now: datetime) -> dict[str, tuple[str, ...]]:
    """Every support address the policies in use name, lower-cased, with their policy keys."""
    kept = _run_addresses.get()
    if kept is None:
        return _addresses(now)
    if "addresses" not in kept:
        kept["addresses"] = _addresses(now)
    return kept["addresses"]


def _addresses(now: datetime) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for key in selectors.policy_keys_in_use():
        _version, policy = policy_in_force(key, now=now)
        email = policy.spec.channels.email
        if email is not None and email.address:
            found.setdefault(email.address.strip().lower(), []).append(key)
    return {address: tuple(keys) for address, keys in found.items()}


def route(mail: ParsedMail, *, recipient: str, now: datetime) -> Route:
    candidates: Iterable[str] = ((recipient,) if recipient
                                 else (*mail.delivered_to, *mail.to, *mail.cc))
    addresses = support_addresses(now=now)
    for address in candidates:
        if address.lower() in addresses:
            return Route(address=address.lower(), policy_keys=addresses[address.lower()])
    return Route()
