"""The money and date rules of a membership, as properties over many values."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradepost.memberships.calculations import cancellation_refund, days_remaining

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
coupon_values = st.lists(st.decimals(min_value=0, max_value=Decimal("500.00"), places=2), max_size=8)


@st.composite
def periods(draw):
    plan_days = draw(st.integers(min_value=1, max_value=3660))
    return plan_days, draw(st.integers(min_value=0, max_value=plan_days))


@given(price=prices, period=periods(), used=coupon_values)
def test_refund_is_the_formula_never_negative_never_above_the_price(price, period, used):
    plan_days, left = period
    result = cancellation_refund(
        price_paid=price, plan_days=plan_days, days_remaining=left, used_shipping_coupon_values=used
    )
    prorated = (price * left / plan_days).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert result.prorated == prorated
    assert result.refund == max(Decimal("0.00"), prorated - sum(used, Decimal("0.00")))
    assert Decimal("0.00") <= result.refund <= price
    assert result.refund + result.deduction == result.prorated
    assert result.lines()[-1] == ("Refund", result.refund)


@given(price=prices, plan_days=st.integers(min_value=1, max_value=3660))
def test_a_full_period_unused_refunds_everything_and_a_spent_one_nothing(price, plan_days):
    assert (
        cancellation_refund(price_paid=price, plan_days=plan_days, days_remaining=plan_days).refund == price
    )
    assert cancellation_refund(price_paid=price, plan_days=plan_days, days_remaining=0).refund == 0


def test_the_worked_example_line_by_line():
    result = cancellation_refund(
        price_paid=Decimal("99.00"),
        plan_days=365,
        days_remaining=200,
        used_shipping_coupon_values=[Decimal("10.00"), Decimal("7.35")],
    )
    assert result.prorated == Decimal("54.25")  # 99 x 200 / 365 = 54.2465...
    assert result.refund == Decimal("36.90")
    assert result.lines() == [
        ("Price paid", Decimal("99.00")),
        ("Unused share: 200 of 365 days", Decimal("54.25")),
        ("Welcome shipping coupon 1, already used", Decimal("-10.00")),
        ("Welcome shipping coupon 2, already used", Decimal("-7.35")),
        ("Refund", Decimal("36.90")),
    ]


def test_used_coupons_worth_more_than_the_unused_share_leave_a_zero_refund():
    result = cancellation_refund(
        price_paid=Decimal("20.00"),
        plan_days=30,
        days_remaining=3,
        used_shipping_coupon_values=[Decimal("10")],
    )
    assert result.prorated == Decimal("2.00") and result.deduction == Decimal("2.00")
    assert result.refund == Decimal("0.00")
    assert ("Charge for used coupons capped at the unused share", Decimal("0.00")) in result.lines()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"plan_days": 0, "days_remaining": 0},
        {"plan_days": 30, "days_remaining": 31},
        {"plan_days": 30, "days_remaining": -1},
    ],
)
def test_impossible_periods_are_refused(kwargs):
    with pytest.raises(ValueError):
        cancellation_refund(price_paid=Decimal("10.00"), **kwargs)


T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


@given(
    plan_days=st.integers(min_value=1, max_value=1000),
    elapsed=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=1100)),
)
def test_days_remaining_counts_whole_days_and_the_day_under_way_as_used(plan_days, elapsed):
    ends = T0 + timedelta(days=plan_days)
    left = days_remaining(starts_at=T0, ends_at=ends, now=T0 + elapsed, plan_days=plan_days)
    assert 0 <= left <= plan_days
    if elapsed >= timedelta(days=plan_days):
        assert left == 0
    else:
        assert left == (ends - (T0 + elapsed)).days
        assert left == plan_days - elapsed.days - (1 if elapsed % timedelta(days=1) else 0)


def test_a_period_not_started_has_all_its_days():
    starts = T0 + timedelta(days=10)
    assert days_remaining(starts_at=starts, ends_at=starts + timedelta(days=30), now=T0, plan_days=30) == 30
