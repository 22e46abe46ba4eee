"""Category, product and search reads as pages and the API use them: what they show, in how many queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.template.defaultfilters import floatformat
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from tradepost.catalog import cards, selectors, services
from tradepost.catalog.models import PriceBreak, ProductSpec
from tradepost.catalog.params import filters_from_params
from tradepost.catalog.selectors import ProductFilters
from tradepost.catalog.tests.factories import make_catalog, product_data
from tradepost.core.exceptions import NotFound
from tradepost.policies.loading import load_preset
from tradepost.policies.selectors import policy_active
from tradepost.policies.services import policy_activate
from tradepost.storefront.views.catalog import price_text

pytestmark = pytest.mark.django_db


def test_category_place_reads_the_category_its_ancestors_children_and_subtree_in_one_query():
    cat = make_catalog()
    with CaptureQueriesContext(connection) as queries:
        place = selectors.category_place(slug="ics")
    assert len(queries) == 1
    assert place.category == cat["ics"]
    assert place.ancestors == [cat["root"]]
    assert place.children == [cat["regulators"]]
    assert place.subtree == sorted([cat["ics"].pk, cat["regulators"].pk])
    assert selectors.category_place(slug="components").subtree == sorted(
        c.pk for c in cat.values() if hasattr(c, "path")
    )
    with pytest.raises(NotFound):
        selectors.category_place(slug="nope")


def test_cards_carry_what_the_orm_reads_number_for_number():
    make_catalog()
    ids = list(PriceBreak.objects.values_list("product_id", flat=True).distinct())
    by_id = {card.id: card for card in selectors.products_in_order(ids)}
    for product_id, card in by_id.items():
        breaks = list(
            PriceBreak.objects.filter(product_id=product_id)
            .order_by("min_quantity")
            .values_list("min_quantity", "unit_price")
        )
        assert [(q, str(p)) for q, p in card.breaks] == [(q, str(p)) for q, p in breaks]
        numbers = dict(
            ProductSpec.objects.filter(product_id=product_id).values_list("attribute__key", "value_number")
        )
        assert {s.key: (None if s.number is None else str(s.number)) for s in card.specs} == {
            k: (None if v is None else str(v)) for k, v in numbers.items()
        }


def test_products_in_order_keeps_the_order_given_and_skips_unknown_ids():
    make_catalog()
    ids = list(PriceBreak.objects.values_list("product_id", flat=True).distinct().order_by("-product_id"))
    with CaptureQueriesContext(connection) as queries:
        found = selectors.products_in_order([*ids, 999_999])
    assert [card.id for card in found] == ids and len(queries) == 3


def test_a_cached_total_that_turned_stale_is_corrected_by_the_page_itself():
    cat = make_catalog()
    subtree = selectors.category_place(slug="components").subtree
    page = selectors.product_list(category=cat["root"], per_page=3, subtree=subtree, total=100)
    assert page.total == 100 and page.has_next  # a full page: the cached count may well be right
    page = selectors.product_list(category=cat["root"], per_page=3, page=2, subtree=subtree, total=100)
    assert (len(page.products), page.total, page.has_next) == (1, 4, False)  # the last page: exact
    page = selectors.product_list(category=cat["root"], per_page=3, subtree=subtree, total=0)
    assert page.total == 4 and len(page.products) == 3  # rows are read whatever the cache says


def test_facets_are_counted_once_and_shared_until_they_expire(monkeypatch):
    cat = make_catalog()
    first = selectors.listing_facets(category=cat["ics"], filters=ProductFilters())
    assert first.total == 3
    with CaptureQueriesContext(connection) as queries:
        again = selectors.listing_facets(category=cat["ics"], filters=ProductFilters())
    assert len(queries) == 0 and again == first
    in_stock = selectors.listing_facets(category=cat["ics"], filters=ProductFilters(in_stock=True))
    assert in_stock.total == 2
    services.product_save(data=product_data("TI-NEW", "LM7805", stock=5))
    assert selectors.listing_facets(category=cat["ics"], filters=ProductFilters()).total == 3  # until expiry

    monkeypatch.setattr(selectors, "_clock", lambda: 2**40)  # long past FACETS_TTL
    from django.core.cache import cache

    key = f"catalog:facets:2:{cat['ics'].pk}:{cat['ics'].path}:0"
    cache.add(f"{key}:refresh", 1)  # another request is recounting: keep showing the old counts
    assert selectors.listing_facets(category=cat["ics"], filters=ProductFilters()).total == 3
    cache.delete(f"{key}:refresh")
    assert selectors.listing_facets(category=cat["ics"], filters=ProductFilters()).total == 4


def test_spec_attributes_are_read_only_when_a_spec_filter_is_given():
    def attributes():
        raise AssertionError("read without a spec filter")

    assert filters_from_params(QueryDict("in_stock=1&manufacturer=ti"), attributes).in_stock
    make_catalog()
    filters = filters_from_params(QueryDict("spec.package=TO-92"), selectors.spec_attributes)
    assert filters.specs[0].values == ("TO-92",)
    assert filters.narrowed and not ProductFilters(in_stock=True).narrowed


def test_product_detail_reads_the_product_and_what_its_page_shows_in_five_queries():
    cat = make_catalog()
    with CaptureQueriesContext(connection) as queries:
        detail = selectors.product_detail(sku="TI-LM317T")
    assert len(queries) == 5
    assert (detail.product.manufacturer.name, detail.product.category) == (
        "Texas Instruments",
        cat["regulators"],
    )
    assert detail.ancestors == [cat["root"], cat["ics"]]
    assert detail.breaks[0] == {"min_quantity": 1, "unit_price": Decimal("0.52")}
    assert [s.key for s in detail.specs] == ["package", "voltage"]
    services.product_save(data=product_data("TI-LM317T", "LM317T", status="not_for_sale"))
    with pytest.raises(NotFound):
        selectors.product_detail(sku="TI-LM317T")
    assert selectors.product_detail(sku="TI-LM317T", staff=True).product.status == "not_for_sale"
    with pytest.raises(NotFound):
        selectors.product_detail(sku="bad\x00sku")


def test_the_category_page_takes_at_most_seven_queries_and_five_once_its_facets_are_counted(client, settings):
    settings.STOREFRONT_PAGE_CACHE = False  # the render's own queries (a cached page: test_page_cache.py)
    policy_activate(policy=load_preset("components"), source="test")
    policy_active()  # parsed once per process: not this page's cost
    make_catalog()
    with CaptureQueriesContext(connection) as cold:
        assert client.get("/catalog/components/?per_page=48").status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get("/catalog/components/?per_page=48").status_code == 200
    assert (len(cold), len(warm)) == (7, 5), [q["sql"][:80] for q in warm]


def test_the_product_page_takes_seven_queries(client, settings):
    settings.STOREFRONT_PAGE_CACHE = False  # the render's own queries (a cached page: test_page_cache.py)
    policy_activate(policy=load_preset("components"), source="test")
    make_catalog()
    client.get("/products/TI-LM317T/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/products/TI-LM317T/").status_code == 200
    # The product with its manufacturer and category, its breaks, specs and images, the category's
    # ancestors, the policy (read once per request: storefront.policy) and the published reviews with their
    # count and average (reviews.selectors).
    assert len(queries) == 7, [q["sql"][:80] for q in queries]


def test_listing_rows_and_filters_escape_what_the_catalog_holds(client):
    make_catalog()
    services.product_save(
        data=product_data(
            "X-1", "LM<317>", title='<script>alert("t")</script> & co', specs={"package": '"><b>TO-220'}
        )
    )
    body = client.get("/catalog/regulators/").content.decode()
    assert "<script>" not in body and "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; co" in body
    assert "LM&lt;317&gt;" in body
    assert '"><b>' not in body and "&quot;&gt;&lt;b&gt;TO-220" in body
    assert 'href="/products/X-1/"' in body


@given(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999999.9999"), places=4))
def test_unit_prices_show_as_floatformat_minus_four_shows_them(value):
    assert price_text(value) == floatformat(value, "-4")
    assert price_text(value.quantize(Decimal("0.0001"))) == floatformat(
        value.quantize(Decimal("0.0001")), "-4"
    )


def test_card_statements_follow_the_model_names():
    # Written once from the models: a renamed column shows up here rather than as a failing page.
    statements = cards._statements(connection.vendor)
    assert "catalog_pricebreak" in statements.breaks and "unit_price" in statements.breaks
