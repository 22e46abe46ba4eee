"""The checkout page: what it offers, placing once per key, and every refusal as a page, never a 500."""

import re
from decimal import Decimal

import pytest

from tradepost.cart.services import cart_for
from tradepost.catalog.models import PriceBreak, Product
from tradepost.conftest import make_user
from tradepost.orders.models import Order, OrderStatus
from tradepost.orders.tests.factories import fill_cart, make_address, shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(client, buyer):
    """A signed-in buyer with an address and 10 x LM317T (4.40 + 24.96 UPS shipping to NL) in the cart."""
    shop()
    fill_cart(buyer, {"TI-LM317T": 10})
    address = make_address(buyer)
    client.force_login(buyer)
    return address


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def form_data(client, address, **overrides) -> dict:
    html = client.get("/checkout/").content.decode()
    data = {
        "idempotency_key": hidden(html, "idempotency_key"),
        "expected_total": hidden(html, "expected_total"),
        "address_id": address.pk,
        "shipping_method": "ups.saver",
        "payment_method": "wire_transfer",
        "remark": "",
        "action": "place",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_page_shows_lines_choices_and_totals(client, ready):
    response = client.get("/checkout/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "LM317T" in html and "$0.4400" in html
    assert f'value="{ready.pk}" id="id_address_id_0" required checked' in html
    assert "Keizersgracht 1" in html
    assert 'href="/account/addresses/new/"' in html
    for label in ("PayPal", "Credit or debit card (through PayPal)", "Wire transfer", "Western Union"):
        assert f"<span>{label}</span>" in html
    assert "I need a commercial invoice" in html  # components: request_at_checkout
    assert 'id="checkout-total">$29.36' in html
    assert hidden(html, "expected_total") == "29.36"
    assert re.fullmatch(r"[0-9a-f]{32}", hidden(html, "idempotency_key"))
    # every view of the page gets its own key
    assert hidden(client.get("/checkout/").content.decode(), "idempotency_key") != hidden(
        html, "idempotency_key"
    )


def test_placing_the_order_goes_to_its_page(client, ready, buyer):
    data = form_data(client, ready, remark="Please pack in ESD bags.", commercial_invoice="on")
    response = client.post("/checkout/", data)
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/account/orders/{order.number}/"
    assert order.user == buyer and order.total == Decimal("29.36")
    assert order.payment_method == "wire_transfer" and order.shipping_method == "ups.saver"
    assert order.remark == "Please pack in ESD bags." and order.commercial_invoice_requested
    assert not cart_for(user=buyer).lines.exists()
    page = client.get(response["Location"]).content.decode()
    assert f"Order {order.number} is placed." in page
    assert "Cart <span" not in page  # the header count is back to nothing


def test_a_double_submit_places_one_order(client, ready):
    data = form_data(client, ready)
    first = client.post("/checkout/", data)
    second = client.post("/checkout/", data)
    order = Order.objects.get()
    assert first["Location"] == second["Location"] == f"/account/orders/{order.number}/"
    assert Product.objects.get(sku="TI-LM317T").stock == 90
    assert "was already placed" in client.get(second["Location"]).content.decode()


def test_a_price_change_since_review_is_reported_and_nothing_is_placed(client, ready):
    data = form_data(client, ready)
    PriceBreak.objects.filter(product__sku="TI-LM317T", min_quantity=10).update(unit_price=Decimal("0.50"))
    response = client.post("/checkout/", data)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Prices changed since you reviewed the order" in html
    assert not Order.objects.exists()
    # The page now shows and carries the new total; placing again confirms it.
    assert 'id="checkout-total">$29.96' in html and hidden(html, "expected_total") == "29.96"
    response = client.post("/checkout/", {**data, "expected_total": hidden(html, "expected_total")})
    assert response.status_code == 302
    assert Order.objects.get().total == Decimal("29.96")


def test_missing_fields_are_shown_next_to_them(client, ready):
    response = client.post("/checkout/", form_data(client, ready, address_id="", payment_method=None))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose a shipping address." in html and "Choose a payment method." in html
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"address_id": "abc"}, "No such address in your address book."),
        ({"address_id": "999999"}, "No such address in your address book."),
        ({"address_id": "99999999999999999999999"}, "No such address in your address book."),
        ({"payment_method": "bitcoin"}, "This store does not take that method."),
        ({"shipping_method": "teleport"}, "Choose a shipping method."),
        ({"remark": "x" * 2001}, "Ensure this value has at most 2000 characters"),
    ],
)
def test_tampered_or_invalid_input_is_a_field_error(client, ready, overrides, message):
    response = client.post("/checkout/", form_data(client, ready, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Order.objects.exists()


def test_another_buyers_address_is_not_offered_or_taken(client, ready):
    someone = make_user("someone@example.com")
    theirs = make_address(someone, line1="Their street 9")
    assert "Their street 9" not in client.get("/checkout/").content.decode()
    response = client.post("/checkout/", form_data(client, ready, address_id=theirs.pk))
    assert response.status_code == 400
    assert "No such address in your address book." in response.content.decode()
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"expected_total": None},
        {"expected_total": "abc"},
        {"idempotency_key": None},
        {"idempotency_key": "x" * 101},
    ],
)
def test_lost_or_tampered_hidden_fields_start_the_review_again(client, ready, overrides):
    response = client.post("/checkout/", form_data(client, ready, **overrides))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Review the order and place it again." in html
    assert hidden(html, "expected_total") == "29.36"
    assert re.fullmatch(r"[0-9a-f]{32}", hidden(html, "idempotency_key"))
    assert not Order.objects.exists()


def test_a_key_the_service_refuses_is_replaced(client, ready):
    response = client.post("/checkout/", form_data(client, ready, idempotency_key="bad\u0007key"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "At most 100 printable characters." in html
    assert re.fullmatch(r"[0-9a-f]{32}", hidden(html, "idempotency_key"))


def test_a_line_that_cannot_be_ordered_stops_the_order(client, ready):
    data = form_data(client, ready)
    Product.objects.filter(sku="TI-LM317T").update(stock=3)
    response = client.post("/checkout/", data)
    assert response.status_code == 400
    assert "Only 3 in stock." in response.content.decode()
    assert not Order.objects.exists()
    assert "Only 3 in stock." in client.get("/checkout/").content.decode()


def test_an_empty_cart_cannot_be_placed(client, ready, buyer):
    data = form_data(client, ready)
    cart_for(user=buyer).lines.all().delete()
    assert "Your cart is empty." in client.get("/checkout/").content.decode()
    response = client.post("/checkout/", data)
    assert response.status_code == 400
    assert "Your cart is empty." in response.content.decode()
    assert not Order.objects.exists()


def test_update_totals_reprices_without_placing_or_judging(client, ready):
    data = form_data(client, ready, payment_method=None, action="review")
    response = client.post("/checkout/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a payment method." not in html
    assert hidden(html, "idempotency_key") == data["idempotency_key"]  # the same confirmation
    assert not Order.objects.exists()
    fragment = client.post("/checkout/", data, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<section id="totals"') and "$29.36" in fragment


def test_without_an_address_the_page_points_to_the_address_book(client, buyer):
    shop()
    fill_cart(buyer, {"TI-LM317T": 10})
    client.force_login(buyer)
    html = client.get("/checkout/").content.decode()
    assert "Your address book is empty." in html and 'href="/account/addresses/new/"' in html
    key, total = hidden(html, "idempotency_key"), hidden(html, "expected_total")
    response = client.post(
        "/checkout/",
        {
            "idempotency_key": key,
            "expected_total": total,
            "shipping_method": "ups.saver",
            "payment_method": "card",
        },
    )
    assert response.status_code == 400 and "Choose a shipping address." in response.content.decode()


def test_the_invoice_tick_is_offered_only_where_the_policy_takes_requests(client, buyer):
    shop("wholesale")
    fill_cart(buyer, {"TI-LM317T": 10})
    address = make_address(buyer)
    client.force_login(buyer)
    html = client.get("/checkout/").content.decode()
    assert "I need a commercial invoice" not in html
    assert "A commercial invoice comes with every order." in html
    response = client.post(
        "/checkout/",
        form_data(
            client,
            address,
            payment_method="paypal",
            commercial_invoice="on",
            shipping_method="hongkong-post.air-registered",
        ),
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.commercial_invoice_requested  # "always" stores issue it anyway
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_checkout_needs_sign_in_for_post_too(client, ready):
    client.logout()
    response = client.post("/checkout/", {"action": "place"})
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    assert not Order.objects.exists()
