"""Running the web application: database preparation and the gunicorn server.

Called by ``pledgedesk serve`` after Django is set up. Gunicorn runs in this process as its
master, forking worker processes (``pledgedesk.http_worker.EventLoopWorker``: an event loop that
reads requests with time limits, in front of a thread pool); Django's development server is
never used.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import subprocess
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import DatabaseError, connections
from gunicorn.app.base import BaseApplication

from pledgedesk.http_worker import EventLoopWorker


class DatabaseUnavailable(Exception):
    """The database cannot be reached or migrated; the message says which one and why."""


def prepare_database() -> None:
    """Apply migrations, create the shared cache table (sign-in rate limits; nothing to do
    with Redis) and collect static files; idempotent, safe on every start.

    The work runs in a child process (issue 20): every web worker is forked from this one, and
    what migrating leaves in memory (the migration graph, every migration module, the schema
    editor: ~20-35 MiB) would otherwise sit in each worker, which never needs it."""
    result = subprocess.run(
        [sys.executable, "-m", "pledgedesk.server", "prepare"], env=_child_environment(),
        capture_output=True, text=True, check=False)
    if result.returncode == _EXIT_DATABASE:
        raise DatabaseUnavailable(result.stdout.strip())
    if result.returncode != 0:
        raise RuntimeError(f"preparing the database failed (exit {result.returncode}):\n"
                           f"{result.stderr.strip()[-4000:]}")


def _prepare_here() -> None:
    """``prepare_database``'s work, in the process that runs it."""
    try:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
    except DatabaseError as exc:
        raise DatabaseUnavailable(
            f"DATABASE_URL: cannot use the database {describe_database()}: {_first_line(exc)}"
        ) from None
    call_command("collectstatic", interactive=False, verbosity=0)


_EXIT_DATABASE = 3  # the child's exit status for DatabaseUnavailable (its message on stdout)


def _child_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "pledgedesk.project.settings")
    return env


class RedisUnavailable(Exception):
    """REDIS_URL is set but Redis does not answer; the message says where and why."""


REDIS_CHECK_TIMEOUT = 5  # seconds to connect and to answer PING


def check_redis() -> None:
    """Fail at start, naming REDIS_URL, when it is set and Redis does not answer PING: later
    every portal sign-in (its rate limits live there) would fail instead."""
    url = settings.CONFIG.redis_url
    if not url:
        return
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_CHECK_TIMEOUT,
                                      socket_timeout=REDIS_CHECK_TIMEOUT)
        with client:
            client.ping()
    except Exception as exc:  # whatever answered (if anything) is not a usable Redis
        raise RedisUnavailable(
            f"REDIS_URL: cannot use Redis at {describe_redis(url)}: {_first_line(exc)}"
        ) from None


def describe_redis(url: str) -> str:
    """The Redis location without credentials, for messages."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix:{parts.path}"
    try:
        port = parts.port or 6379
    except ValueError:
        port = "?"
    return f"{parts.scheme}://{parts.hostname or 'localhost'}:{port}{parts.path}"


def describe_database() -> str:
    """The database's location without credentials, for messages."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite {db['NAME']}"
    return f"postgresql://{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


def admin_hint() -> str:
    if get_user_model().objects.filter(is_superuser=True, is_active=True).exists():
        return "Sign in with your administrator account at /admin/."
    return (
        "No administrator yet: create one with `pledgedesk manage createsuperuser`, "
        "then sign in at /admin/."
    )


def run_gunicorn(*, host: str, port: int, workers: int) -> None:
    from django.core.wsgi import get_wsgi_application

    worker_class = type("PledgedeskWorker", (EventLoopWorker,), {
        "body_timeout": settings.PLEDGEDESK_BODY_TIMEOUT,
        "max_body_bytes": settings.PLEDGEDESK_MAX_REQUEST_BYTES,
    })

    application = get_wsgi_application()
    # Workers are forked from this process: no database connection may be shared with them.
    connections.close_all()
    _before_fork()
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    _Gunicorn(
        application,
        {
            "bind": [bind],
            "workers": workers,
            "worker_class": worker_class,
            "threads": 4,
            # The time a client has for a request's headers, and a kept-alive connection to
            # send its next request.
            "keepalive": settings.PLEDGEDESK_HEADER_TIMEOUT,
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": "-",
            "errorlog": "-",
            "proc_name": "pledgedesk",
            "control_socket_disable": True,
        },
    ).run()


# glibc's malloc gives each thread that allocates its own arena (up to 8 per core), each
# keeping freed memory: a worker's 4 threads held ~10 MiB that way. Two arenas serve 4 threads
# with no measurable contention (issue 20); M_ARENA_MAX is mallopt's parameter -8.
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8


def _before_fork() -> None:
    """Shape the memory every worker inherits: fewer malloc arenas (set here, the workers
    fork with it; also exported for processes they start); the objects loaded so far moved
    out of the garbage collector's reach (``gc.freeze``), so its passes in a worker do not
    write to pages it shares with this process (copy-on-write would give each worker its own
    copy); and the heap's free memory handed back (``malloc_trim``)."""
    os.environ.setdefault("MALLOC_ARENA_MAX", str(MALLOC_ARENAS))
    libc_name = ctypes.util.find_library("c")
    libc = None
    if libc_name and sys.platform.startswith("linux"):
        libc = ctypes.CDLL(libc_name)
        mallopt = getattr(libc, "mallopt", None)  # glibc only (not musl)
        if mallopt is not None:
            mallopt(_M_ARENA_MAX, MALLOC_ARENAS)
    gc.collect()
    gc.freeze()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)  # what start-up freed (the policy check, say) goes back to the OS


class _Gunicorn(BaseApplication):
    def __init__(self, application, options: dict):
        self._application = application
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._application


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


if __name__ == "__main__":  # ``prepare_database``'s child: python -m pledgedesk.server prepare
    import django

    if sys.argv[1:] != ["prepare"]:
        sys.exit("usage: python -m pledgedesk.server prepare")
    django.setup()
    try:
        _prepare_here()
    except DatabaseUnavailable as exc:
        print(exc, flush=True)
        sys.exit(_EXIT_DATABASE)
