"""Races on a real database: one coupon, many checkouts; one campaign limit, many redemptions."""

import pytest
from django.db import transaction

from tradepost.accounts.models import Address
from tradepost.catalog.models import Product
from tradepost.checkout.services import checkout_place
from tradepost.checkout.tests.test_concurrency import run_threads
from tradepost.conftest import make_user
from tradepost.core.exceptions import ApplicationError
from tradepost.orders.models import Order
from tradepost.orders.tests.factories import fill_cart, make_address, place, shop
from tradepost.policies.selectors import policy_active
from tradepost.promotions.models import Campaign, Coupon, OrderDiscount
from tradepost.promotions.selectors import checkout_coupons
from tradepost.promotions.services import coupon_redeem, coupons_use_for_order
from tradepost.promotions.tests.factories import give, make_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_checkouts_with_one_coupon_make_one_order_that_uses_it():
    shop()
    Product.objects.filter(sku="TI-LM317T").update(stock=100_000)
    user = make_user("racer@example.com")
    address = make_address(user)
    coupon = give(user)
    fill_cart(user, {"TI-LM317T": 10})

    def buy(n: int):
        return checkout_place(
            user=user,
            idempotency_key=f"coupon-race-{n}",
            address_id=address.pk,
            shipping_method=None,
            payment_method="wire_transfer",
            product_coupon_id=coupon.pk,
        )[0]

    results = run_threads(buy, 50)
    orders = [r for r in results if isinstance(r, Order)]
    # Losers are refused by the coupon's conditional UPDATE (409) or by the checkout's own checks
    # (coupon already used / cart emptied by the winner) - never placed without the discount.
    assert len(orders) == 1, [r for r in results if not isinstance(r, Order)][:3]
    assert all(isinstance(r, ApplicationError) for r in results if r is not orders[0])
    assert Order.objects.count() == 1
    coupon.refresh_from_db()
    assert coupon.state == "used" and coupon.used_by_order_id == orders[0].pk
    assert OrderDiscount.objects.count() == 1


def test_the_conditional_update_lets_one_of_twenty_orders_take_the_coupon():
    shop()
    Product.objects.filter(sku="TI-LM317T").update(stock=100_000)
    user = make_user("orders@example.com")
    coupon = give(user)
    orders = [place(user, {"TI-LM317T": 1}) for _ in range(20)]
    policy = policy_active().policy
    applied, errors = checkout_coupons(
        user=user,
        policy=policy,
        product_coupon_id=coupon.pk,
        shipping_coupon_id=None,
        goods=orders[0].goods_total,
        shipping=None,
    )
    assert not errors

    def use(n: int):
        with transaction.atomic():
            coupons_use_for_order(order=orders[n], applied=applied, actor=user)
        return orders[n]

    results = run_threads(use, 20)
    won = [r for r in results if isinstance(r, Order)]
    assert len(won) == 1, results[:3]
    assert sum(isinstance(r, ApplicationError) and r.code == "coupon_used" for r in results) == 19
    coupon.refresh_from_db()
    assert coupon.used_by_order_id == won[0].pk
    assert OrderDiscount.objects.count() == 1


def test_a_campaign_with_limit_n_issues_exactly_n_coupons_to_racing_buyers():
    shop()
    campaign, code = make_code(usage_limit=7)
    buyers = [make_user(f"redeemer{n}@example.com") for n in range(50)]

    results = run_threads(lambda n: coupon_redeem(user=buyers[n], code=code), 50)
    issued = [r for r in results if isinstance(r, Coupon)]
    refused = [r for r in results if isinstance(r, ApplicationError) and r.code == "code_used_up"]
    assert len(issued) == 7 and len(refused) == 43, [r for r in results if not isinstance(r, Coupon)][:3]
    assert Campaign.objects.get(pk=campaign.pk).issued == 7 == Coupon.objects.count()


def test_one_buyer_racing_one_code_gets_one_coupon():
    shop()
    _, code = make_code()
    user = make_user("twin@example.com")
    results = run_threads(lambda n: coupon_redeem(user=user, code=code), 10)
    assert sum(isinstance(r, Coupon) for r in results) == 1, results[:3]
    assert Coupon.objects.filter(owner=user).count() == 1
    assert Address.objects.count() == 0
