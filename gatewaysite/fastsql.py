"""Inserts and updates by primary key, with the SQL compiled once per statement shape instead of once per call.

Why: every answered message writes the same few rows the same way (session turns, the run record, the reply's
chunks, the delivery marks). Through `create`/`bulk_create`/`filter(pk=…).update` Django builds and compiles the
statement again each time, and a py-spy --gil profile of the embedded server under bench/webhook_load.py put that
compilation, not SQLite, at a quarter of the CPU per message. These helpers keep the ORM's value handling (each
field's `get_db_prep_save`, so JSON, datetimes and foreign keys are stored exactly as the ORM stores them, on
SQLite and PostgreSQL alike) and skip the rest. No signals are sent: use them only for rows nobody listens to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache, lru_cache
from typing import Any

from django.db import connection, models
from django.utils import timezone


@cache
def _fields(model: type[models.Model]) -> dict[str, models.Field]:
    """attname (`agent_id`, `text`) → field, for every concrete column but the primary key."""
    return {field.attname: field for field in model._meta.concrete_fields if not field.primary_key}


@lru_cache(maxsize=256)
def _insert_sql(
    model: type[models.Model],
    names: tuple[str, ...],
    rows: int,
    returning: bool | tuple[str, ...],
    ignore_conflicts: bool,
) -> str:
    """The INSERT for `rows` rows of `names`; `returning` True returns the primary key, a tuple those attnames."""
    quote = connection.ops.quote_name
    fields = _fields(model)
    columns = ", ".join(quote(fields[name].column) for name in names)
    one = "(" + ", ".join(["%s"] * len(names)) + ")"
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {', '.join([one] * rows)}"
    if ignore_conflicts:  # every unique constraint, partial ones included (SQLite >= 3.35 and PostgreSQL)
        sql += " ON CONFLICT DO NOTHING"
    if not returning:
        return sql
    pk = model._meta.pk
    if returning is True:
        return sql + f" RETURNING {quote(pk.column)}"
    keys = ", ".join(quote(pk.column if name == pk.attname else fields[name].column) for name in returning)
    return sql + f" RETURNING {keys}"


@cache
def _update_sql(model: type[models.Model], names: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    fields = _fields(model)
    assignments = ", ".join(f"{quote(fields[name].column)} = %s" for name in names)
    return f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"


def _default(field: models.Field) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_default()


# Field classes whose database value is the Python value itself when it already has the column's plain type: a
# str for text, a bool for booleans, and an int for integers on SQLite (psycopg gets the ORM's typed integer
# wrappers). Exact classes only: a subclass (an encrypted field, say) always prepares its own values.
_TEXT = (models.CharField, models.TextField, models.SlugField)
_INTEGER = (
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.AutoField,
    models.BigAutoField,
)


def _plain_type(field: models.Field, vendor: str) -> type | None:
    """The Python type whose values `field` stores unchanged on `vendor`, or None when it must prepare them."""
    if type(field) in _TEXT:
        return str
    if type(field) is models.BooleanField:
        return bool
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if vendor == "sqlite" and type(field) in _INTEGER:
        return int
    return None


@lru_cache(maxsize=128)
def _preparers(model: type[models.Model], vendor: str) -> dict[str, tuple[models.Field, type | None]]:
    return {name: (field, _plain_type(field, vendor)) for name, field in _fields(model).items()}


def _prepare(field: models.Field, plain: type | None, value: Any) -> Any:
    """`field.get_db_prep_save(value)`, skipped for a value of the field's plain type (half of an insert's CPU).
    None passes through as the field would pass it, except for a boolean, which decides for itself."""
    if plain is not None and (type(value) is plain or (value is None and plain is not bool)):
        return value
    return field.get_db_prep_save(value, connection)


def _prepared(model: type[models.Model], row: Mapping[str, Any]) -> list[Any]:
    return [
        _prepare(field, plain, row[name] if name in row else _default(field))
        for name, (field, plain) in _preparers(model, connection.vendor).items()
    ]


def insert(
    model: type[models.Model],
    rows: Iterable[Mapping[str, Any]],
    *,
    returning: bool = True,
) -> list[int]:
    """Insert `rows` (attname → value; a missing column takes its default, `auto_now_add` included) in one
    statement; their primary keys in order when `returning`. Rows a unique key may refuse: `insert_new`."""
    rows = list(rows)
    if not rows:
        return []
    names = tuple(_fields(model))
    params = [value for row in rows for value in _prepared(model, row)]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, names, len(rows), returning, False), params)
        return [int(found[0]) for found in cursor.fetchall()] if returning else []


def _power_of_two_chunks(rows: list[Any], largest: int = 128) -> Iterator[list[Any]]:
    """`rows` in chunks of 128, 64, …, 1: a batch of any size takes at most eight statement shapes, so PostgreSQL
    prepares each shape once per connection instead of one per batch size (psycopg keeps 100 per connection)."""
    start, size = 0, largest
    while start < len(rows):
        while size > len(rows) - start:
            size //= 2
        yield rows[start : start + size]
        start += size


def insert_new(model: type[models.Model], rows: Sequence[Mapping[str, Any]], key: tuple[str, ...]) -> list[int | None]:
    """Insert `rows`, skipping each one a unique constraint refuses; per row, in order, its new primary key or None.

    Which rows went in is read back by `key` (attnames that identify a row, one of the unique constraints): a row
    whose key another row of the same call already took is a duplicate too, so the first occurrence wins, as
    it would one insert at a time. A few statements for the whole batch: per row, a statement and a savepoint
    were most of the intake's CPU on PostgreSQL (py-spy --gil, bench/webhook_load.py --distributed --ack-only).
    """
    names = tuple(_fields(model))
    pk = model._meta.pk.attname
    inserted: dict[tuple, int] = {}
    with connection.cursor() as cursor:
        for chunk in _power_of_two_chunks(list(rows)):
            params = [value for row in chunk for value in _prepared(model, row)]
            cursor.execute(_insert_sql(model, names, len(chunk), (pk, *key), True), params)
            for found in cursor.fetchall():
                inserted[tuple(found[1:])] = int(found[0])
    return [inserted.pop(tuple(row[name] for name in key), None) for row in rows]


def insert_objects(objects: Sequence[models.Model]) -> None:
    """Insert unsaved model instances of one model in one statement and set their primary keys (and the
    `auto_now_add` times they were stored with), as `bulk_create` does on a backend that returns keys."""
    if not objects:
        return
    model = type(objects[0])
    fields = _fields(model)
    now = timezone.now()
    for obj in objects:
        for name, field in fields.items():
            if getattr(field, "auto_now", False) or (
                getattr(field, "auto_now_add", False) and getattr(obj, name) is None
            ):
                setattr(obj, name, now)
    ids = insert(model, [{name: getattr(obj, name) for name in fields} for obj in objects])
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def update(model: type[models.Model], pk: int, **values: Any) -> int:
    """`UPDATE … SET values WHERE pk = pk`; how many rows changed (0 or 1)."""
    preparers = _preparers(model, connection.vendor)
    names = tuple(values)
    params: Sequence[Any] = [_prepare(*preparers[name], values[name]) for name in names]
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(model, names), [*params, pk])
        return cursor.rowcount


@cache
def _select_sql(model: type[models.Model], column: str) -> str:
    quote = connection.ops.quote_name
    return f"SELECT {columns(model)} FROM {quote(model._meta.db_table)} WHERE {quote(column)} = %s LIMIT 1"


def select_one(model: type[models.Model], column: str, value: Any) -> models.Model | None:
    """The row whose unique `column` equals `value`, built as the ORM builds it (see `build`)."""
    with connection.cursor() as cursor:
        cursor.execute(_select_sql(model, column), [value])
        row = cursor.fetchone()
    return None if row is None else build(model, row)


def columns(model: type[models.Model]) -> str:
    """The model's concrete columns, quoted and in field order: select these to `build` an instance."""
    quote = connection.ops.quote_name
    return ", ".join(quote(field.column) for field in model._meta.concrete_fields)


@cache
def _reading(model: type[models.Model]) -> tuple[tuple[str, ...], tuple[tuple[int, Any, tuple[Any, ...]], ...]]:
    """The attnames of `columns(model)`, and for each column that needs one, its converters as the compiler
    gathers them (the backend's, then the field's): SQLite datetimes and booleans, JSON, and so on."""
    converting = []
    for index, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        converters = (*connection.ops.get_db_converters(column), *field.get_db_converters(connection))
        if converters:
            converting.append((index, column, tuple(converters)))
    return tuple(field.attname for field in model._meta.concrete_fields), tuple(converting)


def build(model: type[models.Model], row: Sequence[Any]) -> models.Model:
    """An instance from a row of `columns(model)`: the field converters applied, then `Model.from_db`, as a queryset
    does — without a RawQuerySet resolving its columns again for every row (5 % of a message's CPU in a profile)."""
    names, converting = _reading(model)
    values = list(row)
    for index, column, converters in converting:
        value = values[index]
        for convert in converters:
            value = convert(value, column, connection)
        values[index] = value
    return model.from_db(connection.alias, names, values)
