"""Cart pages: the cart, adding from a product page, changing and removing lines.

Before sign-in the cart is found by the token kept in the session; signing in or registering merges it
into the account's cart. The header's item count is kept in the session too, so every page shows it
without a query; it is refreshed whenever this browser changes or opens the cart.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tradepost.cart import services
from tradepost.cart.selectors import CartView, cart_view
from tradepost.core.exceptions import ApplicationError, NotFound

CART_TOKEN_KEY = "cart_token"
CART_COUNT_KEY = "cart_count"


class CartLineForm(forms.Form):
    sku = forms.CharField(max_length=64)
    # 0 on the cart page removes the line; adding needs at least 1 (the service says so).
    quantity = forms.IntegerField(min_value=0, max_value=services.MAX_QUANTITY)


def page_status(exc: ApplicationError) -> int:
    """The HTTP status of a page that shows a service's refusal: its own when meaningful, else 400."""
    return exc.status if exc.status in (404, 409, 429, 502) else 400


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def session_cart(request, *, create: bool = False):
    """This browser's cart: the account's when signed in, else the anonymous one named in the session."""
    cart = services.cart_for(user=request.user, token=request.session.get(CART_TOKEN_KEY), create=create)
    if cart is not None and cart.user_id is None:
        request.session[CART_TOKEN_KEY] = str(cart.token)
    return cart


def remember_count(request, view: CartView) -> None:
    # Written only on change, so looking at an empty cart starts no session.
    if request.session.get(CART_COUNT_KEY, 0) != view.item_count:
        request.session[CART_COUNT_KEY] = view.item_count


def cart_merge_at_sign_in(request, user) -> None:
    """Move the anonymous cart into `user`'s; the sign-in and register views call it after `login()`."""
    cart = services.cart_merge(token=request.session.pop(CART_TOKEN_KEY, None), user=user)
    remember_count(request, cart_view(cart))


def _first_error(form: forms.Form) -> str:
    return next(iter(form.errors.values()))[0]


def _render_cart(request, *, line_errors: dict[str, str] | None = None, error: str = "", status: int = 200):
    view = cart_view(session_cart(request))
    remember_count(request, view)
    line_errors = dict(line_errors or {})
    rows = [(line, line_errors.pop(line.product.sku, "")) for line in view.lines]
    # An error about a line that is no longer in the cart (another tab removed it) goes on top.
    error = error or next(iter(line_errors.values()), "")
    context = {"cart": view, "rows": rows, "error": error}
    if is_htmx(request):
        # htmx swaps only 2xx answers; the partial carries the error text itself.
        return render(request, "storefront/cart/_cart_swap.html", context)
    return render(request, "storefront/cart/cart.html", context, status=status)


def cart_page(request):
    return _render_cart(request)


@require_POST
def cart_add(request):
    """Add a quantity of a product; without JS back to the cart, with htmx a status line and the count."""
    form = CartLineForm(request.POST)
    error, status, added = "", 200, None
    if not form.is_valid():
        error, status = _first_error(form), 400
    else:
        sku = form.cleaned_data["sku"]
        cart = session_cart(request, create=True)
        try:
            services.cart_line_add(cart=cart, sku=sku, quantity=form.cleaned_data["quantity"])
        except ApplicationError as exc:
            error, status = exc.message, page_status(exc)
        else:
            view = cart_view(cart)
            remember_count(request, view)
            added = next(line for line in view.lines if line.product.sku == sku)
    if is_htmx(request):
        return render(request, "storefront/cart/_added.html", {"added": added, "error": error})
    if added is not None:
        messages.success(
            request, f"Added {form.cleaned_data['quantity']} × {added.product.mpn} to your cart."
        )
        return redirect("storefront:cart")
    return render(
        request,
        "storefront/cart/add_failed.html",
        # Offer another try only for a product that exists (its SKU is then safe to link to).
        {"form": form, "error": error, "retry": form.is_valid() and status != 404},
        status=status,
    )


@require_POST
def cart_update(request):
    form = CartLineForm(request.POST)
    sku = request.POST.get("sku", "")
    if not form.is_valid():
        return _render_cart(request, line_errors={sku: _first_error(form)}, status=400)
    sku, quantity = form.cleaned_data["sku"], form.cleaned_data["quantity"]
    cart = session_cart(request)
    try:
        if cart is None:
            raise NotFound(f"{sku!r} is not in the cart.", code="line_not_found")
        if quantity == 0:
            services.cart_line_remove(cart=cart, sku=sku)
        else:
            services.cart_line_set(cart=cart, sku=sku, quantity=quantity)
    except ApplicationError as exc:
        return _render_cart(request, line_errors={sku: exc.message}, status=page_status(exc))
    if is_htmx(request):
        return _render_cart(request)
    messages.success(request, "Cart updated.")
    return redirect("storefront:cart")


@require_POST
def cart_remove(request):
    sku = request.POST.get("sku", "")
    cart = session_cart(request)
    try:
        if cart is None:
            raise NotFound("That line is not in your cart.", code="line_not_found")
        services.cart_line_remove(cart=cart, sku=sku)
    except NotFound:
        # A second click on Remove, or another tab got there first: the line is gone either way.
        pass
    if is_htmx(request):
        return _render_cart(request)
    messages.success(request, "Removed from your cart.")
    return redirect("storefront:cart")
