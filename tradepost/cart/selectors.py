"""Reading a cart with every line priced server-side from the catalog's current price breaks."""

from dataclasses import dataclass
from decimal import Decimal

from tradepost.cart.models import Cart, CartLine
from tradepost.catalog.calculations import quantity_problem, unit_price_for
from tradepost.catalog.models import PriceBreak, Product
from tradepost.core.prepared import Prepared
from tradepost.pricing.calculations import PricedLine, price_line

Breaks = list[tuple[int, Decimal]]  # (minimum quantity, unit price), ascending


@dataclass(frozen=True)
class CartLineView:
    line_id: int
    product: Product
    quantity: int
    unit_price: Decimal | None
    total: Decimal | None
    problem: str | None  # why this line can't be ordered as it is, or None

    @property
    def priced(self) -> PricedLine | None:
        if self.unit_price is None:
            return None
        return price_line(key=self.product.sku, quantity=self.quantity, unit_price=self.unit_price)


@dataclass(frozen=True)
class CartView:
    cart: Cart | None
    lines: tuple[CartLineView, ...]

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def problems(self) -> list[tuple[str, str]]:
        return [(line.product.sku, line.problem) for line in self.lines if line.problem]

    @property
    def goods(self) -> Decimal:
        return sum((line.total for line in self.lines if line.total is not None), Decimal("0.00"))

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def line_problem(product: Product, quantity: int, breaks: Breaks) -> str | None:
    """Why `quantity` of the product can't be ordered (status, MOQ, multiple, stock, price), or None."""
    if not product.is_buyable:
        return "This product is not for sale any more."
    problem = quantity_problem(
        quantity, moq=product.moq, order_multiple=product.order_multiple, stock=product.stock
    )
    if problem:
        return problem
    if unit_price_for(breaks, quantity) is None:
        return "This product has no price for that quantity."
    return None


# Every cart page, cart API call, checkout review and placed order reads these: prepared (core/prepared.py).
_cart_lines = Prepared(
    lambda cart_id: CartLine.objects.filter(cart_id=cart_id).select_related(
        "product__manufacturer", "product__category"
    ),
    cart_id=-1,
)
_breaks_of = Prepared(
    lambda product_ids: (
        PriceBreak.objects.filter(product_id__in=product_ids)
        .order_by("product_id", "min_quantity")
        .values_list("product_id", "min_quantity", "unit_price")
    ),
    product_ids=[],
)


def price_breaks(product_ids: list[int]) -> dict[int, Breaks]:
    """Each product's price breaks, ascending by quantity; one query."""
    found: dict[int, Breaks] = {pk: [] for pk in product_ids}
    if product_ids:
        for product_id, min_quantity, unit_price in _breaks_of.all(product_ids=sorted(set(product_ids))):
            found[product_id].append((min_quantity, unit_price))
    return found


def cart_view(cart: Cart | None) -> CartView:
    """The cart with prices from the current price breaks; 2 queries whatever the number of lines."""
    if cart is None or cart.pk is None:
        return CartView(cart=None, lines=())
    lines = _cart_lines.all(cart_id=cart.pk)
    breaks_by_product = price_breaks([line.product_id for line in lines])
    views = []
    for line in lines:
        product = line.product
        breaks = breaks_by_product[product.pk]
        unit = unit_price_for(breaks, line.quantity)
        total = price_line(key=product.sku, quantity=line.quantity, unit_price=unit).total if unit else None
        views.append(
            CartLineView(
                line_id=line.pk,
                product=product,
                quantity=line.quantity,
                unit_price=unit,
                total=total,
                problem=line_problem(product, line.quantity, breaks),
            )
        )
    return CartView(cart=cart, lines=tuple(views))
