from decimal import Decimal

import pytest

from tradepost.cart.models import Cart
from tradepost.cart.selectors import cart_view
from tradepost.cart.services import cart_for, cart_line_add, cart_line_remove, cart_line_set, cart_merge
from tradepost.catalog.models import Product
from tradepost.core.exceptions import NotFound, ValidationFailed
from tradepost.orders.tests.factories import shop

pytestmark = pytest.mark.django_db


def test_price_break_follows_the_quantity(buyer):
    shop()
    cart = cart_for(user=buyer, create=True)
    cart_line_set(cart=cart, sku="TI-LM317T", quantity=9)
    assert cart_view(cart).lines[0].unit_price == Decimal("0.5200")
    cart_line_add(cart=cart, sku="TI-LM317T", quantity=1)
    view = cart_view(cart)
    assert view.lines[0].quantity == 10 and view.lines[0].unit_price == Decimal("0.4400")
    assert view.goods == Decimal("4.40")


@pytest.mark.parametrize(
    "changes,quantity,message",
    [
        ({"moq": 5}, 3, "minimum order quantity is 5"),
        ({"order_multiple": 10}, 15, "multiples of 10"),
        ({"stock": 2}, 3, "Only 2 in stock"),
        ({"status": "discontinued"}, 1, "not for sale"),
    ],
)
def test_quantities_are_checked(buyer, changes, quantity, message):
    shop()
    Product.objects.filter(sku="TI-LM317T").update(**changes)
    with pytest.raises(ValidationFailed, match=message) as caught:
        cart_line_set(cart=cart_for(user=buyer, create=True), sku="TI-LM317T", quantity=quantity)
    assert caught.value.errors[0].field == "quantity"


@pytest.mark.parametrize("quantity", [0, -1, "3", 2.5, True, None])
def test_non_integers_are_refused(buyer, quantity):
    shop()
    with pytest.raises(ValidationFailed):
        cart_line_set(cart=cart_for(user=buyer, create=True), sku="TI-LM317T", quantity=quantity)


def test_unknown_sku_is_not_found(buyer):
    shop()
    cart = cart_for(user=buyer, create=True)
    with pytest.raises(NotFound):
        cart_line_set(cart=cart, sku="NOPE", quantity=1)
    with pytest.raises(NotFound):
        cart_line_remove(cart=cart, sku="TI-LM317T")


def test_a_line_that_became_unorderable_shows_its_problem(buyer):
    shop()
    cart = cart_for(user=buyer, create=True)
    cart_line_set(cart=cart, sku="TI-LM317T", quantity=10)
    Product.objects.filter(sku="TI-LM317T").update(stock=4)
    assert cart_view(cart).problems == [("TI-LM317T", "Only 4 in stock.")]


def test_anonymous_cart_merges_into_the_account_at_sign_in(buyer):
    shop()
    anonymous = cart_for(create=True)
    cart_line_set(cart=anonymous, sku="TI-LM317T", quantity=5)
    cart_line_set(cart=anonymous, sku="AMS-1117-33", quantity=2)
    mine = cart_for(user=buyer, create=True)
    cart_line_set(cart=mine, sku="TI-LM317T", quantity=5)
    merged = cart_merge(token=anonymous.token, user=buyer)
    assert merged.pk == mine.pk
    assert {line.product.sku: line.quantity for line in cart_view(merged).lines} == {
        "TI-LM317T": 10,
        "AMS-1117-33": 2,
    }
    assert not Cart.objects.filter(pk=anonymous.pk).exists()
    assert cart_merge(token=anonymous.token, user=buyer).pk == mine.pk  # twice: no harm


def test_a_bad_token_finds_no_cart():
    assert cart_for(token="not-a-uuid") is None
