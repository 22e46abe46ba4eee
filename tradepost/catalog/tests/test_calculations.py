from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradepost.catalog.calculations import quantity_problem, smallest_orderable, unit_price_for

BREAKS = [(1, Decimal("0.52")), (10, Decimal("0.44")), (100, Decimal("0.37"))]


def test_price_break_for_quantity():
    assert unit_price_for(BREAKS, 1) == Decimal("0.52")
    assert unit_price_for(BREAKS, 9) == Decimal("0.52")
    assert unit_price_for(BREAKS, 10) == Decimal("0.44")
    assert unit_price_for(BREAKS, 99) == Decimal("0.44")
    assert unit_price_for(BREAKS, 5000) == Decimal("0.37")
    assert unit_price_for([(10, Decimal("1"))], 5) is None


@given(st.integers(min_value=1, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_more_units_never_cost_more_each(a, extra):
    assert unit_price_for(BREAKS, a + extra) <= unit_price_for(BREAKS, a)


@given(st.integers(min_value=1, max_value=5000), st.integers(min_value=1, max_value=500))
def test_smallest_orderable_is_valid_and_minimal(moq, multiple):
    least = smallest_orderable(moq, multiple)
    assert quantity_problem(least, moq=moq, order_multiple=multiple) is None
    assert least - multiple < moq or (least - multiple) % multiple != 0


def test_quantity_problems_are_explained():
    assert quantity_problem(5, moq=10, order_multiple=5) == "The minimum order quantity is 10."
    assert quantity_problem(12, moq=10, order_multiple=5) == "Order in multiples of 5."
    assert quantity_problem(15, moq=10, order_multiple=5, stock=12) == "Only 12 in stock."
    assert quantity_problem(15, moq=10, order_multiple=5, stock=15) is None
