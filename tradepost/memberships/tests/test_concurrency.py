"""Races on a real database: many cancellations of one membership, many payments of one membership order."""

from decimal import Decimal

import pytest

from tradepost.checkout.tests.test_concurrency import run_threads
from tradepost.core.exceptions import ApplicationError
from tradepost.memberships.models import Membership
from tradepost.memberships.services import membership_cancel
from tradepost.memberships.tests.factories import buy, make_plan, member
from tradepost.orders.tests.factories import shop, staff_member
from tradepost.payments.models import Refund
from tradepost.payments.services import wire_receipt_record
from tradepost.promotions.models import Coupon

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_cancellations_at_once_refund_once(buyer):
    shop()
    membership = member(buyer, make_plan(days=30, price="30.00", shipping_coupons=2, product_coupons=0))

    results = run_threads(lambda n: membership_cancel(membership=membership, actor=buyer), 10)

    done = [r for r in results if isinstance(r, Membership)]
    assert len(done) == 1, results
    assert all(isinstance(r, ApplicationError) for r in results if r is not done[0])
    assert Refund.objects.filter(order=membership.order).count() == 1
    assert Refund.objects.get().amount == Decimal("29.00")
    assert Coupon.objects.filter(membership=membership, state="revoked").count() == 2


def test_ten_transfers_at_once_start_one_period_with_one_welcome_package(buyer):
    shop()
    membership = buy(buyer, make_plan(days=30, price="30.00", shipping_coupons=2, product_coupons=1))
    staff = staff_member(desks=("finance",))

    def transfer(n: int):
        return wire_receipt_record(
            order=membership.order, amount=Decimal("30.00"), bank_reference=f"STATEMENT-{n}", actor=staff
        )

    results = run_threads(transfer, 10)
    assert not [r for r in results if isinstance(r, Exception)], results
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert Coupon.objects.filter(membership=membership).count() == 3
    # Nine transfers beyond the price are owed back, one refund each.
    assert Refund.objects.filter(order=membership.order).count() == 9
