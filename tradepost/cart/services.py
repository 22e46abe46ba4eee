"""Cart changes. Quantities are checked against MOQ, order multiple and stock; prices are never taken
from the client: they are read from the price breaks whenever the cart is shown or ordered."""

import uuid

from django.db import IntegrityError, transaction

from tradepost.cart.models import Cart, CartLine
from tradepost.cart.selectors import Breaks, line_problem, price_breaks
from tradepost.catalog.models import Product
from tradepost.core.exceptions import NotFound, ValidationFailed
from tradepost.core.prepared import Prepared

MAX_LINES = 200
MAX_QUANTITY = 10_000_000


# Every cart and checkout request reads these: prepared (core/prepared.py).
_cart_of_user = Prepared(lambda user_id: Cart.objects.filter(user_id=user_id).order_by("pk")[:1], user_id=-1)
_product_by_sku = Prepared(lambda sku: Product.objects.filter(sku=sku).order_by("pk")[:1], sku="<sku>")
_locked_cart = Prepared(
    lambda cart_id: Cart.objects.select_for_update().filter(pk=cart_id).order_by("pk")[:1], cart_id=-1
)
_lines_of_cart = Prepared(lambda cart_id: CartLine.objects.filter(cart_id=cart_id), cart_id=-1)


def cart_for(*, user=None, token: str | uuid.UUID | None = None, create: bool = False) -> Cart | None:
    """The signed-in user's cart, else the anonymous cart with `token`; created when asked."""
    if user is not None and user.is_authenticated:
        cart = _cart_of_user.first(user_id=user.pk)
        if cart is None and create:
            try:
                with transaction.atomic():
                    cart = Cart.objects.create(user=user)
            except IntegrityError:  # a parallel request created it first
                cart = Cart.objects.get(user=user)
        return cart
    cart = None
    if token:
        try:
            cart = Cart.objects.filter(token=uuid.UUID(str(token)), user__isnull=True).first()
        except ValueError:
            cart = None
    if cart is None and create:
        cart = Cart.objects.create()
    return cart


def _product(sku: str) -> tuple[Product, Breaks]:
    """The product and its price breaks (two queries)."""
    product = _product_by_sku.first(sku=sku) if isinstance(sku, str) else None
    if product is None:
        raise NotFound(f"No product with SKU {sku!r}.", code="product_not_found", field="sku")
    return product, price_breaks([product.pk])[product.pk]


def _checked_quantity(product: Product, breaks: Breaks, quantity) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationFailed("Quantity must be a whole number.", field="quantity", code="invalid_quantity")
    if quantity > MAX_QUANTITY:
        raise ValidationFailed(
            f"At most {MAX_QUANTITY:,} per line.", field="quantity", code="invalid_quantity"
        )
    problem = line_problem(product, quantity, breaks)
    if problem:
        raise ValidationFailed(problem, field="quantity", code="invalid_quantity")
    return quantity


def _lock_cart(cart: Cart) -> None:
    """Serialize changes to one cart (SELECT ... FOR UPDATE on its row), so two clicks can't race."""
    _locked_cart.all(cart_id=cart.pk)


def cart_line_set(*, cart: Cart, sku: str, quantity: int, add: bool = False) -> CartLine:
    """Set the quantity of `sku` in the cart (adding the line if new); with `add`, add to what is there.

    Locks the cart row; safe to call from parallel requests.
    """
    product, breaks = _product(sku)
    if add:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise ValidationFailed(
                "Quantity must be a whole number of at least 1.", field="quantity", code="invalid_quantity"
            )
    else:
        quantity = _checked_quantity(product, breaks, quantity)
    with transaction.atomic():
        _lock_cart(cart)
        lines = _lines_of_cart.all(cart_id=cart.pk)  # the cart's lines: the product's, and how many
        line = next((one for one in lines if one.product_id == product.pk), None)
        if add:
            quantity = _checked_quantity(product, breaks, (line.quantity if line else 0) + quantity)
        if line is None:
            if len(lines) >= MAX_LINES:
                raise ValidationFailed(
                    f"A cart holds at most {MAX_LINES} lines.", field="sku", code="cart_full"
                )
            line = CartLine.objects.create(cart=cart, product=product, quantity=quantity)
        else:
            line.quantity = quantity
            line.save(update_fields=["quantity"])
    return line


def cart_line_add(*, cart: Cart, sku: str, quantity: int) -> CartLine:
    """Add `quantity` of `sku` to what the cart already holds (under the cart's lock)."""
    return cart_line_set(cart=cart, sku=sku, quantity=quantity, add=True)


def cart_line_remove(*, cart: Cart, sku: str) -> None:
    deleted, _ = CartLine.objects.filter(cart=cart, product__sku=sku).delete()
    if not deleted:
        raise NotFound(f"{sku!r} is not in the cart.", code="line_not_found", field="sku")


def cart_clear(*, cart: Cart) -> None:
    CartLine.objects.filter(cart=cart).delete()


def cart_merge(*, token: str | uuid.UUID | None, user) -> Cart | None:
    """Move an anonymous cart's lines into `user`'s cart at sign-in; the same product adds up.

    Safe to call twice: the anonymous cart is deleted once merged.
    """
    anonymous = cart_for(token=token) if token else None
    if anonymous is None:
        return cart_for(user=user)
    with transaction.atomic():
        cart = cart_for(user=user, create=True)
        _lock_cart(cart)
        anonymous = Cart.objects.select_for_update().filter(pk=anonymous.pk).first()
        if anonymous is None:  # a parallel sign-in merged it already
            return cart
        mine = {line.product_id: line for line in CartLine.objects.filter(cart=cart)}
        for line in CartLine.objects.filter(cart=anonymous):
            if line.product_id in mine:
                kept = mine[line.product_id]
                kept.quantity += line.quantity
                kept.save(update_fields=["quantity"])
            else:
                CartLine.objects.create(cart=cart, product_id=line.product_id, quantity=line.quantity)
        anonymous.delete()
    return cart
