"""A confirmation delivered many times at once records the money once (SQLite and PostgreSQL)."""

import pytest

from tradepost.checkout.tests.test_concurrency import run_threads
from tradepost.conftest import make_user
from tradepost.orders.models import Order, OrderStatus
from tradepost.orders.tests.factories import place, shop
from tradepost.payments.models import Transaction
from tradepost.payments.services import payment_receipt_record

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_duplicate_receipts_count_once():
    shop()
    order = place(make_user("payer@example.com"))

    def deliver(_n: int):
        return payment_receipt_record(
            order=order, amount=order.total, source=Transaction.Source.PAYPAL, external_id="CAPTURE-1"
        )[1]

    results = run_threads(deliver, 10)
    assert results.count(True) == 1 and results.count(False) == 9, results
    order = Order.objects.get(pk=order.pk)
    assert order.amount_paid == order.total and order.status == OrderStatus.APPROVED
    assert Transaction.objects.count() == 1
    assert order.events.filter(to_status="paid").count() == 1
