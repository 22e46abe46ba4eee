"""Cart API: the signed-in buyer's cart. Quantities come from the client, prices never do."""

from decimal import Decimal

from ninja import Router, Schema, Status
from pydantic import Field

from tradepost.api.auth import member
from tradepost.api.schemas import In
from tradepost.cart import selectors, services
from tradepost.core.exceptions import NotFound

router = Router(tags=["cart"])


class CartLineIn(In):
    sku: str = Field(max_length=64)
    quantity: int = Field(description="Units to add to what the cart already holds.")


class QuantityIn(In):
    quantity: int = Field(description="The line's new quantity.")


class CartLineOut(Schema):
    sku: str
    mpn: str
    manufacturer: str
    title: str
    quantity: int
    unit_price: Decimal | None = Field(description="From the price break for this quantity; null if none.")
    line_total: Decimal | None
    problem: str | None = Field(description="Why the line can't be ordered as it is; null when it can.")


class CartOut(Schema):
    lines: list[CartLineOut]
    goods_total: Decimal = Field(description="Sum of the priced lines, USD, before shipping and discounts.")
    item_count: int
    ready: bool = Field(description="True when the cart has lines and none of them has a problem.")


def path_text(value: str) -> str:
    """A text path parameter; one no database can store (NUL) matches nothing, so it is a 404."""
    if "\x00" in value:
        raise NotFound("Not found.")
    return value


def render_cart(view) -> dict:
    return {
        "lines": [
            {
                "sku": line.product.sku,
                "mpn": line.product.mpn,
                "manufacturer": line.product.manufacturer.name,
                "title": line.product.title,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "line_total": line.total,
                "problem": line.problem,
            }
            for line in view.lines
        ],
        "goods_total": view.goods,
        "item_count": view.item_count,
        "ready": not view.is_empty and not view.problems,
    }


def _cart(request, *, create: bool = False):
    return services.cart_for(user=request.auth, create=create)


@router.get("/cart", response=CartOut, auth=member, summary="My cart, priced now")
def cart_get(request):
    return render_cart(selectors.cart_view(_cart(request)))


@router.post("/cart/lines", response={201: CartOut}, auth=member, summary="Add units of a product")
def cart_line_add(request, payload: CartLineIn):
    cart = _cart(request, create=True)
    services.cart_line_add(cart=cart, sku=payload.sku, quantity=payload.quantity)
    return Status(201, render_cart(selectors.cart_view(cart)))


@router.put("/cart/lines/{sku}", response=CartOut, auth=member, summary="Set a line's quantity")
def cart_line_set(request, sku: str, payload: QuantityIn):
    cart = _cart(request, create=True)
    services.cart_line_set(cart=cart, sku=path_text(sku), quantity=payload.quantity)
    return render_cart(selectors.cart_view(cart))


@router.delete("/cart/lines/{sku}", response={204: None}, auth=member, summary="Remove a line")
def cart_line_remove(request, sku: str):
    sku = path_text(sku)
    cart = _cart(request)
    if cart is None:
        raise NotFound(f"{sku!r} is not in the cart.", code="line_not_found", field="sku")
    services.cart_line_remove(cart=cart, sku=sku)
    return Status(204, None)


@router.delete("/cart", response={204: None}, auth=member, summary="Empty my cart")
def cart_clear(request):
    cart = _cart(request)
    if cart is not None:
        services.cart_clear(cart=cart)
    return Status(204, None)
