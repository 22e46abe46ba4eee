from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradepost.pricing.calculations import Discount, order_totals, price_line

prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("10000"), places=4)
quantities = st.integers(min_value=1, max_value=100_000)
cents = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2)


def test_a_line_is_rounded_once_to_cents():
    line = price_line(key="a", quantity=3, unit_price=Decimal("0.3333"))
    assert line.total == Decimal("1.00")


@given(st.lists(st.tuples(prices, quantities), min_size=1, max_size=20), cents, cents, cents, cents)
def test_the_total_is_the_sum_of_its_rounded_parts_and_never_negative(items, shipping, duties, off, ship_off):
    lines = [price_line(key=str(n), quantity=q, unit_price=p) for n, (p, q) in enumerate(items)]
    totals = order_totals(
        lines=lines,
        shipping=shipping,
        duties=duties,
        discounts=[Discount("c", "coupon", off), Discount("s", "shipping coupon", ship_off, "shipping")],
    )
    assert totals.goods == sum(line.total for line in lines)
    assert 0 <= totals.goods_discount <= totals.goods
    assert 0 <= totals.shipping_discount <= totals.shipping
    assert (
        totals.total
        == totals.goods - totals.goods_discount + totals.shipping - totals.shipping_discount + duties
    )
    assert totals.total >= 0
    assert totals.total == totals.total.quantize(Decimal("0.01"))


@pytest.mark.parametrize("quantity,price", [(0, "1"), (1, "-0.01")])
def test_nonsense_lines_are_refused(quantity, price):
    with pytest.raises(ValueError):
        price_line(key="x", quantity=quantity, unit_price=Decimal(price))
