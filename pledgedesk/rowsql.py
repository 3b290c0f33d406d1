"""Plain statements built once per process, for the hottest reads and writes.

``QuerySet`` methods compile their SQL again on every call; for a statement that runs for every
ticket event or every mail (the worker's outbox fan-out, a delivery's checks) that compilation
costs several times the query itself (issue 20: about 0.5 ms of CPU apiece). These helpers keep
the SQL a caller builds once, per connection alias and key, from the models' own metadata:
identifiers come from ``_meta`` and are quoted by the backend, values always travel as
parameters, prepared by each field as the ORM prepares them, and values read back pass through
the backend's and the field's converters. ``rowget`` (one row with its relations) and
``rowput`` (inserts) are the same idea for whole objects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection
from django.db.models import Model

_lock = threading.Lock()
_built: dict[tuple, str] = {}


class Names:
    """Quoted identifiers of models on the current connection, for building a statement."""

    def __init__(self) -> None:
        self._quote = connection.ops.quote_name

    def table(self, model: type[Model]) -> str:
        return self._quote(model._meta.db_table)

    def name(self, model: type[Model], field: str) -> str:
        return self._quote(model._meta.get_field(field).column)

    def col(self, model: type[Model], field: str) -> str:
        return f"{self.table(model)}.{self.name(model, field)}"

    def typed(self, model: type[Model], field: str) -> str:
        """A placeholder for a value of ``model.field`` where the statement alone does not say
        its type (a ``CASE`` branch): cast to the column's type on PostgreSQL, which otherwise
        takes an untyped parameter as text; plain on SQLite, whose columns take any type."""
        if connection.vendor != "postgresql":
            return "%s"
        return f"CAST(%s AS {model._meta.get_field(field).db_type(connection)})"


def statement(key: tuple, build: Callable[[Names], str]) -> str:
    """The SQL ``build(Names())`` gives, built the first time ``key`` is asked for on this
    connection's alias, then kept for the process. ``key`` names the statement and whatever
    changes its text (a number of placeholders, a set of columns)."""
    full = (connection.alias, *key)
    sql = _built.get(full)
    if sql is None:
        sql = build(Names())
        with _lock:
            _built[full] = sql
    return sql


def prepared(model: type[Model], field: str, value):
    """``value`` as the ORM would send it for ``model.field`` in a condition."""
    return model._meta.get_field(field).get_db_prep_value(value, connection)


def saved(model: type[Model], field: str, value):
    """``value`` as the ORM would send it for ``model.field`` in an UPDATE or INSERT."""
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: list) -> int:
    """Run a write; the number of rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def converter(model: type[Model], field: str) -> Callable:
    """A function turning a raw value read for ``model.field`` into what the ORM would give
    (for a DateTimeField, an aware datetime on every backend)."""
    f = model._meta.get_field(field)
    col = f.get_col(model._meta.db_table)
    functions = [*connection.ops.get_db_converters(col), *f.get_db_converters(connection)]

    def convert(value):
        for function in functions:
            value = function(value, col, connection)
        return value
    return convert


def holes(count: int) -> str:
    """``count`` placeholders, comma-separated (an IN list)."""
    return ", ".join(["%s"] * count)
