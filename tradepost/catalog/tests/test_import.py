"""CSV import: what a catalog manager uploads, what is stored and what the report says."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tradepost.catalog import imports
from tradepost.catalog.imports import COLUMNS, RowError, catalog_import
from tradepost.catalog.models import Manufacturer, PriceBreak, Product, ProductImage, ProductSpec
from tradepost.catalog.services import category_create, manufacturer_for, product_save, spec_attribute_create

pytestmark = pytest.mark.django_db

GOOD = {
    "sku": "YAG-10K",
    "mpn": "RC0603FR-0710KL",
    "manufacturer": "Yageo",
    "category": "resistors",
    "title": "10kΩ ±1% 0.1W 0603 thick film chip resistor",
    "description": "Thick film, AEC-Q200.",
    "datasheet_url": "https://datasheets.example.com/yageo/rc0603.pdf",
    "weight_grams": "1",
    "hs_code": "8533.21",
    "country_of_origin": "tw",
    "stock": "120000",
    "moq": "10",
    "order_multiple": "10",
    "status": "active",
    "price_breaks": "100:0.004|10:0.008|1000:0.0021",
    "specs": "resistance=10k;package=0603;tolerance=1%",
    "images": "https://img.example.com/a.jpg|https://img.example.com/b.jpg",
}

MOQ = imports._WRITTEN_FIELDS.index("moq")  # position in a written product row


def make_taxonomy() -> None:
    """Resistors and capacitors with their spec attributes, as an import expects to find them."""
    passives = category_create(name="Passive components", slug="passives")
    category_create(name="Resistors", slug="resistors", parent=passives)
    category_create(name="Capacitors", slug="capacitors", parent=passives)
    spec_attribute_create(key="resistance", name="Resistance", kind="number", unit="Ω", position=1)
    spec_attribute_create(key="capacitance", name="Capacitance", kind="number", unit="F", position=2)
    spec_attribute_create(key="tolerance", name="Tolerance", kind="number", unit="%", position=3)
    spec_attribute_create(key="package", name="Package", kind="text", position=4)


@pytest.fixture(autouse=True)
def taxonomy(db):
    make_taxonomy()


def row(**changes) -> dict:
    return {**GOOD, **changes}


def csv_text(*rows: dict, columns=COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def run(text: str, **kwargs):
    return catalog_import(source=io.StringIO(text), **kwargs)


def snapshot(sku: str) -> dict:
    product = Product.objects.get(sku=sku)
    return {
        "breaks": list(product.price_breaks.values_list("min_quantity", "unit_price")),
        "specs": sorted(product.specs.values_list("attribute__key", "value_text", "value_number")),
        "images": list(product.images.values_list("url", "position")),
    }


def test_a_good_file_creates_products_with_every_field_and_their_children():
    capacitor = row(
        sku="MUR-100N",
        mpn="GRM188R71H104KA93D",
        manufacturer="Murata",
        category="capacitors",
        price_breaks="1:0.02",
        specs="capacitance=100nF;package=0603",
        images="",
    )
    report = run(csv_text(row(), capacitor))

    assert (report.rows, report.created, report.updated, report.failed, report.errors) == (2, 2, 0, 0, [])
    product = Product.objects.get(sku="YAG-10K")
    assert product.mpn_normalized == "RC0603FR0710KL"
    assert (product.manufacturer.name, product.category.slug) == ("Yageo", "resistors")
    assert (product.hs_code, product.country_of_origin.code, product.stock, product.moq) == (
        "853321",
        "TW",
        120000,
        10,
    )
    # price_from is the unit price of the lowest quantity, whatever order the file lists the breaks in.
    assert product.price_from == Decimal("0.008")
    assert snapshot("YAG-10K") == {
        "breaks": [(10, Decimal("0.008")), (100, Decimal("0.004")), (1000, Decimal("0.0021"))],
        "specs": [
            ("package", "0603", None),
            ("resistance", "10k", Decimal("10000")),
            ("tolerance", "1%", Decimal(1)),
        ],
        "images": [("https://img.example.com/a.jpg", 0), ("https://img.example.com/b.jpg", 1)],
    }
    assert snapshot("MUR-100N")["specs"][0] == ("capacitance", "100nF", Decimal("1.00E-7"))
    assert not ProductImage.objects.filter(product__sku="MUR-100N").exists()


def test_the_import_stores_what_product_save_would():
    """The bulk path and the one-product service agree field by field."""
    run(csv_text(row()))
    imported = Product.objects.values().get(sku="YAG-10K")
    data = {
        **GOOD,
        "sku": "YAG-10K-B",
        "price_breaks": [(100, "0.004"), (10, "0.008"), (1000, "0.0021")],
        "specs": {"resistance": "10k", "package": "0603", "tolerance": "1%"},
        "images": GOOD["images"].split("|"),
    }
    product_save(data=data)
    saved = Product.objects.values().get(sku="YAG-10K-B")
    ignored = {"id", "sku", "created_at", "updated_at"}
    assert {k: v for k, v in imported.items() if k not in ignored} == {
        k: v for k, v in saved.items() if k not in ignored
    }
    assert snapshot("YAG-10K") == snapshot("YAG-10K-B")


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"sku": ""}, "sku", "This field is required."),
        ({"sku": "bad sku!"}, "sku", "starting with a letter or digit"),
        ({"mpn": ""}, "mpn", "This field is required."),
        ({"mpn": "--"}, "mpn", "at least one letter or digit"),
        ({"manufacturer": ""}, "manufacturer", "This field is required."),
        ({"category": "flux-capacitors"}, "category", "No category with the slug 'flux-capacitors'."),
        ({"title": ""}, "title", "This field is required."),
        ({"datasheet_url": "ftp://example.com/x.pdf"}, "datasheet_url", "Enter an http(s) address."),
        ({"weight_grams": "-1"}, "weight_grams", "Must be at least 0."),
        ({"hs_code": "85"}, "hs_code", "An HS code has 6 to 10 digits."),
        ({"country_of_origin": "XX"}, "country_of_origin", "'XX' is not an ISO country code."),
        ({"stock": "lots"}, "stock", "'lots' is not a whole number."),
        ({"moq": "0"}, "moq", "Must be at least 1."),
        ({"order_multiple": "0"}, "order_multiple", "Must be at least 1."),
        ({"status": "sold"}, "status", "Choose one of active, discontinued, not_for_sale."),
        ({"price_breaks": ""}, "price_breaks", "An active product needs at least one price."),
        ({"price_breaks": "1-0.52"}, "price_breaks", "'1-0.52' is not QUANTITY:PRICE"),
        (
            {"price_breaks": "1:0.5|10:0.6"},
            "price_breaks",
            "The unit price rises from 0.5 (1+) to 0.6 (10+).",
        ),
        ({"price_breaks": "1:0.5|1:0.4"}, "price_breaks", "Quantity 1 has two prices."),
        ({"price_breaks": "1:0.00001"}, "price_breaks", "more than 4 decimal places"),
        ({"price_breaks": "1:free"}, "price_breaks", "'1:free' is not QUANTITY:PRICE"),
        ({"price_breaks": "one:0.5"}, "price_breaks", "'one:0.5' is not QUANTITY:PRICE"),
        ({"specs": "resistance=ten"}, "specs", "resistance: 'ten' is not a number"),
        ({"specs": "colour=red"}, "specs", "Unknown specification 'colour'."),
        ({"specs": "resistance"}, "specs", "'resistance' is not KEY=VALUE"),
        ({"specs": "package=0603;package=0805"}, "specs", "'package' is given twice."),
        ({"specs": "resistance=9999G"}, "specs", "resistance: 9999G is too large to store."),
        ({"images": "https://img.example.com/a.jpg|a.jpg"}, "images", "'a.jpg' is not an http(s) address."),
    ],
)
def test_a_bad_value_is_reported_against_its_column_and_nothing_is_written(changes, column, message):
    report = run(csv_text(row(**changes)))

    assert (report.rows, report.created, report.failed) == (1, 0, 1)
    assert [(error.row, error.column) for error in report.errors] == [(2, column)]
    assert message in report.errors[0].message
    assert not Product.objects.exists()
    assert not PriceBreak.objects.exists()


def test_a_row_with_several_problems_lists_each_column():
    report = run(csv_text(row(mpn="", stock="x", specs="colour=red")))
    assert [error.column for error in report.errors] == ["mpn", "stock", "specs"]
    assert report.failed == 1


def test_a_bad_row_is_never_half_written_and_the_good_rows_around_it_load():
    rows = [row(sku="GOOD-1"), row(sku="BAD-SPECS", specs="resistance=oops"), row(sku="GOOD-2")]
    report = run(csv_text(*rows))

    assert (report.rows, report.created, report.failed) == (3, 2, 1)
    assert report.errors == [
        RowError(3, "specs", "resistance: 'oops' is not a number (SI prefixes such as 10k or 4.7u are fine)")
    ]
    assert set(Product.objects.values_list("sku", flat=True)) == {"GOOD-1", "GOOD-2"}
    assert PriceBreak.objects.count() == 6
    assert not PriceBreak.objects.filter(product__sku="BAD-SPECS").exists()


def test_an_upsert_updates_fields_and_replaces_breaks_specs_and_images():
    run(csv_text(row()))
    before = Product.objects.get(sku="YAG-10K")

    changed = row(
        title="Resistor, new title",
        stock="5",
        price_breaks="1:0.01|5000:0.002",
        specs="resistance=4.7k",
        images="https://img.example.com/c.jpg",
        manufacturer="YAGEO",
    )
    report = run(csv_text(changed))

    assert (report.created, report.updated, report.failed) == (0, 1, 0)
    after = Product.objects.get(sku="YAG-10K")
    assert (after.pk, after.created_at) == (before.pk, before.created_at)
    assert after.updated_at > before.updated_at
    assert (after.title, after.stock, after.price_from) == ("Resistor, new title", 5, Decimal("0.01"))
    # The manufacturer is matched without regard to case, as manufacturer_for matches it.
    assert after.manufacturer_id == before.manufacturer_id and Manufacturer.objects.count() == 1
    assert snapshot("YAG-10K") == {
        "breaks": [(1, Decimal("0.01")), (5000, Decimal("0.002"))],
        "specs": [("resistance", "4.7k", Decimal("4700"))],
        "images": [("https://img.example.com/c.jpg", 0)],
    }


def test_columns_left_out_are_left_alone_on_existing_products_and_default_on_new_ones():
    run(csv_text(row()))
    partial = ("sku", "mpn", "manufacturer", "category", "title", "price_breaks")
    report = run(csv_text(row(price_breaks="1:0.05"), row(sku="NEW-1"), columns=partial))

    assert (report.created, report.updated) == (1, 1)
    existing = Product.objects.get(sku="YAG-10K")
    assert (existing.stock, existing.moq, existing.hs_code, existing.price_from) == (
        120000,
        10,
        "853321",
        Decimal("0.05"),
    )
    assert len(snapshot("YAG-10K")["specs"]) == 3 and len(snapshot("YAG-10K")["images"]) == 2
    new = Product.objects.get(sku="NEW-1")
    assert (new.stock, new.moq, new.hs_code, new.specs.count(), new.images.count()) == (0, 1, "", 0, 0)


@pytest.mark.parametrize("batch_size", [1000, 1])
def test_a_repeated_sku_ends_up_as_its_later_row(batch_size):
    rows = [row(title="First"), row(sku="OTHER"), row(title="Second", price_breaks="1:0.09")]
    report = run(csv_text(*rows), batch_size=batch_size)

    assert (report.rows, report.created, report.updated, report.failed) == (3, 2, 1, 0)
    product = Product.objects.get(sku="YAG-10K")
    assert (product.title, product.price_from) == ("Second", Decimal("0.09"))
    assert snapshot("YAG-10K")["breaks"] == [(1, Decimal("0.09"))]


def test_a_repeated_sku_whose_later_row_is_bad_keeps_the_earlier_row():
    report = run(csv_text(row(title="First"), row(title="Second", stock="-3")))
    assert (report.created, report.updated, report.failed) == (1, 0, 1)
    assert report.errors[0].row == 3
    assert Product.objects.get(sku="YAG-10K").title == "First"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            ["sku", "mpn", "manufacturer", "category", "title", "price_breaks", "colour", ""],
            "Unknown columns: colour, (blank, column 8).",
        ),
        (["sku", "mpn", "category", "title"], "Missing required columns: manufacturer, price_breaks."),
        (
            ["sku", "mpn", "manufacturer", "category", "title", "price_breaks", "mpn"],
            "Columns named twice: mpn.",
        ),
    ],
)
def test_a_bad_header_is_one_error_naming_the_columns_and_nothing_is_read(header, message):
    text = ",".join(header) + "\r\n" + ",".join(["x"] * len(header)) + "\r\n"
    report = run(text)

    assert report.rows == 0 and report.failed == 0
    assert [(error.row, error.column) for error in report.errors] == [(1, "")]
    assert report.errors[0].message.startswith(message)
    assert "The columns are: sku, mpn" in report.errors[0].message
    assert not Product.objects.exists()


def test_header_names_ignore_case_and_spaces_and_columns_come_in_any_order():
    columns = list(reversed(COLUMNS))
    text = csv_text(row(), columns=columns).replace("sku", " SKU ", 1).replace("mpn", "Mpn", 1)
    report = run(text)
    assert (report.created, report.errors) == (1, [])


@pytest.mark.parametrize("as_path", [False, True])
def test_a_utf8_file_with_a_byte_order_mark_imports(tmp_path, as_path):
    data = ("\ufeff" + csv_text(row())).encode("utf-8")
    path = tmp_path / "bom.csv"
    path.write_bytes(data)
    report = catalog_import(source=path if as_path else io.BytesIO(data))
    assert (report.created, report.errors) == (1, [])
    assert Product.objects.get().title == GOOD["title"]


def test_a_text_stream_with_a_byte_order_mark_imports():
    report = run("\ufeff" + csv_text(row()))
    assert (report.created, report.errors) == (1, [])


def test_a_file_that_is_not_utf8_is_refused_before_anything_is_written(tmp_path):
    latin1 = csv_text(row(title="Plain"), row(sku="OTHER", title="Résistance 10 kOhm")).encode("latin-1")
    path = tmp_path / "latin1.csv"
    path.write_bytes(latin1)

    report = catalog_import(source=path)

    assert [(error.row, error.column) for error in report.errors] == [(0, "")]
    assert "not UTF-8 text (byte 0xE9 on line 3)" in report.errors[0].message
    assert str(report.errors[0]).startswith("file: The file is not UTF-8")
    assert not Product.objects.exists()


def test_a_utf16_file_is_refused_with_advice():
    data = csv_text(row()).encode("utf-16")
    report = catalog_import(source=io.BytesIO(data))
    assert report.errors[0].message == 'The file is UTF-16 text; save it as "CSV UTF-8" and try again.'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty"),
        ("\r\n", "The file is empty"),
        (csv_text(), "The file has a header but no product rows."),
    ],
)
def test_an_empty_file_or_a_header_alone_is_an_error(text, message):
    report = run(text)
    assert report.errors[0].message.startswith(message)
    assert report.rows == 0


def test_a_missing_file_is_an_error_not_a_crash(tmp_path):
    report = catalog_import(source=tmp_path / "nope.csv")
    assert report.errors[0].message.startswith("Cannot read ")


def test_ragged_rows_are_row_errors_and_the_rest_loads():
    good = csv_text(row())
    header, line = good.splitlines()
    text = (
        "\r\n".join(
            [
                header,
                line.replace("YAG-10K", "A-1") + ",extra",
                line.replace("YAG-10K", "A-2"),
                "A-3,ONLY-TWO",
            ]
        )
        + "\r\n"
    )
    report = run(text)

    assert (report.rows, report.created, report.failed) == (3, 1, 2)
    assert [str(error) for error in report.errors] == [
        "row 2: This row has 21 fields but the header has 20; check for stray or missing commas.",
        "row 4: This row has 2 fields but the header has 20; check for stray or missing commas.",
    ]


def test_rows_are_numbered_as_a_spreadsheet_shows_them():
    text = (
        csv_text(row(sku="A-1", description="two\nlines"), row(sku="A-2"))
        + "\r\n"
        + csv_text(row(sku="A-3", stock="x")).split("\r\n", 1)[1]
    )
    report = run(text)
    # header = 1, A-1 = 2 (one row although its description spans two lines), A-2 = 3, blank = 4, A-3 = 5
    assert [(error.row, error.column) for error in report.errors] == [(5, "stock")]
    assert report.rows == 3


def test_broken_quoting_is_a_row_error():
    header, line = csv_text(row()).splitlines()
    text = f'{header}\r\n{line.replace("YAG-10K", "A-1")}\r\n"A-2"x,{line.split(",", 1)[1]}\r\n'
    report = run(text)
    assert report.created == 1
    assert report.errors[0].row == 3 and "not valid CSV" in report.errors[0].message


def test_manufacturers_are_created_once_with_unique_slugs_and_reused_whatever_the_case():
    manufacturer_for("Texas Instruments")
    Manufacturer.objects.create(name="Acme Corp", slug="acme")
    rows = [
        row(sku="A-1", manufacturer="texas instruments"),
        row(sku="A-2", manufacturer="Acme"),
        row(sku="A-3", manufacturer="ACME"),
        row(sku="A-4", manufacturer="Acme"),
    ]
    report = run(csv_text(*rows))

    assert report.errors == []
    assert sorted(Manufacturer.objects.values_list("name", "slug")) == [
        ("Acme", "acme-2"),
        ("Acme Corp", "acme"),
        ("Texas Instruments", "texas-instruments"),
    ]
    assert Product.objects.filter(manufacturer__name="Acme").count() == 3


def test_a_batch_runs_a_fixed_number_of_queries_whatever_its_size():
    manufacturer_for("Yageo")

    def queries(count: int) -> int:
        rows = [row(sku=f"Q-{count}-{n}") for n in range(count)]
        with CaptureQueriesContext(connection) as captured:
            report = run(csv_text(*rows))
        assert report.created == count
        return len(captured)

    assert queries(3) == queries(40)


def test_a_database_error_in_a_batch_fails_only_the_offending_row(monkeypatch):
    original = imports._product_values

    def broken_moq(clean, manufacturer_id, stamp):
        values = original(clean, manufacturer_id, stamp)
        if clean.sku == "BREAKS-CHECK":
            # moq 0 passes nothing in Python here but violates the table's CHECK constraint.
            values = (*values[:MOQ], 0, *values[MOQ + 1 :])
        return values

    monkeypatch.setattr(imports, "_product_values", broken_moq)
    report = run(csv_text(row(sku="A-1"), row(sku="BREAKS-CHECK"), row(sku="A-2")))

    assert (report.created, report.failed) == (2, 1)
    assert report.errors[0].row == 3 and report.errors[0].message.startswith("Not saved: ")
    assert set(Product.objects.values_list("sku", flat=True)) == {"A-1", "A-2"}
    assert PriceBreak.objects.count() == 6 and ProductSpec.objects.count() == 6


def test_progress_is_reported_per_batch_up_to_the_total(tmp_path):
    path = tmp_path / "five.csv"
    path.write_text(csv_text(*[row(sku=f"P-{n}") for n in range(5)]), encoding="utf-8")
    calls = []
    report = catalog_import(
        source=path, batch_size=2, progress=lambda done, total: calls.append((done, total))
    )
    assert report.created == 5
    assert calls == [(2, 5), (4, 5), (5, 5)]


def test_validating_in_worker_processes_gives_the_same_report_and_data(monkeypatch):
    monkeypatch.setattr(imports, "_CHUNK_ROWS", 3)  # several chunks in flight
    rows = [row(sku=f"J-{n}", stock=str(n)) for n in range(20)]
    rows[4]["price_breaks"] = "1:2|10:3"
    rows[11]["category"] = "nowhere"
    header, *lines = csv_text(*rows).splitlines()
    lines[7] += ",stray"
    text = "\r\n".join([header, *lines]) + "\r\n"

    sequential = run(text)
    stored = sorted(Product.objects.values_list("sku", "stock", "price_from"))
    Product.objects.all().delete()
    parallel = run(text, jobs=2)

    assert (parallel.rows, parallel.created, parallel.failed) == (20, 17, 3)
    assert parallel.errors == sequential.errors
    assert [error.row for error in parallel.errors] == [6, 9, 13]
    assert sorted(Product.objects.values_list("sku", "stock", "price_from")) == stored
    assert Product.objects.get(sku="J-19").category.slug == "resistors"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite page cache setting")
def test_the_larger_sqlite_cache_of_an_import_is_given_back():
    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before = cache_size()
    assert run(csv_text(row())).created == 1
    assert cache_size() == before


class Unseekable(io.RawIOBase):
    """A pipe, say: it can't be rewound, so it can't be checked for UTF-8 before the import starts."""

    def __init__(self, data: bytes):
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self.data.readinto(buffer)


@pytest.mark.parametrize("jobs", [0, 2])
def test_a_stream_that_stops_being_utf8_keeps_the_rows_read_before(jobs):
    good = [row(sku=f"S-{n}", description="x" * 400) for n in range(60)]  # well past the first 8 KB read
    text = csv_text(*good, row(sku="LATIN", title="Résistance"))
    data = text.encode("utf-8").replace("é".encode(), b"\xe9")  # Latin-1 from here on

    report = catalog_import(source=io.BufferedReader(Unseekable(data)), jobs=jobs)

    last = report.errors[-1]
    assert last.row == 0 and last.message.startswith("The file is not UTF-8 text: it was read up to row ")
    read_up_to = int(last.message.split("row ")[1].split()[0])
    assert 2 <= read_up_to < 62
    assert report.created == read_up_to - 1 == Product.objects.count()
    assert not Product.objects.filter(sku="LATIN").exists()


def test_packed_dimensions_load_all_three_or_none():
    text = csv_text(
        {**GOOD, "sku": "BOX-1", "length_mm": "120", "width_mm": "80", "height_mm": "40"},
        {**GOOD, "sku": "BOX-2", "length_mm": "120", "width_mm": "", "height_mm": "40"},
        {**GOOD, "sku": "BOX-3", "length_mm": "-5", "width_mm": "80", "height_mm": "40"},
    )
    report = run(text)
    assert (report.created, report.failed) == (1, 2)
    assert {(e.row, e.column) for e in report.errors} == {(3, "length_mm"), (4, "length_mm")}
    box = Product.objects.get(sku="BOX-1")
    assert (box.length_mm, box.width_mm, box.height_mm) == (120, 80, 40)
