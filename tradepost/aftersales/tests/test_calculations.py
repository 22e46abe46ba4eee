"""Window and refund math without a database."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from tradepost.aftersales.calculations import Window, add_months, goods_refund, refundable, window_end

HK = ZoneInfo("Asia/Hong_Kong")


def test_a_window_ends_with_the_last_local_day():
    start = datetime(2026, 3, 3, 17, 30, tzinfo=UTC)  # already 4 March 01:30 in Hong Kong
    end = window_end(start, HK, days=14)
    assert end.astimezone(HK).date() == date(2026, 3, 18)
    assert (end + timedelta(microseconds=1)).astimezone(HK).date() == date(2026, 3, 19)


def test_months_clamp_to_the_end_of_a_shorter_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 12) == date(2027, 12, 15)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 400))
def test_add_months_moves_whole_months(day, months):
    later = add_months(day, months)
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert later.day <= day.day


@given(st.integers(1, 3650))
def test_windows_are_open_through_the_end_and_closed_after(days):
    start = datetime(2026, 5, 1, 2, tzinfo=UTC)
    window = Window("returns", "rule", start, window_end(start, HK, days=days))
    assert window.is_open(window.ends_at) and not window.is_open(window.ends_at + timedelta(microseconds=1))
    assert not window.is_open(start - timedelta(seconds=1))


def test_lifetime_and_unstarted_windows():
    assert Window("warranty", "r", datetime(2020, 1, 1, tzinfo=UTC), None, lifetime=True).is_open(
        datetime(2090, 1, 1, tzinfo=UTC)
    )
    assert not Window("warranty", "r", None, None).is_open(datetime(2026, 1, 1, tzinfo=UTC))


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


@given(money, st.integers(1, 500), st.integers(1, 500), st.data())
def test_goods_refund_never_exceeds_the_line_and_is_whole_cents(line_total, line_quantity, quantity, data):
    goods_total = line_total + data.draw(money)
    discount = data.draw(st.decimals(min_value=Decimal("0"), max_value=goods_total, places=2))
    refund = goods_refund(
        line_total=line_total,
        line_quantity=line_quantity,
        quantity=quantity,
        goods_total=goods_total,
        discount_total=discount,
    )
    assert Decimal("0") <= refund <= line_total
    assert refund == refund.quantize(Decimal("0.01"))


def test_goods_refund_shares_the_discount():
    refund = goods_refund(
        line_total=Decimal("100.00"),
        line_quantity=10,
        quantity=5,
        goods_total=Decimal("200.00"),
        discount_total=Decimal("20.00"),
    )
    assert refund == Decimal("45.00")  # half the line, less its tenth of the discount


def test_refundable_is_never_negative():
    assert refundable(amount_paid=Decimal("10.00"), owed=Decimal("12.00")) == Decimal("0.00")
    assert refundable(amount_paid=Decimal("10.00"), owed=Decimal("2.50")) == Decimal("7.50")
