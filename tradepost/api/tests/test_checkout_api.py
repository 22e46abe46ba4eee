import pytest

from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for
from tradepost.catalog.models import Product
from tradepost.orders.models import Order
from tradepost.orders.tests.factories import fill_cart, make_address, shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(buyer):
    """A buyer with a token, an address and 10 x LM317T (4.40 USD) in the cart."""
    shop()
    fill_cart(buyer, {"TI-LM317T": 10})
    return {"auth": token_for(buyer), "address": make_address(buyer)}


def order_body(ready, **fields) -> dict:
    return {"address_id": ready["address"].pk, "payment_method": "wire_transfer", **fields}


def place(client, ready, key="key-1", **fields):
    return post(client, "/checkout", order_body(ready, **fields), HTTP_IDEMPOTENCY_KEY=key, **ready["auth"])


def test_preview_says_what_is_missing(client, ready):
    body = post(client, "/checkout/preview", {}, **ready["auth"]).json()
    assert body["ready"] is False
    assert {e["field"] for e in body["errors"]} == {"address_id", "payment_method"}
    assert body["shipping_method"] is None and body["shipping_options"] == []  # rates need a destination
    assert [m["code"] for m in body["payment_methods"]] == [
        "paypal",
        "card",
        "wire_transfer",
        "western_union",
    ]
    assert body["lines"][0]["line_total"] == "4.40"


def test_preview_prices_the_order(client, ready):
    body = post(client, "/checkout/preview", order_body(ready), **ready["auth"]).json()
    assert body["ready"] is True and body["errors"] == []
    assert body["totals"] == {
        "goods": "4.40",
        "discount": "0.00",
        "shipping": "24.96",
        "duties": "0.00",
        "total": "29.36",
    }
    assert body["address"]["id"] == ready["address"].pk and body["address"]["country"] == "NL"
    # The buyer picks among the policy's carriers, cheapest first; the cheapest is preselected.
    options = body["shipping_options"]
    assert [o["code"] for o in options] == ["ups.saver", "dhl.express", "fedex.priority"]
    assert [o["cost"] for o in options] == ["24.96", "26.00", "27.04"]
    assert body["shipping_method"] == "ups.saver"
    assert options[0]["incoterm"] == "DAP"


def test_preview_of_an_empty_cart_and_someone_elses_address(client, buyer, other_buyer):
    shop()
    theirs = make_address(other_buyer)
    body = post(
        client,
        "/checkout/preview",
        {"address_id": theirs.pk, "payment_method": "bitcoin"},
        **token_for(buyer),
    ).json()
    errors = {e["field"]: e["code"] for e in body["errors"]}
    assert errors == {"cart": "cart_empty", "address_id": "not_found", "payment_method": "invalid_choice"}
    assert body["address"] is None


def test_placing_answers_201_then_200_with_the_same_order_for_the_same_key(client, ready, buyer):
    first = place(client, ready)
    assert first.status_code == 201, first.content
    order = first.json()
    assert order["status"] == "awaiting_payment" and order["total"] == "29.36"
    assert [(line["sku"], line["quantity"], line["unit_price"]) for line in order["lines"]] == [
        ("TI-LM317T", 10, "0.4400")
    ]
    assert order["payment_instructions"]["reference"] == order["number"]
    assert client.get(API + "/cart", **ready["auth"]).json()["lines"] == []
    assert Product.objects.get(sku="TI-LM317T").stock == 90
    again = place(client, ready)  # a retry after a timeout: the cart is empty now, the answer is the same
    assert again.status_code == 200 and again.json()["number"] == order["number"]
    assert Order.objects.filter(user=buyer).count() == 1
    assert Product.objects.get(sku="TI-LM317T").stock == 90
    assert_problem(place(client, ready, key="key-2"), 422, code="checkout_incomplete", field="cart")


def test_the_idempotency_key_header_is_required(client, ready):
    body = assert_problem(
        post(client, "/checkout", order_body(ready), **ready["auth"]),
        400,
        code="idempotency_key_required",
        field="header.Idempotency-Key",
    )
    assert "Idempotency-Key" in body["detail"]
    assert_problem(place(client, ready, key="   "), 400, field="header.Idempotency-Key")
    assert_problem(place(client, ready, key="k" * 101), 422, field="header.Idempotency-Key")
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("fields", "status", "field"),
    [
        ({"payment_method": None}, 422, "payment_method"),
        ({"payment_method": "bitcoin"}, 422, "payment_method"),
        ({"address_id": None}, 422, "address_id"),
        ({"address_id": "home"}, 422, "body.address_id"),
        ({"shipping_method": "teleport"}, 422, "shipping_method"),
        ({"remark": "x" * 2001}, 422, "body.remark"),
        ({"remark": "bad\x00byte"}, 422, "body.remark"),
        ({"expected_total": "1.00"}, 409, "expected_total"),
        ({"expected_total": "NaN"}, 422, "body.expected_total"),
        ({"unit_price": "0.01"}, 422, "body.unit_price"),
    ],
)
def test_field_errors_are_problem_json_and_place_nothing(client, ready, fields, status, field):
    assert_problem(place(client, ready, **fields), status, field=field)
    assert not Order.objects.exists()
    assert Product.objects.get(sku="TI-LM317T").stock == 100


def test_the_total_the_buyer_saw_is_checked(client, ready):
    shown = post(client, "/checkout/preview", order_body(ready), **ready["auth"]).json()["totals"]["total"]
    response = place(client, ready, expected_total=shown, remark="Please pack well.")
    assert response.status_code == 201
    assert response.json()["remark"] == "Please pack well."


def test_checkout_needs_a_member(client, ready):
    assert_problem(post(client, "/checkout/preview", {}), 401)
    assert_problem(post(client, "/checkout", order_body(ready), HTTP_IDEMPOTENCY_KEY="k"), 401)


@pytest.mark.parametrize("method", ["paypal", "wire_transfer", "western_union"])
def test_the_placed_order_is_answered_as_it_is_read_back_later(
    client, ready, django_assert_max_num_queries, method
):
    # The 201 is built from what the request wrote, without reading it back; it must say exactly what
    # reading the order says (decimal places, times, lines, timeline, payment instructions).
    with django_assert_max_num_queries(30):
        placed = place(client, ready, payment_method=method)
    assert placed.status_code == 201, placed.content
    read = client.get(API + f"/orders/{placed.json()['number']}", **ready["auth"])
    again = place(client, ready, payment_method=method)
    assert placed.json() == read.json() == again.json()
    assert placed.json()["timeline"][0]["kind"] == "placed"


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_placed_email_is_sent_after_the_response(client, ready, monkeypatch):
    from django.core import mail

    from tradepost.api import orders as api_orders
    from tradepost.notifications import services as notifications

    happened = []
    render, deliver = api_orders.render_order, notifications.notification_deliver

    def rendering(*args, **kwargs):
        happened.append("response")
        return render(*args, **kwargs)

    def delivering(**kwargs):
        happened.append("email")
        return deliver(**kwargs)

    monkeypatch.setattr(api_orders, "render_order", rendering)
    monkeypatch.setattr(notifications, "notification_deliver", delivering)
    response = place(client, ready)
    assert response.status_code == 201
    assert happened == ["response", "email"]  # the buyer had the 201 before the email went out
    assert len(mail.outbox) == 1 and response.json()["number"] in mail.outbox[0].subject
