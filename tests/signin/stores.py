"""Pointing the sign-in limiter at the database or at Redis for one test."""

from __future__ import annotations

import os
import socket
from dataclasses import replace

import pytest

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set")


def use_redis(settings, url: str | None) -> None:
    settings.CONFIG = replace(settings.CONFIG, redis_url=url)


def forget_redis_counters(url: str) -> None:
    """Delete the sign-in counters a test left in Redis (nothing to do without REDIS_URL)."""
    import redis

    if not url:
        return
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match="pledgedesk:signin:*"):
            client.delete(key)
    finally:
        client.close()


def closed_port_url() -> str:
    """A redis:// URL on a local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"
