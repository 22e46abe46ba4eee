"""CSV export: the import's format, streamed in chunks, and a round trip that loses nothing."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tradepost.catalog import exports
from tradepost.catalog.exports import catalog_export, catalog_export_chunks, format_decimal
from tradepost.catalog.imports import COLUMNS, catalog_import
from tradepost.catalog.models import Manufacturer, PriceBreak, Product, ProductImage, ProductSpec
from tradepost.catalog.tests.test_import import GOOD, csv_text, make_taxonomy

pytestmark = pytest.mark.django_db

ROWS = [
    GOOD,
    {
        **GOOD,
        "sku": "MUR-100N",
        "mpn": "GRM188R71H104KA93D",
        "manufacturer": "Murata",
        "category": "capacitors",
        "title": 'Capacitor 4.7µF, "X5R", 10V',
        "description": "Line one,\nline two; with = and | inside.",
        "datasheet_url": "",
        "weight_grams": "0",
        "hs_code": "",
        "country_of_origin": "",
        "stock": "0",
        "moq": "1",
        "order_multiple": "1",
        "price_breaks": "1:100|10:99.5",
        "specs": "capacitance=4.7µF;package=0805",
        "images": "",
    },
    {**GOOD, "sku": "OLD-1", "status": "discontinued", "price_breaks": "", "specs": "", "images": ""},
    {**GOOD, "sku": "NFS-1", "status": "not_for_sale", "specs": "package=SOT-23-5 (TSOP)"},
]


@pytest.fixture(autouse=True)
def catalog(db):
    make_taxonomy()
    report = catalog_import(source=io.StringIO(csv_text(*ROWS)))
    assert report.errors == []


def everything() -> list:
    """Every stored value of every product, without ids and timestamps."""
    products = []
    for product in Product.objects.order_by("sku"):
        products.append(
            (
                product.sku,
                product.mpn,
                product.mpn_normalized,
                product.manufacturer.name,
                product.category.slug,
                product.title,
                product.description,
                product.datasheet_url,
                product.weight_grams,
                product.hs_code,
                product.country_of_origin.code,
                product.stock,
                product.moq,
                product.order_multiple,
                product.status,
                product.price_from,
                list(product.price_breaks.values_list("min_quantity", "unit_price")),
                sorted(product.specs.values_list("attribute__key", "value_text", "value_number")),
                list(product.images.values_list("url", "position")),
            )
        )
    return products


def export_text(**kwargs) -> str:
    target = io.StringIO()
    catalog_export(target=target, **kwargs)
    return target.getvalue()


def test_export_then_import_into_an_empty_catalog_gives_identical_data():
    before = everything()
    text = export_text()

    Product.objects.all().delete()
    Manufacturer.objects.all().delete()
    report = catalog_import(source=io.StringIO(text))

    assert (report.created, report.errors) == (4, [])
    assert everything() == before
    assert export_text() == text


def test_the_export_writes_the_import_columns_and_values():
    rows = list(csv.DictReader(io.StringIO(export_text())))
    assert list(rows[0]) == list(COLUMNS)
    first = rows[0]
    assert first["sku"] == "YAG-10K"
    assert first["price_breaks"] == "10:0.008|100:0.004|1000:0.0021"
    assert first["specs"] == "resistance=10k;tolerance=1%;package=0603"  # in the attributes' order
    assert (first["hs_code"], first["country_of_origin"], first["images"].count("|")) == ("853321", "TW", 1)
    assert rows[1]["price_breaks"] == "1:100|10:99.5"
    assert rows[2]["status"] == "discontinued" and rows[2]["price_breaks"] == ""


def test_a_queryset_limits_the_export():
    text = export_text(queryset=Product.objects.filter(category__slug="capacitors"))
    assert [row["sku"] for row in csv.DictReader(io.StringIO(text))] == ["MUR-100N"]


def test_the_export_streams_chunks_with_a_fixed_number_of_queries_each(monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    with CaptureQueriesContext(connection) as captured:
        chunks = list(catalog_export_chunks(bom=True))
    # Header and first two products, then the last two; each chunk: products, breaks, specs, images.
    assert len(chunks) == 2
    assert chunks[0].startswith("\ufeffsku,mpn,") and chunks[0].count("\r\n") == 3
    assert chunks[1].count("\r\n") == 2
    # Categories and manufacturers once, four queries per chunk, one to find there is nothing more.
    assert len(captured) == 2 + 2 * 4 + 1


def test_an_empty_catalog_exports_the_header_only():
    PriceBreak.objects.all().delete()
    ProductSpec.objects.all().delete()
    ProductImage.objects.all().delete()
    Product.objects.all().delete()
    assert export_text() == ",".join(COLUMNS) + "\r\n"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.5200"), "0.52"),
        (Decimal("100.0000"), "100"),
        (Decimal("0.0001"), "0.0001"),
        (Decimal("12.5"), "12.5"),
    ],
)
def test_prices_are_written_without_trailing_zeros(value, text):
    assert format_decimal(value) == text
