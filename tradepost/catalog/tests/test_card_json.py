"""The product cards the database writes as JSON (cards.card_json_by_id), which the API's search answers
with: the same values, order and types as the cards built in Python and written by api.catalog.card_json."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tradepost.api.catalog import ProductOut, card_json
from tradepost.catalog import selectors, services
from tradepost.catalog.models import PriceBreak, Product, ProductSpec
from tradepost.catalog.tests.factories import make_catalog, product_data

pytestmark = pytest.mark.django_db


def _both(ids: list[int]) -> tuple[list[dict], list[dict]]:
    by_database = [json.loads(text) for text in selectors.products_json_in_order(ids)]
    by_python = [json.loads(card_json(card)) for card in selectors.products_in_order(ids)]
    return by_database, by_python


def test_the_database_writes_the_cards_python_writes():
    make_catalog()
    ids = list(Product.objects.order_by("-id").values_list("id", flat=True))
    by_database, by_python = _both(ids)
    assert by_database == by_python and len(by_database) == 4
    for item in by_database:
        ProductOut.model_validate(item)
    regulator = next(item for item in by_database if item["mpn"] == "LM317T")
    assert regulator["price_breaks"] == [
        {"min_quantity": 1, "unit_price": "0.5200"},
        {"min_quantity": 10, "unit_price": "0.4400"},
        {"min_quantity": 100, "unit_price": "0.3700"},
    ]
    assert regulator["price_from"] == "0.5200" and regulator["stock"] == 100
    assert [s["key"] for s in regulator["specs"]] == ["package", "voltage"]
    assert regulator["specs"][1] == {
        "key": "voltage", "name": "Voltage", "value": "37V", "unit": "V", "number": "37.000000000000000"
    }  # fmt: skip


def test_order_of_ids_breaks_and_specs_and_unknown_ids_in_one_query():
    """Breaks in quantity order and specs in attribute order, whatever order their rows were written in."""
    make_catalog()
    services.spec_attribute_create(key="aa-first", name="Zz last by name", kind="text", position=0)
    product, _ = services.product_save(
        data=product_data(
            "ODD-1", "ODD1",
            price_breaks=[(1000, "0.1"), (1, "0.9"), (50, "0.5")],
            specs={"voltage": "5V", "package": "DIP-8", "aa-first": "yes"},
        )
    )  # fmt: skip
    ids = [product.pk, *Product.objects.exclude(pk=product.pk).values_list("id", flat=True), 999_999]
    with CaptureQueriesContext(connection) as queries:
        texts = selectors.products_json_in_order(ids)
    assert len(queries) == 1
    items = [json.loads(text) for text in texts]
    assert [item["sku"] for item in items] == list(
        Product.objects.in_bulk(ids[:-1]).get(i).sku for i in ids[:-1]
    )
    assert [b["min_quantity"] for b in items[0]["price_breaks"]] == [1, 50, 1000]
    assert [s["key"] for s in items[0]["specs"]] == ["aa-first", "package", "voltage"]
    assert items == _both(ids)[1]
    assert selectors.products_json_in_order([]) == []


def test_awkward_text_numbers_and_empty_lists():
    """Quotes, backslashes, control characters and non-ASCII text; a product without breaks or specs; the
    smallest and largest prices, and a spec number in picofarads, in plain notation."""
    make_catalog()
    services.spec_attribute_create(key="capacitance", name="Capacitance", kind="number", unit="F", position=4)
    title = 'Relay "5V" \\ coil\ttab\u0001 – 継電器 😀'
    odd, _ = services.product_save(
        data=product_data(
            "ODD-2", "ODD2", title=title, manufacturer='Maker "Q" & Söhne',
            price_breaks=[(1, "99999999.9999"), (2, "0.0001")],
            specs={"capacitance": "4.7p", "voltage": "0", "package": "Ø 5 \"x\""},
        )
    )  # fmt: skip
    bare, _ = services.product_save(data=product_data("BARE-1", "BARE1", status="discontinued", specs={}))
    PriceBreak.objects.filter(product=bare).delete()  # as a product imported without prices may be
    Product.objects.filter(pk=bare.pk).update(price_from=None)
    ProductSpec.objects.filter(product=odd, attribute__key="voltage").update(value_number=Decimal("-12.5"))
    by_database, by_python = _both([odd.pk, bare.pk])
    assert by_database == by_python
    item, empty = by_database
    assert item["title"] == title and item["manufacturer"] == 'Maker "Q" & Söhne'
    assert [b["unit_price"] for b in item["price_breaks"]] == ["99999999.9999", "0.0001"]
    numbers = {s["key"]: s["number"] for s in item["specs"]}
    assert numbers == {"capacitance": "0.000000000004700", "voltage": "-12.500000000000000", "package": None}
    assert empty["price_breaks"] == [] and empty["specs"] == [] and empty["price_from"] is None


def test_fifteen_significant_digits_come_out_as_the_orm_reads_them():
    """SQLite keeps decimals as floats: each value with up to 15 significant digits (every price, and
    spec numbers short of that) is written exactly as stored."""
    make_catalog()
    product = Product.objects.get(mpn="LM317T")
    values = ["123456.123456789", "99999999999.9999", "0.000001234", "-0.5", "1E+3"]
    for n, value in enumerate(values):
        ProductSpec.objects.filter(product=product, attribute__key="voltage").update(
            value_number=Decimal(value)
        )
        PriceBreak.objects.filter(product=product, min_quantity=1).update(unit_price=Decimal(f"{n + 1}.0001"))
        by_database, by_python = _both([product.pk])
        assert by_database == by_python, value
        number = next(s["number"] for s in by_database[0]["specs"] if s["key"] == "voltage")
        assert Decimal(number) == Decimal(value)
