"""Pointing the sign-in limiter at the database or at Redis for one test."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import replace

import pytest

from tests.foundation.helpers import free_port

REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture(scope="session")
def race_redis_url():
    """The Redis the race tests count in: REDIS_URL's, else a throwaway redis-server on a
    loopback port. A missing redis-server fails those tests (never a skip): ./scripts/test
    installs it as root."""
    if REDIS_URL:
        yield REDIS_URL
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing: install Debian's redis-server "
                    "(apt-get install -y redis-server); ./scripts/test does this as root")
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for(url: str, process: subprocess.Popen) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.2)
    deadline = time.monotonic() + 10
    try:
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on {url}") from None
                time.sleep(0.05)
    finally:
        client.close()


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
    return f"redis://127.0.0.1:{free_port()}/0"
