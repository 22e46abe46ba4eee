"""Pure price-break and order-quantity math; no database."""

from collections.abc import Sequence
from decimal import Decimal


def unit_price_for(breaks: Sequence[tuple[int, Decimal]], quantity: int) -> Decimal | None:
    """The unit price of the highest break whose minimum `quantity` reaches; None below the first break."""
    price = None
    for min_quantity, unit_price in sorted(breaks):
        if quantity >= min_quantity:
            price = unit_price
        else:
            break
    return price


def smallest_orderable(moq: int, order_multiple: int) -> int:
    """The least quantity that is at least the MOQ and a whole number of order multiples."""
    multiples = -(-moq // order_multiple)
    return multiples * order_multiple


def quantity_problem(quantity: int, *, moq: int, order_multiple: int, stock: int | None = None) -> str | None:
    """Why `quantity` cannot be ordered, in words, or None when it can."""
    if quantity < 1:
        return "Order at least one unit."
    if quantity < moq:
        return f"The minimum order quantity is {moq}."
    if quantity % order_multiple:
        return f"Order in multiples of {order_multiple}."
    if stock is not None and quantity > stock:
        return f"Only {stock} in stock."
    return None
