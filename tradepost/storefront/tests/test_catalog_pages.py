import pytest

from tradepost.catalog.tests.factories import make_catalog
from tradepost.policies.loading import load_preset
from tradepost.policies.services import policy_activate

pytestmark = pytest.mark.django_db


def test_category_page_filters_without_javascript(client):
    make_catalog()
    page = client.get("/catalog/ics/").content.decode()
    assert "LM317T" in page and "AMS1117-3.3" in page and "3 products" in page
    filtered = client.get(
        "/catalog/ics/", {"in_stock": "1", "manufacturer": "texas-instruments"}
    ).content.decode()
    assert "LM317T" in filtered and "LM317LZ" not in filtered and "AMS1117" not in filtered


def test_category_page_htmx_returns_only_the_results(client):
    make_catalog()
    response = client.get("/catalog/ics/", {"spec.package": "TO-92"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">') and "LM317LZ" in body and "<html" not in body


def test_bad_filters_show_an_error_not_a_crash(client):
    make_catalog()
    response = client.get("/catalog/ics/", {"price_min": "abc"})
    assert response.status_code == 400 and "is not a number" in response.content.decode()


def test_product_page_shows_price_breaks_and_entitlements(client):
    policy_activate(policy=load_preset("components"), source="test")
    make_catalog()
    body = client.get("/products/TI-LM317T/").content.decode()
    assert "LM317T" in body and "10+" in body and "$0.44" in body and "100+" in body
    assert "Quality guarantee: 90 days" in body
    assert client.get("/products/NOPE/").status_code == 404
    assert client.get("/catalog/nope/").status_code == 404
