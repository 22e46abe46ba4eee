import json

import pytest
from django.test import Client

from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for
from tradepost.catalog.models import Product
from tradepost.conftest import PASSWORD
from tradepost.orders.tests.factories import fill_cart, shop

pytestmark = pytest.mark.django_db


def put(client, path, body, **extra):
    return client.put(API + path, data=json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def signed_in(buyer):
    shop()
    client = Client()
    client.force_login(buyer)
    return client


def test_an_empty_cart(signed_in):
    assert signed_in.get(API + "/cart").json() == {
        "lines": [],
        "goods_total": "0.00",
        "item_count": 0,
        "ready": False,
    }


def test_set_add_remove_and_clear_lines_priced_by_the_server(signed_in):
    response = put(signed_in, "/cart/lines/TI-LM317T", {"quantity": 10})
    assert response.status_code == 200, response.content
    line = response.json()["lines"][0]
    assert line == {
        "sku": "TI-LM317T",
        "mpn": "LM317T",
        "manufacturer": "Texas Instruments",
        "title": "LM317T adjustable voltage regulator",
        "quantity": 10,
        "unit_price": "0.4400",
        "line_total": "4.40",
        "problem": None,
    }
    response = post(signed_in, "/cart/lines", {"sku": "TI-LM317T", "quantity": 90})
    assert response.status_code == 201
    assert response.json()["lines"][0]["quantity"] == 100
    assert response.json()["lines"][0]["unit_price"] == "0.3700"  # the 100+ break now applies
    post(signed_in, "/cart/lines", {"sku": "AMS-1117-33", "quantity": 5})
    cart = signed_in.get(API + "/cart").json()
    assert cart["goods_total"] == "37.60" and cart["item_count"] == 105 and cart["ready"] is True
    assert signed_in.delete(API + "/cart/lines/TI-LM317T").status_code == 204
    assert [line["sku"] for line in signed_in.get(API + "/cart").json()["lines"]] == ["AMS-1117-33"]
    assert_problem(signed_in.delete(API + "/cart/lines/TI-LM317T"), 404, code="line_not_found", field="sku")
    assert signed_in.delete(API + "/cart").status_code == 204
    assert signed_in.get(API + "/cart").json()["lines"] == []


def test_prices_are_never_taken_from_the_client(signed_in):
    body = assert_problem(
        post(signed_in, "/cart/lines", {"sku": "TI-LM317T", "quantity": 1, "unit_price": "0.01"}),
        422,
        field="body.unit_price",
    )
    assert body["errors"][0]["message"] == "Unknown field."
    assert_problem(put(signed_in, "/cart/lines/TI-LM317T", {"quantity": 1, "line_total": "0"}), 422)
    assert signed_in.get(API + "/cart").json()["lines"] == []


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/cart/lines/TI-LM317T", {"quantity": "many"}, 422, "body.quantity"),
        ("/cart/lines/TI-LM317T", {}, 422, "body.quantity"),
        ("/cart/lines/TI-LM317T", {"quantity": 0}, 422, "quantity"),
        ("/cart/lines/TI-LM317T", {"quantity": 101}, 422, "quantity"),  # more than in stock
        ("/cart/lines/TI-LM317LZ", {"quantity": 1}, 422, "quantity"),  # out of stock
        ("/cart/lines/NO-SUCH-SKU", {"quantity": 1}, 404, "sku"),
        ("/cart/lines/TI-LM317T", {"quantity": 10**12}, 422, "quantity"),
    ],
)
def test_quantity_errors_name_the_field(signed_in, path, body, status, field):
    assert_problem(put(signed_in, path, body), status, field=field)


def test_adding_errors_name_the_field(signed_in):
    assert_problem(post(signed_in, "/cart/lines", {"quantity": 1}), 422, field="body.sku")
    assert_problem(
        post(signed_in, "/cart/lines", {"sku": "TI-LM317T", "quantity": -3}), 422, field="quantity"
    )
    assert_problem(post(signed_in, "/cart/lines", {"sku": "NOPE", "quantity": 1}), 404, field="sku")
    assert_problem(post(signed_in, "/cart/lines", {"sku": "TI\x00", "quantity": 1}), 422, field="body.sku")


def test_a_line_that_can_no_longer_be_ordered_shows_its_problem(signed_in, buyer):
    fill_cart(buyer, {"TI-LM317T": 50})
    Product.objects.filter(sku="TI-LM317T").update(stock=20)
    cart = signed_in.get(API + "/cart").json()
    assert cart["lines"][0]["problem"] and cart["ready"] is False


def test_the_cart_needs_a_signed_in_member_and_takes_tokens(client, buyer):
    shop()
    assert_problem(client.get(API + "/cart"), 401, code="not_authenticated")
    assert_problem(put(client, "/cart/lines/TI-LM317T", {"quantity": 1}), 401)
    auth = token_for(buyer)
    assert put(client, "/cart/lines/TI-LM317T", {"quantity": 2}, **auth).status_code == 200
    assert client.get(API + "/cart", **auth).json()["item_count"] == 2


def test_session_writes_need_the_csrf_token(buyer):
    shop()
    client = Client(enforce_csrf_checks=True)
    post(client, "/auth/login", {"email": buyer.email, "password": PASSWORD})
    assert put(client, "/cart/lines/TI-LM317T", {"quantity": 1}).status_code in {401, 403}
    token = client.cookies["csrftoken"].value
    response = put(client, "/cart/lines/TI-LM317T", {"quantity": 1}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content


def test_a_sku_with_a_nul_is_simply_not_found(signed_in):
    assert_problem(put(signed_in, "/cart/lines/TI%00", {"quantity": 1}), 404)
    assert_problem(signed_in.delete(API + "/cart/lines/TI%00"), 404)
