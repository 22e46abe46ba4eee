"""Plans with a welcome package, and memberships bought and paid through the real services."""

import itertools
from decimal import Decimal

from tradepost.memberships.models import Plan, WelcomeCoupon
from tradepost.memberships.services import membership_purchase
from tradepost.orders.tests.factories import staff_member
from tradepost.payments.services import wire_receipt_record
from tradepost.promotions.tests.factories import make_campaign

_keys = itertools.count(1)


def make_plan(*, days: int = 365, price: str = "99.00", shipping_coupons: int = 4, product_coupons: int = 2):
    """A plan whose welcome package holds $10 shipping coupons and $5-off-$50 product coupons."""
    plan = Plan.objects.create(
        name=f"PLUS {days} days", slug=f"plus-{days}-{next(_keys)}", duration_days=days, price=Decimal(price)
    )
    if shipping_coupons:
        shipping = make_campaign(
            coupon_kind="shipping", value="10.00", valid_until=None, name="Welcome shipping"
        )
        WelcomeCoupon.objects.create(plan=plan, campaign=shipping, quantity=shipping_coupons)
    if product_coupons:
        product = make_campaign(value="5.00", min_spend="50.00", valid_until=None, name="Welcome goods")
        WelcomeCoupon.objects.create(plan=plan, campaign=product, quantity=product_coupons)
    return plan


def buy(user, plan, *, method: str = "wire_transfer", key: str | None = None):
    membership, _ = membership_purchase(
        user=user, plan_id=plan.pk, payment_method=method, idempotency_key=key or f"plus-{next(_keys)}"
    )
    return membership


def pay(membership, staff=None):
    """Finance records the buyer's wire transfer for the membership order."""
    staff = staff or staff_member(f"finance{next(_keys)}@example.com", desks=("finance",))
    order = membership.order
    wire_receipt_record(
        order=order, amount=order.total, bank_reference=f"BANK-{order.number}-{next(_keys)}", actor=staff
    )
    membership.refresh_from_db()
    return membership


def member(user, plan=None):
    """A paid, running membership."""
    return pay(buy(user, plan or make_plan()))
