"""One row with its to-one relations, by a statement built once per process.

``Model.objects.select_related(...).get(...)`` builds its SQL from scratch on every call: on the
API's hottest path (the bearer token with its user and agent, on every request; the requester
with their organisation, on every ticket create) that compilation and the row-to-object work
around it cost about 0.8 ms of CPU each, four times the query itself (issue 5 benchmark).
``RowGet`` builds the same kind of statement once, from the models' own metadata (every concrete
column, the joins ``select_related`` would make), and turns a row into the same instances:
values passed through the backend's and the fields' converters, relations cached both ways, a
missing reverse one-to-one cached as missing. Only equality and IS NULL conditions on the root
model; anything richer belongs to the ORM. ``lock=True`` locks the root row as
``select_for_update(of=("self",))`` does, where the backend locks rows (not on SQLite, whose
write lock covers the whole database).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db import connections
from django.db.models import Model
from django.db.transaction import TransactionManagementError


@dataclass(frozen=True)
class _Node:
    model: type[Model]
    alias: str
    parent: int | None  # index of the node this one hangs from; None for the root
    field: object | None  # the forward field or reverse relation that leads here
    reverse: bool
    start: int  # first column of this node in the row
    attnames: tuple[str, ...]
    pk_index: int  # the primary key's place in attnames


class RowGet:
    """``RowGet(ApiToken, related=("user", "user__agent"), equal=("prefix",),
    null=("revoked_at",)).get(prefix=p)`` returns what ``ApiToken.objects.select_related("user",
    "user__agent").get(prefix=p, revoked_at__isnull=True)`` does, or raises the same
    ``DoesNotExist`` / ``MultipleObjectsReturned``."""

    def __init__(self, model: type[Model], *, related: tuple[str, ...] = (),
                 equal: tuple[str, ...], null: tuple[str, ...] = (), lock: bool = False,
                 using: str = "default"):
        self.model = model
        self.lock = lock
        self.related = related
        self.equal = equal
        self.null = null
        self.using = using
        self._built: tuple | None = None  # (sql, condition fields, nodes, converters)
        self._lock = threading.Lock()

    def get(self, **values) -> Model:
        if set(values) != set(self.equal):
            raise TypeError(f"RowGet.get needs exactly {', '.join(self.equal)}")
        connection = connections[self.using]
        if self._built is None:
            with self._lock:
                if self._built is None:
                    self._built = self._build(connection)
        sql, fields, nodes, converters = self._built
        if self.lock and connection.features.has_select_for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a "
                                             "transaction.")
        params = [field.get_db_prep_value(values[name], connection)
                  for name, field in zip(self.equal, fields, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchmany(2)
        if not rows:
            raise self.model.DoesNotExist(f"{self.model.__name__} matching query does not exist.")
        if len(rows) > 1:
            raise self.model.MultipleObjectsReturned(
                f"get() returned more than one {self.model.__name__}")
        row = list(rows[0])
        for index, expression, functions in converters:
            value = row[index]
            for convert in functions:
                value = convert(value, expression, connection)
            row[index] = value
        return self._instances(row, nodes)

    # --- building the statement, once ------------------------------------------------------

    def _build(self, connection):
        qn = connection.ops.quote_name
        nodes: list[_Node] = []
        by_path: dict[str, int] = {}
        columns: list[str] = []
        converters: list[tuple] = []
        joins: list[str] = []
        outer: set[int] = set()  # nodes reached through an outer join

        def add(model, parent, field, reverse) -> int:
            alias = f"r{len(nodes)}"
            fields = model._meta.concrete_fields
            node = _Node(model, alias, parent, field, reverse, len(columns),
                         tuple(f.attname for f in fields), fields.index(model._meta.pk))
            for f in fields:
                col = f.get_col(alias)
                columns.append(f"{qn(alias)}.{qn(f.column)}")
                functions = [*connection.ops.get_db_converters(col),
                             *f.get_db_converters(connection)]
                if functions:
                    converters.append((len(columns) - 1, col, functions))
            nodes.append(node)
            return len(nodes) - 1

        add(self.model, None, None, False)
        for path in self.related:
            head, _, name = path.rpartition("__")
            parent = by_path[head] if head else 0
            parent_node = nodes[parent]
            field = parent_node.model._meta.get_field(name)
            if field.concrete:  # forward ForeignKey / OneToOneField
                target = field.related_model
                index = add(target, parent, field, False)
                on = (f"{qn(nodes[index].alias)}.{qn(field.target_field.column)} = "
                      f"{qn(parent_node.alias)}.{qn(field.column)}")
                # Below an outer join every join is outer too, as the ORM promotes them.
                kind = "LEFT OUTER JOIN" if field.null or parent in outer else "INNER JOIN"
            elif field.one_to_one:  # reverse one-to-one, as select_related follows it
                target = field.related_model
                index = add(target, parent, field, True)
                remote = field.field
                on = (f"{qn(nodes[index].alias)}.{qn(remote.column)} = "
                      f"{qn(parent_node.alias)}.{qn(remote.target_field.column)}")
                kind = "LEFT OUTER JOIN"
            else:
                raise ValueError(f"{path}: RowGet follows to-one relations only")
            by_path[path] = index
            if kind.startswith("LEFT"):
                outer.add(index)
            joins.append(f"{kind} {qn(target._meta.db_table)} {qn(nodes[index].alias)} ON {on}")

        root = nodes[0].alias
        equal = tuple(self.model._meta.get_field(n) for n in self.equal)
        where = [f"{qn(root)}.{qn(f.column)} = %s" for f in equal]
        where += [f"{qn(root)}.{qn(self.model._meta.get_field(n).column)} IS NULL"
                  for n in self.null]
        # Identifiers come from the models, quoted; values travel as parameters.
        sql = (f"SELECT {', '.join(columns)} "  # noqa: S608
               f"FROM {qn(self.model._meta.db_table)} {qn(root)} "
               f"{' '.join(joins)} WHERE {' AND '.join(where)}")
        if self.lock and connection.features.has_select_for_update:
            sql += " FOR UPDATE"
            if connection.features.has_select_for_update_of:
                sql += f" OF {qn(root)}"
        return sql, equal, tuple(nodes), tuple(converters)

    # --- a row into instances -----------------------------------------------------------

    def _instances(self, row: list, nodes: tuple[_Node, ...]) -> Model:
        objects: list[Model | None] = []
        for node in nodes:
            values = row[node.start:node.start + len(node.attnames)]
            parent = objects[node.parent] if node.parent is not None else None
            obj = (None if values[node.pk_index] is None
                   else node.model.from_db(self.using, node.attnames, values))
            objects.append(obj)
            if node.parent is None or parent is None:
                continue
            if node.reverse:  # parent.<reverse one-to-one> is obj, or known to be missing
                node.field.set_cached_value(parent, obj)
                if obj is not None:
                    node.field.field.set_cached_value(obj, parent)
            else:
                node.field.set_cached_value(parent, obj)
                if obj is not None and node.field.unique:
                    node.field.remote_field.set_cached_value(obj, parent)
        return objects[0]
