"""ORM queries compiled to SQL once per process, then run again with new values.

The lookups every checkout request makes (the buyer's cart and its lines, an address, the rate bands of a
zone) are small: building the queryset and compiling it costs more CPU than the database takes to answer.
A `Prepared` query is written as an ordinary queryset over named values. The first run on a database
compiles it with example values; later runs bind the caller's values where the examples were and execute
the same SQL. The rows become what the ORM would make of them: model instances through the same
converters, `select_related` population and annotations, or plain tuples for `values_list`. Prefetches
(`prefetch_related`) still run as ORM queries after the rows are read.

    cart_by_user = Prepared(lambda user_id: Cart.objects.filter(user_id=user_id).order_by("pk")[:1],
                            user_id=-1)
    cart = cart_by_user.first(user_id=user.pk)

On PostgreSQL the statement is also prepared on each connection (`server_prepared`), so the server
plans it once rather than on every run: for these lookups by key, planning takes longer than running.

Values are ints, strings or aware datetimes, or lists of ints for an `__in` filter (the SQL is
compiled once per list length); an int beyond 64 bits raises OverflowError, as no row can hold it. Each
example must appear exactly once among the compiled query's parameters, as the lookup passes it: an
example that a lookup transforms (`icontains`) or that the query repeats is refused when compiled, not
guessed at.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet, prefetch_related_objects
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.transaction import TransactionManagementError

Value = int | str | datetime | list[int]
_LIST_EXAMPLE_BASE = -7_340_000  # list examples: -7340001, -7340002, ...; no row has such an id


@dataclass(frozen=True)
class _Plan:
    alias: str
    sql: str
    params: tuple
    slots: tuple[tuple[str, int | None, int], ...]  # (name, index in a list value or None, position)
    converters: tuple  # (position, (converter functions, expression)) as the ORM applies them
    model_rows: tuple | None  # (model, init_list, start, end, related populators, annotations) for instances
    locks: bool  # SELECT ... FOR UPDATE: only inside a transaction
    prefetch: tuple


@contextmanager
def server_prepared(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Statements run in the block on `connection` (whose cursor is open) are prepared on the PostgreSQL
    connection when first run, and later runs with new values reuse them without being planned again.

    Only for lookups whose best plan doesn't depend on the values (by key, by unique column): a prepared
    statement may switch to a plan made for any value. Nothing else is prepared (Django's default), and
    PostgreSQL plans every other statement with its values. Needs server-side binding
    (config/settings.py), since with values written into the text no two runs would be the same
    statement; off with settings.DB_PREPARED_STATEMENTS. SQLite compiles statements by itself.
    """
    raw = connection.connection
    if (
        connection.vendor != "postgresql"
        or raw is None
        or not getattr(settings, "DB_PREPARED_STATEMENTS", False)
        or connection.settings_dict["OPTIONS"].get("server_side_binding") is not True
    ):
        yield
        return
    previous = raw.prepare_threshold
    raw.prepare_threshold = 0  # psycopg: prepare on the first run, and use what was prepared
    try:
        yield
    finally:
        raw.prepare_threshold = previous


class Prepared:
    """A queryset built by `build(**values)`, compiled on first use (once per length of each list value),
    run with new values by `all(**values)` / `first(**values)`. A process serves one database, so the SQL
    compiled for it is kept on the instance."""

    def __init__(self, build: Callable[..., QuerySet], **examples: int | str | datetime | list[int]):
        for name, example in examples.items():
            if not _scalar(example) and example != []:
                raise TypeError(
                    f"{name}: an example is an int, a string or an aware datetime, or [] for a list of ints"
                )
        self.build = build
        self.examples = examples
        self._plans: dict[tuple, _Plan] = {}

    def all(self, **values: Value) -> list:
        # A str subclass (SafeString, a TextChoices member) binds as the plain text it is; str(v) would
        # return a SafeString itself.
        values = {k: str.__str__(v) if isinstance(v, str) else v for k, v in values.items()}
        plan = self._plan(values)
        connection = connections[plan.alias]
        if plan.locks and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(plan.params)
        for name, index, position in plan.slots:
            params[position] = _db_value(connection, values[name] if index is None else values[name][index])
        with connection.cursor() as cursor, server_prepared(connection):
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        if plan.converters:
            rows = [_converted(row, plan.converters, connection) for row in rows]
        if plan.model_rows is None:
            return [tuple(row) for row in rows]
        model, init_list, start, end, populators, annotations = plan.model_rows
        objects = []
        for row in rows:
            obj = model.from_db(plan.alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for attribute, position in annotations:
                setattr(obj, attribute, row[position])
            objects.append(obj)
        if plan.prefetch and objects:
            prefetch_related_objects(objects, *plan.prefetch)
        return objects

    def first(self, **values: Value):
        rows = self.all(**values)
        return rows[0] if rows else None

    # --- compiling ---------------------------------------------------------------------------------------

    def _plan(self, values: dict) -> _Plan:
        if values.keys() != self.examples.keys():
            raise TypeError(f"expected the values {sorted(self.examples)}, got {sorted(values)}")
        shape = []
        for name, value in values.items():
            example = self.examples[name]
            if isinstance(example, list):
                if not isinstance(value, list) or not value or not all(_int(v) for v in value):
                    raise TypeError(f"{name}: a non-empty list of ints")
                shape.append(len(value))
            elif type(value) is not type(example):
                raise TypeError(f"{name}: expected {type(example).__name__}, got {type(value).__name__}")
            elif isinstance(value, datetime) and value.utcoffset() is None:
                raise TypeError(f"{name}: a datetime with a time zone")
            for one in value if isinstance(value, list) else [value]:
                if _int(one) and not -(2**63) <= one < 2**63:
                    raise OverflowError(f"{name}: {one} is beyond a 64-bit integer")
        shape = tuple(shape)
        plan = self._plans.get(shape)
        if plan is None:
            # Threads share plans: the SQL is the same for every connection, and the converters Django
            # picks read only settings shared by every connection to the database (its time zone).
            plan = self._plans[shape] = self._compile(values)
        return plan

    def _compile(self, values: dict) -> _Plan:
        examples = {}
        for name, example in self.examples.items():
            if isinstance(example, list):
                examples[name] = [_LIST_EXAMPLE_BASE - n for n in range(1, len(values[name]) + 1)]
            else:
                examples[name] = example
        queryset = self.build(**examples)
        iterable = queryset._iterable_class
        if iterable not in (ModelIterable, ValuesListIterable):
            raise TypeError("a prepared query returns model instances or values_list tuples")
        if queryset._known_related_objects:
            raise TypeError("build the query from the model's manager, not a related manager")
        alias = queryset.db
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if compiler.has_extra_select:
            raise TypeError("a prepared query selects only its own columns")
        params = tuple(params)
        connection = connections[alias]
        slots = []
        for name, example in examples.items():
            for index, one in enumerate(example) if isinstance(example, list) else [(None, example)]:
                one = _db_value(connection, one)  # as the lookup passes it: SQLite takes datetimes as text
                found = [n for n, p in enumerate(params) if type(p) is type(one) and p == one]
                if len(found) != 1:
                    raise ValueError(
                        f"{name}: the example {one!r} appears {len(found)} times among the query's "
                        "parameters; it must appear exactly once, unchanged"
                    )
                slots.append((name, index, found[0]))
        fields = [column for column, _, _ in compiler.select[: compiler.col_count]]
        model_rows = None
        if iterable is ModelIterable:
            info = compiler.klass_info
            start, end = info["select_fields"][0], info["select_fields"][-1] + 1
            init_list = [column[0].target.attname for column in compiler.select[start:end]]
            populators = tuple(get_related_populators(info, compiler.select, alias))
            # (attribute, position in the row) of each annotation, set on the instance as the ORM sets it
            annotations = tuple(compiler.annotation_col_map.items())
            model_rows = (info["model"], init_list, start, end, populators, annotations)
        return _Plan(
            alias=alias,
            sql=sql,
            params=params,
            slots=tuple(slots),
            converters=tuple(compiler.get_converters(fields).items()),
            model_rows=model_rows,
            locks=bool(queryset.query.select_for_update),
            prefetch=tuple(queryset._prefetch_related_lookups),
        )


def _converted(row: tuple, converters: tuple, connection) -> list:
    row = list(row)
    for position, (functions, expression) in converters:
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return row


def _db_value(connection, value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _int(value) -> bool:
    return type(value) is int


def _scalar(value) -> bool:
    return type(value) in (int, str) or (type(value) is datetime and value.utcoffset() is not None)
