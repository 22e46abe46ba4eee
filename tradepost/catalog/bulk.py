"""Bulk loads: the catalog's secondary indexes are dropped while a large import runs and built afterwards.

Inserting a million rows into b-trees keyed on part numbers, prices or spec values writes each of them at
a random place, page after page; building an index once from the finished table sorts instead and is many
times quicker (PostgreSQL's "Populating a Database" advice; SQLite alike). Only indexes that no constraint
needs go: primary keys and unique constraints stay, so every row is still checked as it is written, and
the search triggers keep filling the search tables, so every row is searchable.

What is dropped is recorded first, with its exact definition, in catalog_droppedindex, in the same
transaction as the drop; the indexes are built again from there when the load ends, or, if the process died
first, by the next bulk load or restore_indexes(). Meanwhile the catalog's reads are correct but slower,
and on PostgreSQL building the indexes blocks writes to the tables for a while (not reads).
"""

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from tradepost.catalog.models import DroppedIndex, PriceBreak, Product, ProductSpec

# The tables a product import writes most rows to; catalog_search_product is the search index's own
# (PostgreSQL: its GIN index). The images' product index stays: an upsert deletes images by product.
TABLES = (
    Product._meta.db_table,
    PriceBreak._meta.db_table,
    ProductSpec._meta.db_table,
    "catalog_search_product",
)
_PG_BUILD_MEMORY = "256MB"  # maintenance_work_mem of each connection building an index
BUILDERS = 2  # PostgreSQL connections building the indexes at once
_SQLITE_ANALYZED = TABLES[:3]  # catalog_search_product is a virtual (FTS5) table there


@contextmanager
def bulk_load(tables: tuple[str, ...] = TABLES) -> Iterator[None]:
    """Drop the secondary indexes of `tables` while the block runs and build them again afterwards.

    Each statement commits on its own: not for use inside a transaction, where the drops would lock the
    tables until the end.
    """
    if connection.in_atomic_block:
        raise RuntimeError("bulk_load() drops indexes: it must not run inside a transaction.")
    restore_indexes()  # a load that died before building its indexes again
    with transaction.atomic():
        found = _secondary_indexes(connection, tables)
        DroppedIndex.objects.bulk_create(DroppedIndex(name=name, definition=sql) for name, sql in found)
        with connection.cursor() as cursor:
            for name, _ in found:
                cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        restore_indexes()
        _analyze(connection, tables)


def restore_indexes() -> int:
    """Build every index a bulk load dropped and hasn't built again; returns how many.

    On PostgreSQL, outside a transaction, BUILDERS connections build them side by side (an index build
    takes a lock that lets others build on the same table); SQLite builds one at a time.
    """
    dropped = list(DroppedIndex.objects.order_by("name"))
    if not dropped:
        return 0
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        for index in dropped:
            _build(index)
        return len(dropped)
    with ThreadPoolExecutor(BUILDERS, thread_name_prefix="catalog-index") as pool:
        # The biggest first, so the last to finish is a small one.
        list(pool.map(_build_and_close, sorted(dropped, key=lambda i: "USING gin" not in i.definition)))
    return len(dropped)


def _build(index: DroppedIndex) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET maintenance_work_mem = '{_PG_BUILD_MEMORY}'")
        cursor.execute(_if_not_exists(index.definition))
        if connection.vendor == "postgresql":
            cursor.execute("RESET maintenance_work_mem")
    index.delete()  # built (and committed) one by one: a failure leaves only the rest to do


def _build_and_close(index: DroppedIndex) -> None:
    try:
        _build(index)
    finally:
        connection.close()  # this thread's own connection


def _secondary_indexes(connection: BaseDatabaseWrapper, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes on `tables` that no constraint or key needs."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            found = []
            for table in tables:
                cursor.execute(
                    "SELECT il.name, m.sql FROM pragma_index_list(%s) il"
                    " JOIN sqlite_master m ON m.type = 'index' AND m.name = il.name"
                    " WHERE il.origin = 'c' AND NOT il.\"unique\" AND m.sql IS NOT NULL",
                    [table],
                )
                found += cursor.fetchall()
            return found
        cursor.execute(
            "SELECT ic.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE n.nspname = current_schema() AND t.relname = ANY(%s)"
            " AND NOT i.indisunique AND NOT i.indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [list(tables)],
        )
        return cursor.fetchall()


def _if_not_exists(definition: str) -> str:
    return re.sub(r"^CREATE INDEX (?!IF NOT EXISTS)", "CREATE INDEX IF NOT EXISTS ", definition, count=1)


def _analyze(connection: BaseDatabaseWrapper, tables: tuple[str, ...]) -> None:
    """Fresh planner statistics for the tables a load has filled."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")  # a sample per index, not a full read
            for table in tables:
                if table in _SQLITE_ANALYZED:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
            cursor.execute("PRAGMA analysis_limit = 0")
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
