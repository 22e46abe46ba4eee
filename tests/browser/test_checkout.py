"""A buyer adds a part from its product page, signs in at checkout, pays by wire transfer and reads how."""

import re

import pytest

from tradepost.conftest import PASSWORD, make_user
from tradepost.orders.models import Order
from tradepost.orders.tests.factories import make_address, shop

pytestmark = pytest.mark.django_db(transaction=True)
LOGIN_FOR_CHECKOUT = re.compile(r".*/account/login/\?next=/checkout/$")


def sign_in(page, email: str) -> None:
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def place_by_wire_transfer(page) -> Order:
    page.get_by_label("Wire transfer", exact=True).check()
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r".*/account/orders/TP-[0-9A-Z]+/$"))
    return Order.objects.get()


def assert_wire_instructions(page, order: Order) -> None:
    assert order.payment_method == "wire_transfer" and str(order.total) == "29.36"  # 10 x 0.44 + 25.00
    assert page.locator("#order-number").inner_text() == order.number
    assert page.locator("#wire-reference").inner_text() == order.number
    assert page.locator("#amount-due").inner_text() == "29.36 USD"
    details = page.locator("#wire-details").inner_text()
    assert "Bank of China (Hong Kong) Limited" in details and "01288392190575" in details


def test_add_to_cart_sign_in_and_pay_by_wire_transfer(page):
    shop("components")
    buyer = make_user("wire.buyer@example.com", full_name="Wire Buyer")
    make_address(buyer)

    page.goto("/products/TI-LM317T/")
    page.fill("#add-quantity", "10")
    page.get_by_role("button", name="Add to cart").click()
    # htmx: the page stays, a status line appears and the header count changes in place.
    page.locator("#add-status", has_text="Added.").wait_for()
    assert page.url.endswith("/products/TI-LM317T/")
    assert "(10)" in page.locator("#cart-link").inner_text()

    page.click("#cart-link")
    page.wait_for_url("**/cart/")
    assert "$4.40" in page.locator("#cart-goods").inner_text()
    page.get_by_role("link", name="Checkout", exact=True).click()
    page.wait_for_url(LOGIN_FOR_CHECKOUT)
    sign_in(page, buyer.email)
    page.wait_for_url("**/checkout/")  # the anonymous cart came along into the account
    assert "LM317T" in page.locator("table.order-lines").inner_text()
    assert page.locator("#checkout-total").inner_text() == "$29.36"
    assert page.is_checked("input[name=address_id]")

    order = place_by_wire_transfer(page)
    assert order.user == buyer
    assert_wire_instructions(page, order)
    assert "(10)" not in page.locator("#cart-link").inner_text()


def test_the_same_flow_works_without_javascript(browser, live_server, baseline):
    shop("components")
    buyer = make_user("nojs.buyer@example.com", full_name="No Script")
    make_address(buyer)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/products/TI-LM317T/")
        page.fill("#add-quantity", "10")
        page.get_by_role("button", name="Add to cart").click()
        page.wait_for_url("**/cart/")  # without htmx the form posts and lands on the cart
        assert "(10)" in page.locator("#cart-link").inner_text()
        page.get_by_role("link", name="Checkout", exact=True).click()
        page.wait_for_url(LOGIN_FOR_CHECKOUT)
        sign_in(page, buyer.email)
        page.wait_for_url("**/checkout/")
        order = place_by_wire_transfer(page)
        assert_wire_instructions(page, order)
    finally:
        context.close()
