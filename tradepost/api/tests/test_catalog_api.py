import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradepost.accounts import services as account_services
from tradepost.api.catalog import ProductPageOut, card_json, page_json
from tradepost.catalog.cards import CardSpec, ProductCard
from tradepost.catalog.tests.factories import make_catalog
from tradepost.conftest import make_user
from tradepost.policies.loading import load_preset
from tradepost.policies.services import policy_activate

pytestmark = pytest.mark.django_db
API = "/api/v1"


def bearer(user) -> dict:
    _, secret = account_services.token_create(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_browse_with_filters_and_pagination(client):
    make_catalog()
    body = client.get(API + "/products", {"category": "ics", "per_page": 2, "sort": "part"}).json()
    assert body["total"] == 3 and [p["mpn"] for p in body["items"]] == ["AMS1117-3.3", "LM317LZ"]
    page2 = client.get(API + "/products", {"category": "ics", "per_page": 2, "page": 2}).json()
    assert [p["mpn"] for p in page2["items"]] == ["LM317T"]
    body = client.get(API + "/products", {"spec.package": "TO-92"}).json()
    assert [p["mpn"] for p in body["items"]] == ["LM317LZ"]
    assert body["items"][0]["price_breaks"][0] == {"min_quantity": 1, "unit_price": "0.5200"}
    body = client.get(API + "/products", {"spec.resistance.min": "1k", "spec.resistance.max": "20k"}).json()
    assert [p["mpn"] for p in body["items"]] == ["RC0603FR-0710KL"]


@pytest.mark.parametrize("params", [{"category": "ics"}, {"q": "lm317"}, {"q": "resistor 10k"}])
def test_the_product_list_is_exactly_what_its_schema_serializes(client, params):
    """The list is written as JSON by hand for speed (api/catalog._page; a search's cards by the database):
    it must be what ninja would have written through ProductPageOut, value for value and type for type."""
    from tradepost.api.urls import api

    make_catalog()
    response = client.get(API + "/products", params)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["items"] and any(item["specs"] for item in body["items"])
    dumped = ProductPageOut.model_validate(body).model_dump()
    through_schema = json.loads(api.renderer.render(None, dumped, response_status=200))
    assert body == through_schema


def _as_dict(card: ProductCard) -> dict:
    """A card as ProductPageOut serializes it (decimals in plain notation, as api.renderers writes them):
    the text card_json() writes must be json.dumps() of this."""
    return {
        "sku": card.sku, "mpn": card.mpn, "manufacturer": card.manufacturer, "category": card.category,
        "title": card.title, "stock": card.stock, "moq": card.moq, "order_multiple": card.order_multiple,
        "status": card.status, "price_from": None if card.price_from is None else f"{card.price_from:f}",
        "price_breaks": [{"min_quantity": q, "unit_price": f"{p:f}"} for q, p in card.breaks],
        "specs": [
            {"key": s.key, "name": s.name, "value": s.text, "unit": s.unit,
             "number": None if s.number is None else f"{s.number:f}"}
            for s in card.specs
        ],
    }  # fmt: skip


texts = st.text(max_size=12)  # any characters: quotes, backslashes, control characters, emoji
amounts = st.decimals(min_value=0, max_value=10**8, places=4, allow_nan=False)
specs = st.builds(
    CardSpec, key=texts, name=texts, unit=texts, text=texts,
    number=st.none() | st.decimals(min_value=-(10**9), max_value=10**9, places=9, allow_nan=False),
)  # fmt: skip
counts = st.integers(min_value=0, max_value=10**9)
cards = st.builds(
    ProductCard, id=counts, sku=texts, mpn=texts, title=texts, manufacturer=texts, category=texts,
    stock=counts, moq=counts, order_multiple=counts, status=texts, price_from=st.none() | amounts,
    breaks=st.lists(st.tuples(counts, amounts), max_size=4), specs=st.lists(specs, max_size=4),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(cards, max_size=3),
    page=counts,
    total=st.none() | counts,
    sort=st.none() | st.sampled_from(["part", "price", "-price"]) | texts,
)
def test_the_product_list_text_is_what_json_dumps_writes(items, page, total, sort):
    text = page_json([card_json(c) for c in items], page=page, per_page=20, total=total, sort=sort)
    body = {"items": [_as_dict(c) for c in items], "page": page, "per_page": 20, "total": total, "sort": sort}
    assert text == json.dumps(body)
    ProductPageOut.model_validate_json(text)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"spec.colour": "red"}, "spec.colour"),
        ({"price_min": "cheap"}, "price_min"),
        ({"price_min": "5", "price_max": "1"}, "price_max"),
        ({"per_page": "1000"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"sort": "random"}, "sort"),
        ({"spec.package.min": "3"}, "spec.package.min"),
    ],
)
def test_bad_listing_parameters_are_field_errors(client, params, field):
    make_catalog()
    response = client.get(API + "/products", params)
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


def test_unknown_category_and_product_are_404(client):
    make_catalog()
    assert client.get(API + "/products", {"category": "nope"}).status_code == 404
    assert client.get(API + "/products/NOPE").status_code == 404


def test_product_detail_shows_breadcrumb_and_warranty(client):
    policy_activate(policy=load_preset("wholesale"), source="test")
    cat = make_catalog()
    cat["ics"].warranty_class = "cell_phones"
    cat["ics"].save()
    body = client.get(API + "/products/TI-LM317T").json()
    assert [c["slug"] for c in body["breadcrumb"]] == ["components", "ics", "regulators"]
    assert body["warranty"]["class_key"] == "cell_phones" and body["warranty"]["months"] == 12
    assert {s["key"]: s["value"] for s in body["specs"]} == {"package": "TO-220", "voltage": "37V"}


def test_categories_tree(client):
    make_catalog()
    slugs = [c["slug"] for c in client.get(API + "/categories").json()]
    assert slugs.index("components") < slugs.index("ics") < slugs.index("regulators")


def test_staff_upsert_needs_the_fulfilment_desk(client):
    make_catalog()
    payload = {
        "mpn": "NE555P",
        "manufacturer": "Texas Instruments",
        "category": "ics",
        "title": "Timer",
        "price_breaks": [[1, "0.30"], [100, "0.21"]],
        "specs": {"package": "DIP-8"},
    }
    buyer = make_user("b@example.com")
    response = client.put(
        API + "/products/TI-NE555P", json.dumps(payload), content_type="application/json", **bearer(buyer)
    )
    assert response.status_code == 404
    staff = make_user("ops@example.com", is_staff=True)
    account_services.staff_set_desks(actor=staff, user=staff, desks=["fulfilment"])
    response = client.put(
        API + "/products/TI-NE555P", json.dumps(payload), content_type="application/json", **bearer(staff)
    )
    assert response.status_code == 200, response.content
    assert response.json()["price_from"] == "0.3000"
    bad = {**payload, "price_breaks": [[1, "0.30"], [100, "0.50"]]}
    response = client.put(
        API + "/products/TI-NE555P", json.dumps(bad), content_type="application/json", **bearer(staff)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "price_breaks"


def test_catalog_routes_are_tried_first():
    """Django tries URL patterns in order; the catalog's, the busiest, come before the rest of the API's."""
    from django.urls import resolve

    for path, name in [("/api/v1/products", "products"), ("/api/v1/products/X-1", "product_detail")]:
        match = resolve(path)
        assert match.url_name == name
        before = {str(tried[-1].pattern) for tried in match.tried[:-1]}
        assert before <= {"openapi.json", "docs", "categories", "products"}
