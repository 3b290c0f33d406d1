"""What ``/healthz`` checks: the database answers, and its schema is the one this code needs.

An empty or half-migrated database answers ``SELECT 1`` while every page and API call fails
(issue 13), so readiness also compares the newest migration of each app on disk (the loader's
leaf nodes) with the migrations the database records as applied. Reading the migration files
happens once per process; once the schema has been seen current it is not checked again (it
cannot go back while this code runs), so a healthy desk pays one ``SELECT 1`` per probe.
"""

from __future__ import annotations

from functools import cache

from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

_seen_current = False


def database_problem() -> str | None:
    """None when the database answers and its schema is current, else a short reason."""
    global _seen_current
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        if _seen_current:
            return None
        missing = sorted(set(_leaf_migrations()) - _applied_migrations())
    except DatabaseError as exc:
        return f"database unavailable: {type(exc).__name__}"
    if missing:
        shown = ", ".join(f"{app}.{name}" for app, name in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        return f"database schema is not current: not applied: {shown}{more}"
    _seen_current = True
    return None


@cache
def _leaf_migrations() -> tuple[tuple[str, str], ...]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return tuple(loader.graph.leaf_nodes())


def _applied_migrations() -> set[tuple[str, str]]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return set()
    return set(recorder.applied_migrations())
