"""Large imports: what a batch writes to the search index in one go equals what the triggers write row by
row, and a bulk load drops the catalog's secondary indexes while it runs and always builds them again."""

import io
import json

import pytest
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from tradepost.catalog import bulk, imports
from tradepost.catalog.imports import COLUMNS, catalog_import
from tradepost.catalog.models import DroppedIndex, PriceBreak, Product, ProductSpec
from tradepost.catalog.search import schema, search_products
from tradepost.catalog.services import category_create, spec_attribute_create

GOOD = {
    "sku": "YAG-10K",
    "mpn": "RC0603FR-0710KL",
    "manufacturer": "Yageo",
    "category": "resistors",
    "title": "10kΩ ±1% 0603 thick-film chip resistor (AEC-Q200)",
    "description": "Thick film; automotive grade.",
    "stock": "120000",
    "price_breaks": "1:0.01|100:0.004",
    "specs": "resistance=10k;package=0603",
    "images": "https://img.example.com/a.jpg",
}
TITLES = [
    "Adjustable voltage regulator 1.2V to 37V 1.5A TO-220",
    "Précision shunt reference, SOT-23/TO-92",
    "QUARTZ oscillator: 16MHz; low-jitter",
    'Kelvin-sense resistor "4-wire" \\ 0.1Ω',
    "Dual\tchannel\nop-amp rail-to-rail",
]

MOQ = imports._WRITTEN_FIELDS.index("moq")  # position in a written product row


def make_taxonomy() -> None:
    passives = category_create(name="Passive components", slug="passives")
    category_create(name="Resistors", slug="resistors", parent=passives)
    spec_attribute_create(key="resistance", name="Resistance", kind="number", unit="Ω", position=1)
    spec_attribute_create(key="package", name="Package", kind="text", position=2)


def csv_text(rows: list[dict]) -> str:
    import csv

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def rows(count: int, prefix: str = "B") -> list[dict]:
    makers = ["Yageo", "Vishay", "Texas Instruments", "Ünïcode Parts"]
    return [
        {
            **GOOD,
            "sku": f"{prefix}-{n}",
            "mpn": f"RC{n:04d}-X",
            "manufacturer": makers[n % len(makers)],
            "title": TITLES[n % len(TITLES)],
        }
        for n in range(count)
    ]


def index_contents() -> dict:
    """Everything the search index holds, comparable across a rebuild."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            tables = {
                "product": "SELECT rowid, mpn, title, manufacturer, description FROM catalog_search_product",
                "mpn": "SELECT rowid, mpn FROM catalog_search_mpn",
                "made_by": "SELECT product_id, manufacturer_id FROM catalog_search_made_by",
                "maker": "SELECT id, name FROM catalog_search_maker",
                "words": "SELECT DISTINCT word FROM catalog_search_word",
            }
        else:
            tables = {
                "product": "SELECT product_id, document::text, mpn_normalized, title, maker, status, stock,"
                " category_id FROM catalog_search_product",
                "words": "SELECT DISTINCT word FROM catalog_search_word",
            }
        contents = {}
        for name, sql in tables.items():
            cursor.execute(sql)
            contents[name] = sorted(cursor.fetchall())
        return contents


def deferred_markers() -> int:
    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM catalog_search_deferred")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_batch_import_indexes_exactly_what_the_row_triggers_would():
    make_taxonomy()
    report = catalog_import(source=io.StringIO(csv_text(rows(23))), batch_size=10)
    assert (report.created, report.failed) == (23, 0)
    imported = index_contents()
    assert deferred_markers() == 0
    schema.rebuild(connection)  # what the catalog holds, indexed from scratch
    assert index_contents() == imported
    assert {"adjustable", "shunt", "oscillator", "kelvin", "sense", "channel"} <= {
        w for (w,) in imported["words"]
    }
    assert [p.sku for p in search_products("RC0007X")] == ["B-7"]
    assert "B-2" in {p.sku for p in search_products("quartz oscillator")}


@pytest.mark.django_db
def test_a_batch_that_fails_in_the_database_leaves_no_marker_and_an_index_true_to_what_was_written(
    monkeypatch,
):
    make_taxonomy()
    original = imports._product_values

    def broken_moq(clean, manufacturer_id, stamp):
        values = original(clean, manufacturer_id, stamp)
        moq = imports._WRITTEN_FIELDS.index("moq")
        return (*values[:moq], 0, *values[moq + 1 :]) if clean.sku == "B-3" else values  # violates a CHECK

    monkeypatch.setattr(imports, "_product_values", broken_moq)
    report = catalog_import(source=io.StringIO(csv_text(rows(6))))
    assert (report.created, report.failed) == (5, 1)
    assert deferred_markers() == 0
    written = index_contents()
    schema.rebuild(connection)
    assert index_contents() == written
    assert search_products("RC0003X") == []


@pytest.mark.django_db(transaction=True)
def test_batch_insert_must_run_inside_a_transaction():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's triggers index whole statements already")
    with pytest.raises(RuntimeError), schema.batch_insert(connection):
        pass


texts = st.lists(
    st.text(alphabet=st.sampled_from("abcXYZé K-,;:/()\t\n\r\"'\\.0 _\u00a0\u212aſ"), max_size=40),
    max_size=4,
)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None)
@given(texts)
def test_the_lexicon_words_split_out_in_python_are_those_sqlite_finds(values):
    if connection.vendor != "sqlite":
        pytest.skip("the Python split stands in for SQLite's")
    source = "FROM (SELECT value AS text FROM json_each(%s)) AS source"
    with connection.cursor() as cursor:
        cursor.execute(schema._sqlite_words("source.text", source), [json.dumps(values)])
        in_sql = {word for (word,) in cursor.fetchall()}
    assert schema.lexicon_words(values) == in_sql


# --- Bulk loads ------------------------------------------------------------------------------------------


def secondary_indexes() -> set[tuple[str, str]]:
    return set(bulk._secondary_indexes(connection, bulk.TABLES))


@pytest.mark.django_db(transaction=True)
def test_a_large_import_into_an_empty_catalog_drops_the_indexes_and_builds_them_again(monkeypatch):
    make_taxonomy()
    before = secondary_indexes()
    assert before  # there is something to drop
    seen_during = []
    original = imports.ProductBatchWriter.write

    def write(self, items):
        seen_during.append(secondary_indexes())
        return original(self, items)

    monkeypatch.setattr(imports, "BULK_LOAD_MIN_ROWS", 5)
    monkeypatch.setattr(imports.ProductBatchWriter, "write", write)
    report = catalog_import(source=io.StringIO(csv_text(rows(12))), batch_size=5)

    assert (report.created, report.failed) == (12, 0)
    assert seen_during and all(indexes == set() for indexes in seen_during)
    assert secondary_indexes() == before
    assert not DroppedIndex.objects.exists()
    assert [p.sku for p in search_products("RC0011X")] == ["B-11"]
    assert PriceBreak.objects.count() == 24 and ProductSpec.objects.count() == 24


@pytest.mark.django_db(transaction=True)
def test_an_import_smaller_than_the_catalog_keeps_the_indexes(monkeypatch):
    make_taxonomy()
    catalog_import(source=io.StringIO(csv_text(rows(12, prefix="OLD"))))
    before = secondary_indexes()
    monkeypatch.setattr(imports, "BULK_LOAD_MIN_ROWS", 5)
    monkeypatch.setattr(bulk, "bulk_load", None)  # would fail if called
    report = catalog_import(source=io.StringIO(csv_text(rows(6))))
    assert report.created == 6 and secondary_indexes() == before


@pytest.mark.django_db(transaction=True)
def test_indexes_a_failed_load_dropped_are_built_again_even_after_a_crash():
    make_taxonomy()
    before = secondary_indexes()
    with pytest.raises(ZeroDivisionError), bulk.bulk_load():
        assert secondary_indexes() == set()
        1 / 0  # noqa: B018 - the import fails halfway
    assert secondary_indexes() == before and not DroppedIndex.objects.exists()

    # A process that died mid-load left only the record of what it dropped.
    found = bulk._secondary_indexes(connection, bulk.TABLES)
    DroppedIndex.objects.bulk_create(DroppedIndex(name=name, definition=sql) for name, sql in found)
    with connection.cursor() as cursor:
        for name, _ in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    assert secondary_indexes() == set()
    assert bulk.restore_indexes() == len(before)
    assert secondary_indexes() == before and not DroppedIndex.objects.exists()


@pytest.mark.django_db
def test_a_bulk_load_refuses_to_run_inside_a_transaction():
    with pytest.raises(RuntimeError), bulk.bulk_load():
        pass
    assert Product.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_writing_on_a_thread_reports_and_stores_what_writing_in_the_transaction_does(monkeypatch):
    make_taxonomy()
    original = imports._product_values

    def broken_moq(clean, manufacturer_id, stamp):
        values = original(clean, manufacturer_id, stamp)
        return (*values[:MOQ], 0, *values[MOQ + 1 :]) if clean.sku == "B-4" else values  # fails in the DB

    monkeypatch.setattr(imports, "_product_values", broken_moq)
    lines = rows(11)
    lines[7]["price_breaks"] = "1:2|10:3"  # fails validation
    lines.append({**lines[2], "stock": "7"})  # B-2 again, in a later batch: the later row wins
    text = csv_text(lines)

    def imported():
        index = {name: sorted(row[1:] for row in rows) for name, rows in index_contents().items()}
        return sorted(Product.objects.values_list("sku", "stock", "price_from")), index  # ids aside

    progress: list = []
    threaded = catalog_import(source=io.StringIO(text), batch_size=3, progress=lambda *a: progress.append(a))
    stored = imported()
    Product.objects.all().delete()
    with transaction.atomic():  # a caller's transaction: the batches are written in it, on this thread
        in_transaction = catalog_import(source=io.StringIO(text), batch_size=3)

    assert (threaded.rows, threaded.created, threaded.updated, threaded.failed) == (12, 9, 1, 2)

    def errors(report):  # PostgreSQL's detail names the row's id and time, which differ between the runs
        return [(e.row, e.column, e.message.split(" DETAIL")[0]) for e in report.errors]

    assert errors(threaded) == errors(in_transaction)
    assert [error.row for error in threaded.errors] == [6, 9]
    assert (in_transaction.created, in_transaction.updated) == (9, 1)
    assert imported() == stored
    assert Product.objects.get(sku="B-2").stock == 7
    assert progress[-1][0] == 12 and [done for done, _ in progress] == sorted(done for done, _ in progress)


def test_a_batch_is_split_by_sku_each_part_in_file_order():
    batch = [(row, imports.Prepared(sku, "", (), (), (), ())) for row, sku in enumerate("ABCADBEAC", start=2)]
    parts = imports._by_sku(batch, 2)
    assert sorted(item for part in parts for item in part) == batch
    for part in parts:
        assert part == sorted(part)  # file order
    owner = {item[1].sku: n for n, part in enumerate(parts) for item in part}
    assert all(owner[item[1].sku] == n for n, part in enumerate(parts) for item in part)
    assert imports._by_sku(batch, 1) == [batch]


@pytest.mark.django_db(transaction=True)
def test_postgresql_writes_on_two_connections_and_a_sku_always_on_the_same_one(monkeypatch):
    make_taxonomy()
    writers: dict[str, set[int]] = {}
    original = imports.ProductBatchWriter.write

    def write(self, items):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 1")
            (backend,) = cursor.fetchone()
        for _, product in items:
            writers.setdefault(product.sku, set()).add(backend)
        return original(self, items)

    monkeypatch.setattr(imports.ProductBatchWriter, "write", write)
    lines = [{**line, "stock": str(round)} for round in range(1, 6) for line in rows(7)]  # each SKU 5 times
    report = catalog_import(source=io.StringIO(csv_text(lines)), batch_size=4)

    assert (report.created, report.updated, report.failed) == (7, 28, 0)
    assert all(len(backends) == 1 for backends in writers.values())  # its rows in order, on one connection
    used = set().union(*writers.values())
    assert len(used) == (2 if connection.vendor == "postgresql" else 1)
    assert set(Product.objects.values_list("stock", flat=True)) == {5}  # every SKU's last row won
    assert Product.objects.values("manufacturer").distinct().count() == 4
