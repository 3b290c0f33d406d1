"""Running the web application: database preparation and the gunicorn server.

Called by ``pledgedesk serve`` after Django is set up. Gunicorn runs in this process as its
master, forking worker processes (``pledgedesk.http_worker.EventLoopWorker``: an event loop that
reads requests with time limits, in front of a thread pool); Django's development server is
never used.
"""

from __future__ import annotations

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
    with Redis) and collect static files; idempotent, safe on every start."""
    try:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
    except DatabaseError as exc:
        raise DatabaseUnavailable(
            f"DATABASE_URL: cannot use the database {describe_database()}: {_first_line(exc)}"
        ) from None
    call_command("collectstatic", interactive=False, verbosity=0)


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
