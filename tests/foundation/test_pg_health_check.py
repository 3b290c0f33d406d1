"""Issue 20: the PostgreSQL health check before a request (CONN_HEALTH_CHECKS) costs no round
trip on a quiet connection, and still replaces one the server has ended."""

from __future__ import annotations

import time

import pytest
from django.db import connection, connections

# The PostgreSQL backend's own health check (SQLite's connection needs no query).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


def test_a_quiet_idle_connection_is_usable_without_asking_the_server(monkeypatch):
    from django.db.backends.postgresql.base import DatabaseWrapper as Django

    connection.ensure_connection()
    asked = []
    monkeypatch.setattr(Django, "is_usable", lambda self: asked.append(1) or True)

    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.is_usable() is True
    assert asked == []  # no SELECT 1


def test_a_connection_the_server_ended_is_replaced_before_the_next_query():
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    for _ in range(200):  # the server's goodbye reaches the socket within moments
        if not connection.is_usable():
            break
        time.sleep(0.01)
    assert connection.is_usable() is False

    connection.close_if_unusable_or_obsolete()  # as at the start of a request
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
