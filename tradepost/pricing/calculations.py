"""The one pricing function: what a buyer pays for lines, discounts, shipping and duties.

Every amount is Decimal USD. Line totals are rounded once each (unit price x quantity), and the order
total is the sum of rounded parts, so what a buyer sees line by line adds up to what they pay.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tradepost.core.money import money_sum, round_money

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PricedLine:
    """One line: quantity x unit price (4 decimal places, as price breaks are) = line total (cents)."""

    key: str
    quantity: int
    unit_price: Decimal
    total: Decimal


@dataclass(frozen=True)
class Discount:
    """A reduction already worked out by its owner (a coupon, a membership); `amount` is positive."""

    code: str
    label: str
    amount: Decimal
    applies_to: str = "goods"  # goods | shipping


@dataclass(frozen=True)
class Totals:
    goods: Decimal
    goods_discount: Decimal
    shipping: Decimal
    shipping_discount: Decimal
    duties: Decimal
    total: Decimal
    lines: tuple[PricedLine, ...] = field(default=())
    discounts: tuple[Discount, ...] = field(default=())

    @property
    def discount(self) -> Decimal:
        return self.goods_discount + self.shipping_discount


def price_line(*, key: str, quantity: int, unit_price: Decimal) -> PricedLine:
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    if unit_price < 0:
        raise ValueError("unit_price must not be negative")
    return PricedLine(
        key=key, quantity=quantity, unit_price=unit_price, total=round_money(unit_price * quantity)
    )


def order_totals(
    *,
    lines: Sequence[PricedLine],
    shipping: Decimal = ZERO,
    duties: Decimal = ZERO,
    discounts: Sequence[Discount] = (),
) -> Totals:
    """Totals for priced lines; a discount never takes goods or shipping below zero."""
    if shipping < 0 or duties < 0:
        raise ValueError("shipping and duties must not be negative")
    goods = money_sum(line.total for line in lines)
    shipping = round_money(shipping)
    duties = round_money(duties)
    goods_discount = min(goods, money_sum(d.amount for d in discounts if d.applies_to == "goods"))
    shipping_discount = min(shipping, money_sum(d.amount for d in discounts if d.applies_to == "shipping"))
    total = goods - goods_discount + shipping - shipping_discount + duties
    return Totals(
        goods=goods,
        goods_discount=goods_discount,
        shipping=shipping,
        shipping_discount=shipping_discount,
        duties=duties,
        total=total,
        lines=tuple(lines),
        discounts=tuple(discounts),
    )
