"""Races against a real database: threads with their own connections (run on SQLite and PostgreSQL)."""

import pytest

from tradepost.catalog.models import Product
from tradepost.checkout.tests.test_concurrency import run_threads
from tradepost.conftest import make_user
from tradepost.orders.models import Order
from tradepost.orders.tests.factories import make_address
from tradepost.quotes.models import Quotation, QuotationStatus
from tradepost.quotes.tests.factories import accept, cart_inquiry, quote_shop, sales_staff, send_quotation

pytestmark = pytest.mark.django_db(transaction=True)


def test_many_accepts_of_one_quotation_make_one_order_and_take_stock_once():
    quote_shop()
    buyer = make_user("racer@example.com")
    address = make_address(buyer)
    quotation = send_quotation(cart_inquiry(buyer, {"TI-LM317T": 30}), sales_staff())

    results = run_threads(lambda _n: accept(buyer, quotation, address=address), 10)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    assert len({order.pk for order, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Order.objects.count() == 1
    assert Product.objects.get(sku="TI-LM317T").stock == 70
    quotation = Quotation.objects.get(pk=quotation.pk)
    assert quotation.status == QuotationStatus.ACCEPTED and quotation.order_id == results[0][0].pk
