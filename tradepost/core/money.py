"""Money is a Decimal amount of US dollars, never a float, and round_money is its one rounding rule."""

from collections.abc import Iterable, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction

CURRENCY = "USD"
CENT = Decimal("0.01")


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Return the value as a finite Decimal; floats and bools are refused because they hide rounding."""
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"Money must be a Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"Not a decimal amount: {value!r}") from exc
    elif isinstance(value, int):
        value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"Money must be finite, got {value}")
    return value


def round_money(value: Decimal) -> Decimal:
    """Return the value rounded to whole cents, halves away from zero (ROUND_HALF_UP)."""
    value = to_decimal(value)
    with localcontext() as context:
        # Enough digits that quantize never fails on a large amount.
        context.prec = max(context.prec, value.adjusted() + 3)
        return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_sum(values: Iterable[Decimal]) -> Decimal:
    """Return the exact sum of the values, 0.00 for none; it does not round."""
    total = Decimal("0.00")
    for value in values:
        total += to_decimal(value)
    return total


def prorate(amount: Decimal, numerator: int | Decimal, denominator: int | Decimal) -> Decimal:
    """Return amount * numerator / denominator in cents; for a cent amount it lies between 0 and amount."""
    amount = to_decimal(amount)
    numerator = to_decimal(numerator)
    denominator = to_decimal(denominator)
    if denominator <= 0:
        raise ValueError(f"Denominator must be positive, got {denominator}")
    if not 0 <= numerator <= denominator:
        raise ValueError(f"Numerator must be between 0 and {denominator}, got {numerator}")
    return round_money(_as_decimal(Fraction(amount) * Fraction(numerator) / Fraction(denominator)))


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split a cent amount across non-negative weights so the parts sum exactly to the amount.

    Each part is its exact proportional share rounded down or up to a cent; the leftover cents go to
    the largest remainders, earlier weights first on ties, so a zero weight always gets 0.00.
    A negative amount is split as its magnitude and negated.
    """
    amount = to_decimal(amount)
    if amount != round_money(amount):
        raise ValueError(f"Amount to allocate must be whole cents, got {amount}")
    weights = [to_decimal(weight) for weight in weights]
    if any(weight < 0 for weight in weights):
        raise ValueError("Allocation weights must not be negative")
    total_weight = sum((Fraction(weight) for weight in weights), Fraction(0))
    if total_weight == 0:
        raise ValueError("Allocation weights must not all be zero")

    cents = int(abs(amount).scaleb(2))
    exact = [cents * Fraction(weight) / total_weight for weight in weights]
    parts = [int(share) for share in exact]  # floor, since every share is non-negative
    leftover = cents - sum(parts)
    by_remainder = sorted(range(len(exact)), key=lambda index: (parts[index] - exact[index], index))
    for index in by_remainder[:leftover]:
        parts[index] += 1

    sign = -1 if amount < 0 else 1
    return [Decimal(sign * part) * CENT for part in parts]


def format_money(value: Decimal) -> str:
    """Return the amount as a US dollar string such as "$1,234.50" or "-$3.00"."""
    rounded = round_money(value)
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.2f}"


def _as_decimal(value: Fraction) -> Decimal:
    """Return a Decimal for an exact fraction, truncated far below a cent.

    Truncating toward zero never carries a value across a half-cent, so the one half-up rounding
    in round_money still sees which side of the half the exact value lies on.
    """
    numerator = Decimal(value.numerator)
    denominator = Decimal(value.denominator)
    with localcontext() as context:
        context.rounding = ROUND_DOWN
        context.prec = max(context.prec, len(str(abs(value.numerator) // value.denominator)) + 10)
        return numerator / denominator
