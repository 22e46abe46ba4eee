from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tradepost.catalog import selectors, services
from tradepost.catalog.models import Product
from tradepost.catalog.selectors import ProductFilters, SpecFilter
from tradepost.catalog.tests.factories import make_catalog, product_data
from tradepost.core.exceptions import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def mpns(page) -> list[str]:
    return [p.mpn for p in page.products]


def test_category_subtree_and_sorting():
    cat = make_catalog()
    assert mpns(selectors.product_list(category=cat["ics"])) == ["AMS1117-3.3", "LM317LZ", "LM317T"]
    assert mpns(selectors.product_list(category=cat["root"], sort="price"))[0] == "RC0603FR-0710KL"
    assert mpns(selectors.product_list(category=cat["regulators"], sort="-price"))[-1] == "AMS1117-3.3"
    with pytest.raises(ValidationFailed):
        selectors.product_list(sort="cheapest")


def test_filters():
    cat = make_catalog()
    in_stock = selectors.product_list(category=cat["ics"], filters=ProductFilters(in_stock=True))
    assert "LM317LZ" not in mpns(in_stock)
    by_maker = selectors.product_list(filters=ProductFilters(manufacturers=("yageo",)))
    assert mpns(by_maker) == ["RC0603FR-0710KL"]
    cheap = selectors.product_list(filters=ProductFilters(price_max=Decimal("0.20")))
    assert set(mpns(cheap)) == {"AMS1117-3.3", "RC0603FR-0710KL"}
    to92 = selectors.product_list(filters=ProductFilters(specs=(SpecFilter("package", values=("TO-92",)),)))
    assert mpns(to92) == ["LM317LZ"]
    low_voltage = selectors.product_list(
        filters=ProductFilters(specs=(SpecFilter("voltage", maximum=Decimal(20)),))
    )
    assert mpns(low_voltage) == ["AMS1117-3.3"]
    resistance = selectors.product_list(
        filters=ProductFilters(
            specs=(SpecFilter("resistance", minimum=Decimal(1000), maximum=Decimal(100000)),)
        )
    )
    assert mpns(resistance) == ["RC0603FR-0710KL"]


def test_picofarads_are_stored_and_filtered_as_given(client):
    """Spec numbers keep 15 decimal places: 10 pF and 4.7 pF stay apart, and neither becomes 0."""
    make_catalog()
    services.spec_attribute_create(key="capacitance", name="Capacitance", kind="number", unit="F", position=4)
    for mpn, value in [("C10P", "10p"), ("C4P7", "4.7p"), ("C100N", "100n")]:
        services.product_save(
            data=product_data(f"SKU-{mpn}", mpn, category="resistors", specs={"capacitance": value})
        )
    stored = dict(Product.objects.filter(mpn__startswith="C").values_list("mpn", "specs__value_number"))
    assert stored == {"C10P": Decimal("1E-11"), "C4P7": Decimal("4.7E-12"), "C100N": Decimal("1E-7")}
    picofarads = selectors.product_list(
        filters=ProductFilters(
            specs=(SpecFilter("capacitance", minimum=Decimal("1e-12"), maximum=Decimal("5e-12")),)
        )
    )
    assert mpns(picofarads) == ["C4P7"]
    body = client.get("/api/v1/products", {"spec.capacitance.min": "5p", "spec.capacitance.max": "1u"}).json()
    assert [item["mpn"] for item in body["items"]] == ["C100N", "C10P"]
    detail = client.get("/api/v1/products/SKU-C4P7").json()
    assert detail["specs"][-1]["number"] == "0.000000000004700"


def test_hidden_statuses_are_not_listed():
    cat = make_catalog()
    services.product_save(data=product_data("TI-LM317T", "LM317T", status="discontinued"))
    assert "LM317T" not in mpns(selectors.product_list(category=cat["ics"]))
    services.product_save(data=product_data("TI-LM317T", "LM317T", status="not_for_sale"))
    with pytest.raises(NotFound):
        selectors.product_get(sku="TI-LM317T")
    assert selectors.product_get(sku="TI-LM317T", staff=True).status == "not_for_sale"


@pytest.mark.parametrize("per_page", [1, 5, 48])
def test_listing_takes_a_fixed_number_of_queries(per_page):
    make_catalog()
    category = selectors.category_get(slug="components")
    for n in range(60):
        services.product_save(
            data=product_data(
                f"GEN-{n}",
                f"GEN{n:03d}",
                category="resistors",
                specs={"resistance": f"{n + 1}k", "package": "0603"},
            )
        )
    subtree = selectors.category_place(slug="components").subtree
    with CaptureQueriesContext(connection) as queries:
        page = selectors.product_list(category=category, per_page=per_page, subtree=subtree)
    assert len(page.products) == per_page
    # count + products (with manufacturer and category) + price breaks + specs
    assert len(queries) == 4, [q["sql"] for q in queries]
    card = selectors.product_list(category=category, per_page=48, subtree=subtree).products[1]
    assert card.mpn == "GEN000"
    assert (card.manufacturer, card.category) == ("Texas Instruments", "resistors")
    assert card.breaks == [(1, Decimal("0.52")), (10, Decimal("0.44")), (100, Decimal("0.37"))]
    assert [(s.key, s.text) for s in card.specs] == [("package", "0603"), ("resistance", "1k")]


def test_product_page_takes_a_fixed_number_of_queries():
    make_catalog()
    with CaptureQueriesContext(connection) as queries:
        product = selectors.product_get(sku="TI-LM317T")
        selectors.category_ancestors(product.category)
        list(product.price_breaks.all()), list(product.specs.all()), list(product.images.all())
    assert len(queries) == 5


def test_facets_count_manufacturers_and_spec_values():
    cat = make_catalog()
    facets = selectors.listing_facets(category=cat["ics"], filters=ProductFilters())
    assert {m["slug"]: m["count"] for m in facets.manufacturers} == {
        "texas-instruments": 2,
        "advanced-monolithic-systems": 1,
    }
    package = next(s for s in facets.specs if s["key"] == "package")
    assert {v["value"] for v in package["values"]} == {"TO-220", "TO-92", "SOT-223"}
    voltage = next(s for s in facets.specs if s["key"] == "voltage")
    assert voltage["min"] == Decimal(15) and voltage["max"] == Decimal(37)


def test_product_save_validates_and_upserts():
    make_catalog()
    with pytest.raises(ValidationFailed) as caught:
        services.product_save(
            data=product_data(
                "BAD",
                "X",
                price_breaks=[(1, "0.10"), (10, "0.20")],
                specs={"colour": "red"},
                category="nowhere",
            )
        )
    fields = {e.field for e in caught.value.errors}
    assert {"price_breaks", "specs.colour", "category"} <= fields
    assert not Product.objects.filter(sku="BAD").exists()
    product, created = services.product_save(
        data=product_data("TI-LM317T", "LM-317 t", price_breaks=[(5, "0.60")])
    )
    assert not created and product.mpn_normalized == "LM317T" and product.price_from == Decimal("0.60")
    assert [(b.min_quantity, b.unit_price) for b in product.price_breaks.all()] == [(5, Decimal("0.6000"))]


def test_warranty_class_is_inherited_down_the_tree():
    root = services.category_create(name="Phones", slug="phones", warranty_class="cell_phones")
    child = services.category_create(name="Android", slug="android", parent=root)
    assert selectors.effective_warranty_class(child, selectors.category_ancestors(child)) == "cell_phones"
    other = services.category_create(name="Misc", slug="misc")
    assert selectors.effective_warranty_class(other, []) is None
