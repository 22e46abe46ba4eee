"""Refunds of one order never exceed what was captured, however many staff resolve RMAs at once, and a
"received" clicked many times at once restocks once (SQLite and PostgreSQL)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum

from tradepost.aftersales import services
from tradepost.aftersales.models import Rma
from tradepost.aftersales.tests.factories import AMS, LM317, delivered_order, shop, staff
from tradepost.catalog.models import Product
from tradepost.checkout.tests.test_concurrency import run_threads
from tradepost.conftest import make_user
from tradepost.core.exceptions import Conflict
from tradepost.orders.models import Order
from tradepost.orders.services import order_lock
from tradepost.payments.models import Refund
from tradepost.payments.services import refund_create

pytestmark = pytest.mark.django_db(transaction=True)

SHIPPED = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
DELIVERED = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)


def _inspected_rmas(order, desk, buyer):
    rmas = []
    with time_machine.travel(DELIVERED + timedelta(days=2), tick=True):
        for sku, quantity in ((LM317, 10), (AMS, 5)):
            line = order.lines.get(sku=sku)
            rma = services.rma_request(
                order=order,
                user=buyer,
                claim=services.Claim(
                    line_id=line.pk, quantity=quantity, reason="defective", description="dead"
                ),
            )
            services.rma_approve(rma=rma, actor=desk)
            services.rma_receive(rma=rma, actor=desk, restock=False)
            rmas.append(services.rma_inspect(rma=rma, actor=desk, condition="dead"))
    return rmas


def test_concurrent_resolutions_never_refund_more_than_was_paid():
    shop("components")
    buyer, desk = make_user("racer@example.com"), staff()
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    rmas = _inspected_rmas(order, desk, buyer)
    # Leave room for less than both: one resolution gets its full amount, the other what is left.
    with transaction.atomic():
        locked = order_lock(order)
        refund_create(order=locked, amount=order.amount_paid - Decimal("5.00"), reason="earlier", actor=desk)

    def resolve(n: int):
        return services.rma_resolve(rma=rmas[n], actor=desk, resolution="refund")

    results = run_threads(resolve, 2)
    order = Order.objects.get(pk=order.pk)
    owed = Refund.objects.filter(order=order).aggregate(total=Sum("amount"))["total"]
    assert owed <= order.amount_paid, results
    refunded = [r for r in results if isinstance(r, Rma)]
    assert refunded, results
    assert all(isinstance(r, Rma | Conflict) for r in results), results


def test_concurrent_refund_creates_stop_at_the_captured_amount():
    shop("components")
    buyer, desk = make_user("racer2@example.com"), staff()
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    slice_ = (order.amount_paid / 4).quantize(Decimal("0.01"))

    def refund(_n: int):
        with transaction.atomic():
            return refund_create(order=order_lock(order), amount=slice_, reason="race", actor=desk)

    results = run_threads(refund, 8)
    made = [r for r in results if isinstance(r, Refund)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 4 and len(refused) == 4, results
    assert all(r.code == "refund_exceeds_paid" for r in refused)


def test_received_clicked_at_once_restocks_once():
    shop("direct")
    buyer, desk = make_user("twice@example.com"), staff()
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    stock = Product.objects.get(sku=AMS).stock
    with time_machine.travel(DELIVERED + timedelta(days=2), tick=True):
        line = order.lines.get(sku=AMS)
        rma = services.rma_request(
            order=order,
            user=buyer,
            claim=services.Claim(line_id=line.pk, quantity=5, reason="changed_mind", description="no"),
        )
        services.rma_approve(rma=rma, actor=desk)

    results = run_threads(lambda _n: services.rma_receive(rma=rma, actor=desk, restock=True), 6)
    assert sum(isinstance(r, Rma) for r in results) == 1, results
    assert Product.objects.get(sku=AMS).stock == stock + 5
