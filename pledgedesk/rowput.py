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

from django.db import DatabaseError, connections
from django.db.models import Model
from django.db.models.constants import OnConflict

_lock = threading.Lock()
_fields: dict[type[Model], tuple | None] = {}  # model -> insertable fields, None: use the ORM
_statements: dict[tuple[str, type[Model], int, bool], str] = {}  # (alias, model, rows,
#                                                                   ignoring) -> SQL


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


def rows_insert_ignoring(objs: Sequence[Model], *, using: str = "default") -> None:
    """``bulk_create(objs, ignore_conflicts=True)``: a row that would break a unique key is
    skipped, so concurrent writers of the same key agree. Keys are not read back (as with
    ``bulk_create`` ignoring conflicts)."""
    if not objs:
        return
    model = type(objs[0])
    fields = _insertable(model)
    connection = connections[using]
    if (fields is None or any(type(obj) is not model or obj.pk is not None for obj in objs)
            or len(objs) > connection.ops.bulk_batch_size(fields, objs)):
        model.objects.using(using).bulk_create(objs, ignore_conflicts=True)
        return
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection)
              for obj in objs for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection, model, fields, len(objs), ignoring=True), params)


def row_update(obj: Model, *, using: str = "default") -> None:
    """``obj.save()`` for a row already saved: every column but the key written back in one
    UPDATE built once per model, values prepared as ``save`` prepares them (``pre_save``,
    ``get_db_prep_save``). Like the inserts here it sends no signals. Raises
    ``DatabaseError`` when the row is gone (``save`` would have inserted it again)."""
    model = type(obj)
    fields = _insertable(model)
    if fields is None or obj.pk is None:
        obj.save(using=using)
        return
    connection = connections[using]
    obj._prepare_related_fields_for_save(operation_name="save")
    params = [field.get_db_prep_save(field.pre_save(obj, False), connection)
              for field in fields]
    key = (connection.alias, model, -1, False)
    sql = _statements.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        # Identifiers come from the model, quoted; values travel as parameters.
        sql = (f"UPDATE {qn(model._meta.db_table)} SET "  # noqa: S608
               + ", ".join(f"{qn(f.column)} = %s" for f in fields)
               + f" WHERE {qn(model._meta.pk.column)} = %s")
        with _lock:
            _statements[key] = sql
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, model._meta.pk.get_db_prep_value(obj.pk, connection)])
        if cursor.rowcount != 1:
            raise DatabaseError(f"{model.__name__} {obj.pk} was not updated: the row is gone")


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


def _statement(connection, model: type[Model], fields: tuple, count: int, *,
               ignoring: bool = False) -> str:
    key = (connection.alias, model, count, ignoring)
    sql = _statements.get(key)
    if sql is None:
        ops = connection.ops
        qn = ops.quote_name
        table = qn(model._meta.db_table)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        conflict = OnConflict.IGNORE if ignoring else None
        # Identifiers come from the model, quoted; values travel as parameters.
        sql = (f"{ops.insert_statement(on_conflict=conflict)} {table} "
               f"({', '.join(qn(f.column) for f in fields)}) VALUES {', '.join([row] * count)} ")
        sql += (ops.on_conflict_suffix_sql(fields, conflict, None, None) if ignoring
                else f"RETURNING {table}.{qn(model._meta.pk.column)}")
        with _lock:
            _statements[key] = sql
    return sql
