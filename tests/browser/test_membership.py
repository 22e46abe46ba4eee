"""Membership in the browser: join, pay by wire transfer, see it active, then cancel with the refund shown."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_shipping import sign_in
from tradepost.conftest import make_user
from tradepost.memberships.models import Membership
from tradepost.memberships.tests.factories import make_plan, pay
from tradepost.orders.tests.factories import shop
from tradepost.payments.models import Refund

pytestmark = pytest.mark.django_db(transaction=True)


def test_join_pay_then_cancel_with_the_prorated_refund(page):
    shop("components")
    plan = make_plan(days=365, price="99.00", shipping_coupons=2, product_coupons=1)
    buyer = make_user("plus.buyer@example.com", full_name="Plus Buyer")

    sign_in(page, buyer.email, "/membership/")
    expect(page.locator("#membership-state")).to_contain_text("You are not a member")
    card = page.locator(".plan", has_text=plan.name)
    card.get_by_label("Wire transfer").check()
    card.get_by_role("button", name=re.compile("Join")).click()
    page.wait_for_url(re.compile(r".*/account/orders/TP-[0-9A-Z]+/$"))
    expect(page.locator("#membership-line")).to_contain_text(plan.name)
    expect(page.locator("#wire-reference")).to_have_text(Membership.objects.get().order.number)

    pay(Membership.objects.get())  # finance records the transfer
    page.goto("/membership/")
    expect(page.locator("#membership-state")).to_have_text("Active")
    expect(page.locator("#days-left")).to_have_text("364")
    page.goto("/account/coupons/")
    expect(page.locator("#coupons")).to_contain_text("$10.00 off shipping")

    page.goto("/membership/")
    page.get_by_role("link", name="Cancel and see the refund").click()
    expect(page.locator("#refund-calculation")).to_contain_text("Unused share: 364 of 365 days")
    expect(page.locator("#refund-calculation")).to_contain_text("$98.73")
    page.get_by_role("button", name=re.compile("Cancel and refund")).click()
    expect(page.locator(".messages")).to_contain_text("Your membership is cancelled")
    expect(page.locator("#membership-state")).to_contain_text("You are not a member any more")
    assert str(Refund.objects.get().amount) == "98.73"
