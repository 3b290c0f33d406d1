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
    use_holiday_store()  # what the child warmed, for this process and the workers it forks


def demo_login() -> str:
    """``pledgedesk demo``'s sample desk made (or completed) in a child process, which answers
    how to sign in (``demo.demo_login``). Seeding opens tickets at the sample organisations'
    locations: done here, its holiday look-ups would load the ``holidays`` package in the
    process every web worker is forked from (issue 20); the child keeps their answers in the
    store instead, which this process then reads."""
    result = subprocess.run(
        [sys.executable, "-m", "pledgedesk.server", "demo-login"], env=_child_environment(),
        capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"making the demo desk failed (exit {result.returncode}):\n"
                           f"{result.stderr.strip()[-4000:]}")
    use_holiday_store()  # what the child added
    return result.stdout.strip()


def warm_policy_holidays() -> None:
    """The policy files' holiday answers put in the store by a child process (the ``holidays``
    package loads there, not here), then the store used in this process. Whatever goes wrong
    in the child is left to the start-up policy check, which reports it."""
    subprocess.run([sys.executable, "-m", "pledgedesk.server", "warm-policies"],
                   env=_child_environment(), capture_output=True, check=False)
    use_holiday_store()


def use_holiday_store() -> None:
    """From now on, this process (and every process it forks) keeps the ``holidays``
    package's answers in the data directory's store and reads them from there
    (``calendar.holiday.use_store``): a web worker whose regions are in the store never loads
    the package (~17 MiB, issue 20). ``pledgedesk serve`` only; other processes ask the
    package itself, as before."""
    from importlib.metadata import version

    from pledgedesk.calendar.holiday import use_store

    use_store(settings.PLEDGEDESK_HOLIDAY_STORE, version=version("holidays"))


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
    use_holiday_store()
    _warm_holidays()


def _warm_holidays() -> None:
    """Ask the ``holidays`` package here, in the child, what the web processes will ask it, so
    that its answers are in the holiday store (``calendar.holiday.use_store``) before they
    start: every recorded policy version's calendars at each organisation's location, from
    last year to next year (the policy files' own answers are in already:
    ``warm_policy_holidays``). A web worker then never loads the package (~17 MiB, issue
    20); whatever is not warmed here is still answered, by the package, and kept for the next
    process.
    Nothing here can stop the start: a broken policy is reported by the start-up check."""
    from datetime import timedelta

    from pledgedesk import clock
    from pledgedesk.accounts.models import Organisation
    from pledgedesk.policy.compile import Location
    from pledgedesk.versions.models import PolicyVersion
    from pledgedesk.versions.policies import policy_for

    now = clock.current()
    problems = 0  # calendars not warmed: each is answered by the package when it is used
    locations: dict[str, set[Location]] = {}
    for key, tz, country, subdiv in (Organisation.objects.values_list(
            "policy_key", "timezone", "country", "subdivision").distinct()):
        locations.setdefault(key, set()).add(
            Location(timezone=tz or None, country=country or None, subdiv=subdiv or None))
    for version in PolicyVersion.objects.all():
        try:
            policy = policy_for(version)
        except Exception:  # an invalid recorded version fails where it is used, as before
            problems += 1
            continue
        for location in (Location(), *locations.get(version.key, ())):
            for name in policy.calendars:
                try:
                    calendar = policy.calendar(name, location)
                    calendar.is_open(now)
                    calendar.is_open(now + timedelta(days=366))
                except Exception:  # this calendar needs a location this one lacks, say
                    problems += 1


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
    _preload_urls()
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


def _preload_urls() -> None:
    """Load the URL configuration (every view module, the API and its schemas) here, before
    the workers fork, rather than in each worker on its first request: the pages are then
    shared with this process, copy-on-write (``gc.freeze`` keeps them shared). A worker's RSS
    counts shared pages too, so this lowers its PSS and USS (the memory it alone costs), not
    its RSS (issue 20)."""
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports every URL module
    resolver.reverse_dict  # noqa: B018 - and builds what every reverse() reads


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


if __name__ == "__main__":  # the children: python -m pledgedesk.server <what>
    import django

    if sys.argv[1:] == ["warm-policies"]:  # ``warm_policy_holidays``'s child: no database
        from pledgedesk.policy.loader import load_policy_dir

        use_holiday_store()
        load_policy_dir(settings.PLEDGEDESK_POLICY_DIR)  # a problem: the parent's check says
        sys.exit(0)
    if sys.argv[1:] == ["demo-login"]:  # ``demo_login``'s child
        django.setup()
        use_holiday_store()
        from pledgedesk import demo

        print(demo.demo_login(), flush=True)
        sys.exit(0)
    if sys.argv[1:] != ["prepare"]:
        sys.exit("usage: python -m pledgedesk.server prepare|warm-policies|demo-login")
    django.setup()
    try:
        _prepare_here()
    except DatabaseUnavailable as exc:
        print(exc, flush=True)
        sys.exit(_EXIT_DATABASE)
