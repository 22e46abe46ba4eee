"""Membership money and dates: days left in a period and the prorated cancellation refund. Pure Decimal."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tradepost.core.money import money_sum, round_money

ZERO = Decimal("0.00")


def days_remaining(*, starts_at: datetime, ends_at: datetime, now: datetime, plan_days: int) -> int:
    """Whole days of the period still to run at `now`; the day under way counts as used.

    A period that has not started yet (a renewal queued after the current one) has all its days.
    """
    if now < starts_at:
        return plan_days
    if now >= ends_at:
        return 0
    return min(plan_days, (ends_at - now).days)


@dataclass(frozen=True)
class CancellationRefund:
    """What cancelling gives back, line by line, as the member confirms it."""

    price_paid: Decimal
    plan_days: int
    days_remaining: int
    prorated: Decimal  # (days remaining / plan days) x price paid, to the cent
    used_shipping_coupons: tuple[Decimal, ...]  # face value of each welcome shipping coupon already used
    deduction: Decimal  # what those coupons are charged back, never more than the prorated share
    refund: Decimal

    def lines(self) -> list[tuple[str, Decimal]]:
        rows = [
            ("Price paid", self.price_paid),
            (f"Unused share: {self.days_remaining} of {self.plan_days} days", self.prorated),
        ]
        for n, value in enumerate(self.used_shipping_coupons, start=1):
            rows.append((f"Welcome shipping coupon {n}, already used", -value))
        if self.deduction < money_sum(self.used_shipping_coupons):
            rows.append(("Charge for used coupons capped at the unused share", ZERO))
        rows.append(("Refund", self.refund))
        return rows

    def as_dict(self) -> dict:
        return {
            "price_paid": str(self.price_paid),
            "plan_days": self.plan_days,
            "days_remaining": self.days_remaining,
            "prorated": str(self.prorated),
            "used_shipping_coupons": [str(v) for v in self.used_shipping_coupons],
            "deduction": str(self.deduction),
            "refund": str(self.refund),
        }


def cancellation_refund(
    *,
    price_paid: Decimal,
    plan_days: int,
    days_remaining: int,
    used_shipping_coupon_values: Iterable[Decimal] = (),
) -> CancellationRefund:
    """refund = (days remaining / plan days) x price paid - face value of used welcome shipping coupons.

    Never below zero and never above the price paid.
    """
    if plan_days < 1:
        raise ValueError("plan_days must be at least 1")
    if not 0 <= days_remaining <= plan_days:
        raise ValueError("days_remaining must be between 0 and plan_days")
    if price_paid < 0:
        raise ValueError("price_paid must not be negative")
    used = tuple(round_money(v) for v in used_shipping_coupon_values)
    if any(v < 0 for v in used):
        raise ValueError("coupon values must not be negative")
    prorated = round_money(price_paid * days_remaining / plan_days)
    deduction = min(money_sum(used), prorated)
    return CancellationRefund(
        price_paid=round_money(price_paid),
        plan_days=plan_days,
        days_remaining=days_remaining,
        prorated=prorated,
        used_shipping_coupons=used,
        deduction=deduction,
        refund=prorated - deduction,
    )
