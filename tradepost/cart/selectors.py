"""Reading a cart with every line priced server-side from the catalog's current price breaks."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from tradepost.cart.models import Cart, CartLine
from tradepost.catalog.calculations import quantity_problem, unit_price_for
from tradepost.catalog.models import PriceBreak, Product
from tradepost.pricing.calculations import PricedLine, price_line


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


def line_problem(product: Product, quantity: int) -> str | None:
    if not product.is_buyable:
        return "This product is not for sale any more."
    breaks = [(b.min_quantity, b.unit_price) for b in product.price_breaks.all()]
    problem = quantity_problem(
        quantity, moq=product.moq, order_multiple=product.order_multiple, stock=product.stock
    )
    if problem:
        return problem
    if unit_price_for(breaks, quantity) is None:
        return "This product has no price for that quantity."
    return None


def cart_lines_query():
    return CartLine.objects.select_related("product__manufacturer", "product__category").prefetch_related(
        Prefetch("product__price_breaks", queryset=PriceBreak.objects.order_by("min_quantity"))
    )


def cart_view(cart: Cart | None) -> CartView:
    """The cart with prices from the current price breaks; 2 queries whatever the number of lines."""
    if cart is None or cart.pk is None:
        return CartView(cart=None, lines=())
    views = []
    for line in cart_lines_query().filter(cart=cart):
        product = line.product
        breaks = [(b.min_quantity, b.unit_price) for b in product.price_breaks.all()]
        unit = unit_price_for(breaks, line.quantity)
        total = price_line(key=product.sku, quantity=line.quantity, unit_price=unit).total if unit else None
        views.append(
            CartLineView(
                line_id=line.pk,
                product=product,
                quantity=line.quantity,
                unit_price=unit,
                total=total,
                problem=line_problem(product, line.quantity),
            )
        )
    return CartView(cart=cart, lines=tuple(views))
