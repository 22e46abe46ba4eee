from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradepost.pricing.calculations import Discount, order_totals, price_line
from tradepost.promotions.calculations import product_coupon_discount, shipping_coupon_discount

money = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)
percent = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


def test_fixed_and_percent_product_coupons():
    assert product_coupon_discount(value_type="fixed", value=Decimal("5"), goods=Decimal("20.00")) == Decimal(
        "5.00"
    )
    assert product_coupon_discount(
        value_type="fixed", value=Decimal("50"), goods=Decimal("20.00")
    ) == Decimal("20.00")
    assert product_coupon_discount(
        value_type="percent", value=Decimal("10"), goods=Decimal("19.99")
    ) == Decimal("2.00")


def test_shipping_coupons():
    assert shipping_coupon_discount(
        value_type="full_shipping", value=Decimal(0), shipping=Decimal("12.40")
    ) == Decimal("12.40")
    assert shipping_coupon_discount(
        value_type="fixed", value=Decimal("5"), shipping=Decimal("3.10")
    ) == Decimal("3.10")


@given(goods=money, value=money, pct=percent)
def test_product_discount_never_exceeds_goods(goods, value, pct):
    for value_type, v in (("fixed", value), ("percent", pct)):
        amount = product_coupon_discount(value_type=value_type, value=v, goods=goods)
        assert Decimal(0) <= amount <= goods


@given(shipping=money, value=money, full=st.booleans())
def test_shipping_discount_never_exceeds_shipping(shipping, value, full):
    value_type = "full_shipping" if full else "fixed"
    amount = shipping_coupon_discount(value_type=value_type, value=value, shipping=shipping)
    assert Decimal(0) <= amount <= shipping


@given(unit=money, qty=st.integers(1, 1000), shipping=money, duties=money, value=money, pct=percent, sv=money)
def test_totals_with_both_coupons_never_negative(unit, qty, shipping, duties, value, pct, sv):
    line = price_line(key="x", quantity=qty, unit_price=unit)
    goods_off = product_coupon_discount(value_type="percent", value=pct, goods=line.total) + (
        product_coupon_discount(value_type="fixed", value=value, goods=line.total)
    )
    ship_off = shipping_coupon_discount(value_type="fixed", value=sv, shipping=shipping)
    totals = order_totals(
        lines=[line],
        shipping=shipping,
        duties=duties,
        discounts=[Discount("p", "p", goods_off, "goods"), Discount("s", "s", ship_off, "shipping")],
    )
    assert totals.total >= 0
    assert totals.goods_discount <= totals.goods and totals.shipping_discount <= totals.shipping
    assert (
        totals.total
        == totals.goods - totals.goods_discount + totals.shipping - totals.shipping_discount + duties
    )
