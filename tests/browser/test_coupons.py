"""Coupons in the browser: exchange a promotion code, pick both coupons at checkout, see both reductions."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import htmx_settled
from tests.browser.test_shipping import sign_in
from tradepost.conftest import make_user
from tradepost.orders.models import Order
from tradepost.orders.tests.factories import fill_cart, make_address, shop
from tradepost.promotions.models import Coupon
from tradepost.promotions.tests.factories import give, make_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_exchange_a_code_then_apply_a_product_and_a_shipping_coupon(page):
    shop("components")
    buyer = make_user("coupon.buyer@example.com", full_name="Coupon Buyer")
    make_address(buyer, is_default=True)  # Amsterdam: UPS 24.96
    fill_cart(buyer, {"TI-LM317T": 10})  # 4.40
    product = give(buyer, value="1.00")
    _, code = make_code("promotion_code", coupon_kind="shipping", value_type="full_shipping", value="0")

    sign_in(page, buyer.email, "/account/coupons/")
    page.fill("#id_code", code)
    page.get_by_role("button", name="Redeem").click()
    expect(page.locator("#coupons")).to_contain_text("Free shipping")
    shipping = Coupon.objects.get(kind="shipping")

    page.goto("/checkout/")
    expect(page.locator("#checkout-total")).to_have_text("$29.36")
    page.select_option("#id_product_coupon_id", str(product.pk))
    expect(page.locator("#checkout-total")).to_have_text("$28.36")
    htmx_settled(page)  # the coupon pickers were swapped in again with the totals
    page.select_option("#id_shipping_coupon_id", str(shipping.pk))
    expect(page.locator("#checkout-total")).to_have_text("$3.40")
    expect(page.locator("#totals")).to_contain_text("−$1.00")
    expect(page.locator("#totals")).to_contain_text("−$24.96")
    page.get_by_label("Wire transfer", exact=True).check()
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r".*/account/orders/TP-[0-9A-Z]+/$"))
    assert str(Order.objects.get().total) == "3.40"
