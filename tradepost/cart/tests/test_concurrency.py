"""Parallel adds to one cart (a double click without JavaScript) on a real database."""

import pytest

from tradepost.cart.models import CartLine
from tradepost.cart.services import cart_for, cart_line_add, cart_merge
from tradepost.checkout.tests.test_concurrency import run_threads
from tradepost.conftest import make_user
from tradepost.orders.tests.factories import shop

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_adds_of_a_new_product_all_count():
    shop()
    user = make_user("clicker@example.com")
    cart = cart_for(user=user, create=True)
    results = run_threads(lambda n: cart_line_add(cart=cart, sku="TI-LM317T", quantity=2), 8)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert CartLine.objects.get(cart=cart).quantity == 16


def test_parallel_sign_ins_merge_an_anonymous_cart_once():
    shop()
    user = make_user("merger@example.com")
    anonymous = cart_for(create=True)
    cart_line_add(cart=anonymous, sku="TI-LM317T", quantity=3)
    results = run_threads(lambda n: cart_merge(token=anonymous.token, user=user), 6)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert CartLine.objects.get(cart__user=user).quantity == 3
