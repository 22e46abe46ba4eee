"""Cart pages: anonymous carts, adding from the product page, changing lines, merging at sign-in."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tradepost.accounts.selectors import agreement_current
from tradepost.cart.models import Cart, CartLine
from tradepost.cart.services import cart_for
from tradepost.catalog.models import Product, ProductStatus
from tradepost.conftest import PASSWORD
from tradepost.orders.tests.factories import fill_cart, shop

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def catalog(db):
    return shop()


def add(client, sku="TI-LM317T", quantity=10, **extra):
    return client.post("/cart/add/", {"sku": sku, "quantity": quantity}, **extra)


def test_an_anonymous_buyer_adds_from_the_product_page_and_sees_the_cart(client, catalog):
    page = client.get("/products/TI-LM317T/").content.decode()
    assert 'action="/cart/add/"' in page and 'name="quantity"' in page

    response = add(client, quantity=10)
    assert response.status_code == 302 and response["Location"] == "/cart/"
    cart = Cart.objects.get()
    assert cart.user is None and client.session["cart_token"] == str(cart.token)

    page = client.get("/cart/").content.decode()
    assert "LM317T" in page
    assert "$0.4400" in page  # the 10+ break, read from the catalog
    assert 'id="cart-goods"><strong>$4.40' in page
    assert "Cart <span" in page and "(10)" in page  # the header count
    assert "You sign in (or register) to check out" in page


def test_looking_at_an_empty_cart_creates_nothing(client, catalog):
    response = client.get("/cart/")
    assert response.status_code == 200 and "Your cart is empty." in response.content.decode()
    assert "sessionid" not in response.cookies and not Cart.objects.exists()


def test_adding_again_adds_up_and_the_break_follows_the_quantity(client, catalog):
    add(client, quantity=60)
    add(client, quantity=40)
    assert CartLine.objects.get().quantity == 100
    assert "$0.3700" in client.get("/cart/").content.decode()


@pytest.mark.parametrize(
    ("setup", "quantity", "message"),
    [
        ({"moq": 5}, 3, "The minimum order quantity is 5."),
        ({"order_multiple": 10}, 15, "Order in multiples of 10."),
        ({"stock": 4}, 10, "Only 4 in stock."),
        ({"status": ProductStatus.DISCONTINUED}, 10, "This product is not for sale any more."),
    ],
)
def test_a_refused_add_explains_why_without_javascript(client, catalog, setup, quantity, message):
    Product.objects.filter(sku="TI-LM317T").update(**setup)
    response = add(client, quantity=quantity)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CartLine.objects.exists()


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"sku": "NO-SUCH-PART", "quantity": "1"}, 404),
        ({"sku": "../../etc/passwd", "quantity": "1"}, 404),
        ({"sku": "TI-LM317T", "quantity": "ten"}, 400),
        ({"sku": "TI-LM317T", "quantity": "-3"}, 400),
        ({"sku": "TI-LM317T", "quantity": "0"}, 400),
        ({"sku": "TI-LM317T", "quantity": "99999999999999999999"}, 400),
        ({"quantity": "1"}, 400),
        ({}, 400),
    ],
)
def test_bad_add_input_is_a_4xx_page(client, catalog, data, status):
    response = client.post("/cart/add/", data)
    assert response.status_code == status
    assert "Not added to your cart" in response.content.decode()
    assert not CartLine.objects.exists()


def test_add_with_htmx_answers_a_status_line_and_the_new_header_count(client, catalog):
    response = add(client, quantity=10, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Added." in body and 'href="/cart/"' in body
    assert 'id="cart-link"' in body and 'hx-swap-oob="true"' in body and "(10)" in body

    refused = add(client, quantity=1000, **HTMX)  # only 100 in stock
    assert refused.status_code == 200  # htmx swaps 2xx only; the text carries the refusal
    assert "Only 100 in stock." in refused.content.decode()
    assert "(10)" in refused.content.decode()


def test_the_quantity_field_defaults_to_the_smallest_orderable_quantity(client, catalog):
    cases = [((1, 1), 1), ((1, 10), 10), ((5, 1), 5), ((100, 100), 100), ((150, 100), 200), ((250, 100), 300)]
    for (moq, multiple), expected in cases:
        Product.objects.filter(sku="TI-LM317T").update(moq=moq, order_multiple=multiple)
        page = client.get("/products/TI-LM317T/").content.decode()
        form = page[page.index('class="add-to-cart"') :]
        assert f'value="{expected}"' in form[: form.index("</form>")], (moq, multiple)


def test_no_add_form_for_a_product_that_is_not_sold(client, catalog):
    Product.objects.filter(sku="TI-LM317T").update(status=ProductStatus.DISCONTINUED)
    assert 'action="/cart/add/"' not in client.get("/products/TI-LM317T/").content.decode()


@pytest.mark.parametrize("signed_in", [False, True])
def test_catalog_pages_read_no_cart_table_for_the_form_or_the_header(client, catalog, buyer, signed_in):
    if signed_in:
        client.force_login(buyer)
    add(client, quantity=10)
    for path in ("/products/TI-LM317T/", "/catalog/regulators/", "/"):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200
        assert "(10)" in response.content.decode()
        assert not [q["sql"] for q in ctx.captured_queries if "cart_" in q["sql"]], path


def test_the_cart_page_reads_a_fixed_number_of_queries(client, catalog):
    counts = []
    for sku in ("TI-LM317T", "AMS-1117-33", "YAG-RC0603-10K"):
        add(client, sku=sku, quantity=10)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/cart/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] == counts[2], counts


def test_update_changes_the_quantity_and_price_break(client, catalog):
    add(client, quantity=1)
    response = client.post("/cart/update/", {"sku": "TI-LM317T", "quantity": "100"})
    assert response.status_code == 302
    assert CartLine.objects.get().quantity == 100
    page = client.get("/cart/").content.decode()
    assert "$37.00" in page and "(100)" in page


def test_a_refused_update_shows_the_error_on_its_line_and_keeps_the_quantity(client, catalog):
    Product.objects.filter(sku="TI-LM317T").update(order_multiple=5)
    add(client, quantity=10)
    response = client.post("/cart/update/", {"sku": "TI-LM317T", "quantity": "12"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Order in multiples of 5." in body and 'class="line-problem"' in body
    assert CartLine.objects.get().quantity == 10


@pytest.mark.parametrize(
    "data",
    [
        {"sku": "TI-LM317T", "quantity": "many"},
        {"sku": "TI-LM317T"},
        {"sku": "NOT-IN-CART", "quantity": "5"},
        {"sku": "", "quantity": "5"},
    ],
)
def test_bad_update_input_is_a_4xx_page(client, catalog, data):
    add(client, quantity=10)
    response = client.post("/cart/update/", data)
    assert response.status_code in (400, 404)
    assert "Your cart" in response.content.decode()
    assert CartLine.objects.get().quantity == 10


def test_update_without_a_cart_is_404_not_500(client, catalog):
    response = client.post("/cart/update/", {"sku": "TI-LM317T", "quantity": "5"})
    assert response.status_code == 404
    assert not Cart.objects.exists()


def test_quantity_zero_or_remove_takes_the_line_out_and_a_second_remove_is_harmless(client, catalog):
    add(client, sku="TI-LM317T", quantity=10)
    add(client, sku="AMS-1117-33", quantity=3)
    assert client.post("/cart/update/", {"sku": "TI-LM317T", "quantity": "0"}).status_code == 302
    assert client.post("/cart/remove/", {"sku": "AMS-1117-33"}).status_code == 302
    assert client.post("/cart/remove/", {"sku": "AMS-1117-33"}).status_code == 302
    assert not CartLine.objects.exists()
    page = client.get("/cart/").content.decode()
    assert "Your cart is empty." in page and "(10)" not in page


def test_htmx_update_and_remove_answer_the_cart_fragment_and_the_count(client, catalog):
    add(client, quantity=10)
    response = client.post("/cart/update/", {"sku": "TI-LM317T", "quantity": "20"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<section id="cart"')
    assert "<html" not in body and "(20)" in body
    refused = client.post("/cart/update/", {"sku": "TI-LM317T", "quantity": "500"}, **HTMX)
    assert refused.status_code == 200 and "Only 100 in stock." in refused.content.decode()
    response = client.post("/cart/remove/", {"sku": "TI-LM317T"}, **HTMX)
    assert "Your cart is empty." in response.content.decode()


def test_lines_that_cannot_be_ordered_any_more_say_why(client, catalog):
    add(client, sku="TI-LM317T", quantity=10)
    add(client, sku="AMS-1117-33", quantity=3)
    Product.objects.filter(sku="TI-LM317T").update(stock=5)
    Product.objects.filter(sku="AMS-1117-33").update(status=ProductStatus.DISCONTINUED)
    body = client.get("/cart/").content.decode()
    assert "Only 5 in stock." in body
    assert "This product is not for sale any more." in body
    assert "Change or remove the lines marked above" in body


def test_cart_pages_are_post_only_where_they_change_things(client, catalog):
    for path in ("/cart/add/", "/cart/update/", "/cart/remove/"):
        assert client.get(path).status_code == 405


def test_checkout_asks_an_anonymous_buyer_to_sign_in(client, catalog):
    add(client, quantity=10)
    response = client.get("/checkout/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/checkout/"


def test_signing_in_merges_the_anonymous_cart_into_the_account(client, catalog, buyer):
    fill_cart(buyer, {"TI-LM317T": 10})
    add(client, sku="TI-LM317T", quantity=5)
    add(client, sku="AMS-1117-33", quantity=3)
    response = client.post("/account/login/?next=/checkout/", {"email": buyer.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/checkout/"
    lines = {line.product.sku: line.quantity for line in cart_for(user=buyer).lines.all()}
    assert lines == {"TI-LM317T": 15, "AMS-1117-33": 3}
    assert Cart.objects.count() == 1  # the anonymous cart is gone
    assert "cart_token" not in client.session
    assert "(18)" in client.get("/cart/").content.decode()


def test_registering_keeps_the_anonymous_cart(client, catalog):
    add(client, quantity=10)
    data = {
        "email": "new.buyer@example.com",
        "password": "a-long-and-unusual-passphrase",
        "full_name": "New Buyer",
        "country": "NL",
        "account_type": "buyer",
        "accept_agreement": "on",
        "agreement_version": agreement_current().version,
    }
    response = client.post("/account/register/", data)
    assert response.status_code == 302
    cart = Cart.objects.get()
    assert cart.user.email == "new.buyer@example.com"
    assert cart.lines.get().quantity == 10


def test_signing_out_leaves_the_account_cart_with_the_account(client, catalog, buyer):
    client.force_login(buyer)
    add(client, quantity=10)
    assert cart_for(user=buyer).lines.count() == 1
    client.post("/account/logout/")
    page = client.get("/cart/").content.decode()
    assert "Your cart is empty." in page
    client.post("/account/login/", {"email": buyer.email, "password": PASSWORD})
    assert "(10)" in client.get("/cart/").content.decode()
