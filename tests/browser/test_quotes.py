"""A buyer fills the inquiry cart from a product page, sends it, and orders the quotation the desk sends."""

import re
from decimal import Decimal

import pytest

from tests.browser.test_checkout import sign_in
from tradepost.conftest import make_user
from tradepost.orders.models import Order
from tradepost.orders.tests.factories import make_address
from tradepost.quotes.models import Inquiry
from tradepost.quotes.services import LineInput, quotation_send
from tradepost.quotes.tests.factories import quote_shop, sales_staff

pytestmark = pytest.mark.django_db(transaction=True)


def test_send_an_inquiry_cart_and_accept_the_quotation(page):
    quote_shop("components")
    buyer = make_user("quote.buyer@example.com", full_name="Quote Buyer")
    make_address(buyer)

    page.goto("/account/login/?next=/products/TI-LM317T/")
    sign_in(page, buyer.email)
    page.wait_for_url("**/products/TI-LM317T/")
    page.get_by_text("Ask for a quotation").click()
    page.fill("#ask-qty", "500")
    page.fill("#ask-price", "0.30")
    page.get_by_role("button", name="Add to inquiry cart").click()
    page.wait_for_url("**/inquiry-cart/")
    assert "LM317T" in page.locator("#inquiry-cart").inner_text()

    page.fill("#id_notes", "Monthly batch")
    page.get_by_role("button", name="Send inquiry").click()
    page.wait_for_url(re.compile(r".*/account/inquiries/RQ-[0-9A-Z]+/$"))
    inquiry = Inquiry.objects.get()
    assert "Waiting for a quotation" in page.locator("#inquiry-status").inner_text()
    assert inquiry.due_at.strftime("%Y-%m-%d %H:%M") in page.content()

    # The sales desk answers with a price below the catalog's.
    quotation_send(
        inquiry=inquiry,
        actor=sales_staff(),
        lines=[LineInput(sku="TI-LM317T", quantity=100, unit_price=Decimal("0.2800"), lead_time_days=2)],
    )
    page.reload()
    assert "$0.28" in page.locator("#quotation-1").inner_text()
    page.get_by_role("link", name="Accept and order").click()
    page.wait_for_url("**/account/quotations/*/order/")
    page.get_by_label("Wire transfer", exact=True).check()
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r".*/account/orders/TP-[0-9A-Z]+/$"))

    order = Order.objects.get()
    line = order.lines.get()
    assert (line.quantity, line.unit_price, line.line_total) == (100, Decimal("0.2800"), Decimal("28.00"))
    assert order.number in page.content()
    # Back on the inquiry, the quotation shows its order and can't be accepted again.
    page.goto(f"/account/inquiries/{inquiry.number}/")
    assert order.number in page.locator("#quotation-1").inner_text()
    assert page.get_by_role("link", name="Accept and order").count() == 0
