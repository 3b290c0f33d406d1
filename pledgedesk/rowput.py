"""New rows by a statement built once per process: the INSERT twin of ``rowget``.

``Model.save(force_insert=True)`` and ``bulk_create`` compile their INSERT from scratch on every
call (the query, its compiler, a placeholder per value): on the ticket-creation path that was
about three quarters of each insert's cost and 16 % of a web worker's CPU (issue 20 profile).
``rows_insert`` builds ``INSERT INTO ... VALUES (...), ... RETURNING pk`` once per model and
row count and fills it with the values the ORM itself would send: each field's ``pre_save``
(``auto_now`` and the like) and ``get_db_prep_save``, foreign keys taken from related objects
saved meanwhile, as ``bulk_create`` does. The instances come back saved, keys set. Like
``bulk_create`` it sends no ``pre_save``/``post_save`` signals: use it only for models nothing
listens to. Rows with a primary key already set, or fields that need a special placeholder,
go through ``bulk_create``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from django.db import connections
from django.db.models import Model

_lock = threading.Lock()
_fields: dict[type[Model], tuple | None] = {}  # model -> insertable fields, None: use the ORM
_statements: dict[tuple[str, type[Model], int], str] = {}  # (alias, model, rows) -> SQL


def rows_insert(objs: Sequence[Model], *, using: str = "default") -> list[Model]:
    """Insert ``objs`` (all of one model, none saved yet) in one statement; returns them with
    their primary keys set, as ``bulk_create`` does."""
    if not objs:
        return []
    model = type(objs[0])
    fields = _insertable(model)
    connection = connections[using]
    if (fields is None or any(type(obj) is not model or obj.pk is not None for obj in objs)
            or not connection.features.can_return_rows_from_bulk_insert
            or len(objs) > connection.ops.bulk_batch_size(fields, objs)):
        return model.objects.using(using).bulk_create(objs)
    params = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        params += [field.get_db_prep_save(field.pre_save(obj, True), connection)
                   for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection, model, fields, len(objs)), params)
        keys = cursor.fetchall()
    pk = model._meta.pk.attname
    for obj, (key,) in zip(objs, keys, strict=True):
        setattr(obj, pk, key)
        obj._state.adding = False
        obj._state.db = using
    return list(objs)


def _insertable(model: type[Model]) -> tuple | None:
    if model not in _fields:
        meta = model._meta
        fields = tuple(f for f in meta.local_concrete_fields
                       if f is not meta.auto_field and not getattr(f, "generated", False))
        usable = (meta.auto_field is not None and meta.pk is meta.auto_field
                  and not meta.parents and list(meta.db_returning_fields) == [meta.pk]
                  and not any(hasattr(f, "get_placeholder") for f in fields))
        with _lock:
            _fields[model] = fields if usable else None
    return _fields[model]


def _statement(connection, model: type[Model], fields: tuple, count: int) -> str:
    key = (connection.alias, model, count)
    sql = _statements.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        table = qn(model._meta.db_table)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        # Identifiers come from the model, quoted; values travel as parameters.
        sql = (f"INSERT INTO {table} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
               f"VALUES {', '.join([row] * count)} "
               f"RETURNING {table}.{qn(model._meta.pk.column)}")
        with _lock:
            _statements[key] = sql
    return sql
