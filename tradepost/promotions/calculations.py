"""Coupon money: what one coupon takes off its base. Pure Decimal, no database."""

from decimal import Decimal

from tradepost.core.money import round_money

ZERO = Decimal("0.00")


def product_coupon_discount(*, value_type: str, value: Decimal, goods: Decimal) -> Decimal:
    """A fixed amount or a percent of the goods subtotal, never more than the goods, never negative."""
    goods = max(ZERO, goods)
    if value_type == "percent":
        amount = round_money(goods * min(max(value, ZERO), Decimal(100)) / Decimal(100))
    elif value_type == "fixed":
        amount = round_money(max(value, ZERO))
    else:
        raise ValueError(f"A product coupon cannot be {value_type!r}")
    return min(amount, goods)


def shipping_coupon_discount(*, value_type: str, value: Decimal, shipping: Decimal) -> Decimal:
    """A fixed amount or all of the shipping fee, never more than the fee, never negative."""
    shipping = max(ZERO, shipping)
    if value_type == "full_shipping":
        return round_money(shipping)
    if value_type == "fixed":
        return min(round_money(max(value, ZERO)), round_money(shipping))
    raise ValueError(f"A shipping coupon cannot be {value_type!r}")
