"""Races against a real database: threads with their own connections (run on SQLite and PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from tradepost.cart.services import cart_for, cart_line_set
from tradepost.catalog.models import Product
from tradepost.checkout.services import OutOfStock, checkout_place
from tradepost.conftest import make_user
from tradepost.core.exceptions import ValidationFailed
from tradepost.orders.models import Order
from tradepost.orders.tests.factories import make_address, shop

pytestmark = pytest.mark.django_db(transaction=True)


def run_threads(target, count: int) -> list:
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def work(n: int) -> None:
        try:
            barrier.wait()
            results[n] = target(n)
        except Exception as exc:
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_fifty_buyers_of_the_last_unit_make_exactly_one_order():
    shop()
    Product.objects.filter(sku="TI-LM317T").update(stock=1)
    buyers = []
    for n in range(50):
        user = make_user(f"racer{n}@example.com")
        cart_line_set(cart=cart_for(user=user, create=True), sku="TI-LM317T", quantity=1)
        buyers.append((user, make_address(user)))

    def buy(n: int):
        user, address = buyers[n]
        return checkout_place(
            user=user,
            idempotency_key=f"race-{n}",
            address_id=address.pk,
            shipping_method=None,
            payment_method="wire_transfer",
        )[0]

    results = run_threads(buy, 50)
    orders = [r for r in results if isinstance(r, Order)]
    # A loser is refused either by the conditional UPDATE (it read the stock before the winner committed)
    # or already by the checkout's own stock check (it read it after).
    refused = [
        r
        for r in results
        if isinstance(r, OutOfStock)
        or (isinstance(r, ValidationFailed) and [e.field for e in r.errors] == ["cart.TI-LM317T"])
    ]
    assert len(orders) == 1, [r for r in results if not isinstance(r, Order)][:3]
    assert len(refused) == 49, [r for r in results if r not in refused and not isinstance(r, Order)][:3]
    assert Order.objects.count() == 1
    assert Product.objects.get(sku="TI-LM317T").stock == 0


def test_the_same_idempotency_key_from_many_threads_makes_one_order():
    shop()
    user = make_user("retry@example.com")
    address = make_address(user)
    cart_line_set(cart=cart_for(user=user, create=True), sku="TI-LM317T", quantity=10)

    def submit(_n: int):
        return checkout_place(
            user=user,
            idempotency_key="same-click",
            address_id=address.pk,
            shipping_method=None,
            payment_method="wire_transfer",
        )[0]

    results = run_threads(submit, 12)
    errors = [r for r in results if not isinstance(r, Order)]
    # A thread that arrives after the cart was consumed, but before it could see the order, may be told the
    # cart is empty; no thread may place a second order.
    assert all(getattr(e, "code", "") == "checkout_incomplete" for e in errors), errors[:3]
    assert len({r.pk for r in results if isinstance(r, Order)}) == 1
    assert Order.objects.count() == 1
    assert Product.objects.get(sku="TI-LM317T").stock == 90
    assert connection.vendor in {"sqlite", "postgresql"}
