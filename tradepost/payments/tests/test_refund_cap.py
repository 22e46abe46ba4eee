"""refund_create never lets the refunds owed on an order exceed what the order holds."""

from decimal import Decimal

import pytest
from django.db import transaction

from tradepost.core.exceptions import Conflict
from tradepost.orders.services import order_lock
from tradepost.orders.tests.factories import place, shop
from tradepost.payments.models import Refund, Transaction
from tradepost.payments.services import payment_receipt_record, refund_create

pytestmark = pytest.mark.django_db


def test_refunds_owed_are_capped_by_the_amount_paid(buyer):
    shop()
    order = place(buyer)
    payment_receipt_record(order=order, amount=order.total, source=Transaction.Source.BANK, external_id="B-1")
    with transaction.atomic():
        order = order_lock(order)
        first = refund_create(order=order, amount=order.total - Decimal("1.00"), reason="part", actor=None)
        with pytest.raises(Conflict) as over:
            refund_create(order=order, amount=Decimal("1.01"), reason="too much", actor=None)
        assert over.value.code == "refund_exceeds_paid" and over.value.errors[0].field == "amount"
        refund_create(order=order, amount=Decimal("1.00"), reason="the rest", actor=None)
    assert Refund.objects.filter(order=order).count() == 2 and first.amount > 0
