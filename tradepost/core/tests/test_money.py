from decimal import Decimal
from fractions import Fraction
from math import floor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradepost.core.money import (
    CENT,
    CURRENCY,
    allocate,
    format_money,
    money_sum,
    prorate,
    round_money,
    to_decimal,
)

PROPERTY = settings(max_examples=200, deadline=None)

amounts = st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False)
cent_amounts = st.integers(min_value=-(10**11), max_value=10**11).map(lambda cents: Decimal(cents) * CENT)
non_negative_cent_amounts = st.integers(min_value=0, max_value=10**11).map(
    lambda cents: Decimal(cents) * CENT
)
weights = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=1000).map(Decimal),
        st.decimals(min_value=0, max_value=1000, places=3),
    ),
    min_size=1,
    max_size=12,
).filter(lambda ws: sum(ws) > 0)


def _half_up_cents(value: Fraction) -> Decimal:
    """An independent oracle: round an exact fraction to cents, halves away from zero."""
    cents = abs(value) * 100
    rounded = floor(cents + Fraction(1, 2))
    return Decimal(-rounded if value < 0 else rounded) * CENT


# to_decimal


def test_currency_and_cent():
    assert CURRENCY == "USD"
    assert Decimal("0.01") == CENT


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("1.50"), Decimal("1.50")), (3, Decimal(3)), ("2.675", Decimal("2.675")), (" 7 ", Decimal(7))],
)
def test_to_decimal_accepts_decimal_int_and_str(value, expected):
    assert to_decimal(value) == expected
    assert isinstance(to_decimal(value), Decimal)


@pytest.mark.parametrize("value", [1.5, 0.0, True, False, None, [1], Fraction(1, 2)])
def test_to_decimal_rejects_float_bool_and_others(value):
    with pytest.raises(TypeError):
        to_decimal(value)


@pytest.mark.parametrize(
    "value", ["abc", "", "NaN", "Infinity", "-inf", Decimal("NaN"), Decimal("-Infinity")]
)
def test_to_decimal_rejects_non_numbers_and_non_finite(value):
    with pytest.raises(ValueError):
        to_decimal(value)


def test_to_decimal_rejects_signalling_nan():
    with pytest.raises(ValueError):
        to_decimal(Decimal("sNaN"))


# round_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("2.675", "2.68"),
        ("2.665", "2.67"),
        ("1.004", "1.00"),
        ("1.0049999999", "1.00"),
        ("-0.005", "-0.01"),
        ("-2.675", "-2.68"),
        ("10", "10.00"),
        ("123456789012345678901234567890.125", "123456789012345678901234567890.13"),
    ],
)
def test_round_money_rounds_half_up_to_cents(value, expected):
    result = round_money(Decimal(value))

    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2


def test_round_money_rejects_float():
    with pytest.raises(TypeError):
        round_money(2.675)


@PROPERTY
@given(value=amounts)
def test_round_money_is_idempotent_and_within_half_a_cent(value):
    once = round_money(value)

    assert round_money(once) == once
    assert abs(once - value) <= Decimal("0.005")
    assert once == _half_up_cents(Fraction(value))


# money_sum


def test_money_sum():
    assert money_sum([Decimal("1.10"), Decimal("2.20"), 3]) == Decimal("6.30")
    assert money_sum([]) == Decimal("0.00")
    assert money_sum(iter([Decimal("0.001"), Decimal("0.001")])) == Decimal("0.002")  # exact, not rounded


def test_money_sum_rejects_float():
    with pytest.raises(TypeError):
        money_sum([Decimal("1.10"), 2.2])


@PROPERTY
@given(values=st.lists(cent_amounts, max_size=20))
def test_money_sum_is_exact(values):
    assert money_sum(values) == sum((Fraction(value) for value in values), Fraction(0))


# prorate


def test_prorate_examples():
    assert prorate(Decimal("100.00"), 1, 3) == Decimal("33.33")
    assert prorate(Decimal("100.00"), 2, 3) == Decimal("66.67")
    assert prorate(Decimal("0.01"), 1, 2) == Decimal("0.01")  # exactly half a cent rounds up
    assert prorate(Decimal("49.99"), Decimal("17.5"), Decimal("30")) == Decimal("29.16")
    assert prorate(Decimal("120.00"), 0, 12) == Decimal("0.00")
    assert prorate(Decimal("120.00"), 12, 12) == Decimal("120.00")


def test_prorate_does_not_double_round_just_below_half_a_cent():
    # The exact share is 0.004999...95: 28-digit division would round it up to 0.005, then to 0.01.
    assert prorate(Decimal("0.01"), 10**30 - 1, 2 * 10**30) == Decimal("0.00")


@pytest.mark.parametrize(
    ("numerator", "denominator"),
    [(1, 0), (0, 0), (1, -3), (-1, 3), (4, 3), (Decimal("3.01"), 3)],
)
def test_prorate_rejects_out_of_range_fractions(numerator, denominator):
    with pytest.raises(ValueError):
        prorate(Decimal("10.00"), numerator, denominator)


def test_prorate_rejects_float():
    with pytest.raises(TypeError):
        prorate(Decimal("10.00"), 0.5, 1)
    with pytest.raises(TypeError):
        prorate(10.0, 1, 2)


@st.composite
def fractions_of_one(draw):
    denominator = draw(st.integers(min_value=1, max_value=10**6))
    numerator = draw(st.integers(min_value=0, max_value=denominator))
    return numerator, denominator


@PROPERTY
@given(amount=non_negative_cent_amounts, fraction=fractions_of_one())
def test_prorate_stays_between_zero_and_amount(amount, fraction):
    numerator, denominator = fraction

    result = prorate(amount, numerator, denominator)

    assert Decimal(0) <= result <= amount
    assert result == _half_up_cents(Fraction(amount) * numerator / denominator)


@PROPERTY
@given(amount=non_negative_cent_amounts, fraction=fractions_of_one(), extra=st.integers(0, 10**6))
def test_prorate_is_monotonic_in_numerator(amount, fraction, extra):
    numerator, denominator = fraction
    larger = min(numerator + extra, denominator)

    assert prorate(amount, numerator, denominator) <= prorate(amount, larger, denominator)


# allocate


def test_allocate_examples():
    assert allocate(Decimal("10.00"), [Decimal(1)] * 3) == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    assert allocate(Decimal("0.05"), [Decimal(1), Decimal(1)]) == [Decimal("0.03"), Decimal("0.02")]
    assert allocate(Decimal("100.00"), [Decimal(0), Decimal(1)]) == [Decimal("0.00"), Decimal("100.00")]
    assert allocate(Decimal("0.00"), [Decimal(2), Decimal(3)]) == [Decimal("0.00"), Decimal("0.00")]
    assert allocate(Decimal("1.00"), [Decimal("0.2"), Decimal("0.3"), Decimal("0.5")]) == [
        Decimal("0.20"),
        Decimal("0.30"),
        Decimal("0.50"),
    ]


def test_allocate_gives_leftover_cents_to_largest_remainders():
    # Exact shares are 2.857, 5.714 and 1.429 cents: the two leftover cents go to the first two.
    assert allocate(Decimal("0.10"), [Decimal(2), Decimal(4), Decimal(1)]) == [
        Decimal("0.03"),
        Decimal("0.06"),
        Decimal("0.01"),
    ]


def test_allocate_negative_amount_mirrors_positive():
    assert allocate(Decimal("-10.00"), [Decimal(1)] * 3) == [
        Decimal("-3.34"),
        Decimal("-3.33"),
        Decimal("-3.33"),
    ]


@pytest.mark.parametrize(
    ("amount", "shares"),
    [
        (Decimal("10.00"), []),
        (Decimal("10.00"), [Decimal(0), Decimal(0)]),
        (Decimal("10.00"), [Decimal(1), Decimal(-1)]),
        (Decimal("10.005"), [Decimal(1)]),
    ],
)
def test_allocate_rejects_bad_input(amount, shares):
    with pytest.raises(ValueError):
        allocate(amount, shares)


def test_allocate_rejects_float_weights():
    with pytest.raises(TypeError):
        allocate(Decimal("10.00"), [0.5, 0.5])


@PROPERTY
@given(amount=cent_amounts, shares=weights)
def test_allocate_sums_exactly_and_each_part_is_within_a_cent(amount, shares):
    parts = allocate(amount, shares)

    assert len(parts) == len(shares)
    assert sum(parts, Decimal("0.00")) == amount
    total_weight = sum(Fraction(weight) for weight in shares)
    for part, weight in zip(parts, shares, strict=True):
        exact = Fraction(amount) * Fraction(weight) / total_weight
        assert abs(Fraction(part) - exact) < Fraction(1, 100)
        assert part.as_tuple().exponent == -2
        if weight == 0:
            assert part == 0


# format_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.5"), "$1,234.50"),
        (Decimal("-3"), "-$3.00"),
        (Decimal("0"), "$0.00"),
        (Decimal("-0.001"), "$0.00"),
        (Decimal("0.005"), "$0.01"),
        (Decimal("1234567.891"), "$1,234,567.89"),
        (Decimal("-1234.565"), "-$1,234.57"),
    ],
)
def test_format_money(value, expected):
    assert format_money(value) == expected


def test_format_money_rejects_float():
    with pytest.raises(TypeError):
        format_money(1.5)
