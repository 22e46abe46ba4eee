"""A buyer types a part number, picks a suggestion, and reads the price breaks on the product page."""

import pytest

from tradepost.catalog.tests.factories import make_catalog
from tradepost.policies.loading import load_preset
from tradepost.policies.services import policy_activate

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_as_you_type_then_product_page(page):
    policy_activate(policy=load_preset("components"), source="test")
    make_catalog()
    page.goto("/")
    page.fill("input[name=q]", "lm-317")
    suggestion = page.locator("#suggestions a", has_text="LM317T")
    suggestion.wait_for()
    assert page.locator("#suggestions a", has_text="LM317LZ").count() == 1
    suggestion.click()
    page.wait_for_url("**/products/TI-LM317T/")
    assert page.locator("#mpn").inner_text() == "LM317T"
    rows = page.locator("#price-breaks tbody tr").all_inner_texts()
    assert [row.split("\t")[0].strip() for row in rows] == ["1+", "10+", "100+"]
    assert "$0.44" in rows[1]


def test_search_works_without_javascript(page):
    make_catalog()
    page.context.set_extra_http_headers({})
    page.goto("/search/?q=lm317")
    texts = page.locator("table.products tbody").inner_text()
    assert "LM317T" in texts and "LM317LZ" in texts
