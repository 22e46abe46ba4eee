"""Checkout page: review the priced cart, choose address, shipping and payment, and place the order.

The form carries an idempotency key made when the page is shown, so a double submit gets the order the
first one placed, and the total the buyer was shown, so a price change since then is reported instead of
charged. The shipping methods are those quoted for the chosen address: changing the address re-renders
them (htmx swaps the shipping fieldset and the totals; without JavaScript "Update totals" does it).
"""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tradepost.accounts.selectors import address_list
from tradepost.checkout.services import MAX_KEY, MAX_REMARK, CheckoutPreview, checkout_place, checkout_preview
from tradepost.core.exceptions import ApplicationError
from tradepost.orders.models import PaymentMethodChoices
from tradepost.policies.schema import CommercialInvoice
from tradepost.promotions.selectors import coupons_usable
from tradepost.storefront.forms import apply_errors
from tradepost.storefront.views.cart import CART_COUNT_KEY, is_htmx, page_status


class CheckoutForm(forms.Form):
    address_id = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label="Ship to",
        error_messages={
            "required": "Choose a shipping address.",
            "invalid_choice": "No such address in your address book.",
        },
    )
    shipping_method = forms.ChoiceField(
        widget=forms.RadioSelect,
        label="Shipping",
        error_messages={
            "required": "Choose a shipping method.",
            "invalid_choice": "Choose a shipping method.",
        },
    )
    payment_method = forms.ChoiceField(
        widget=forms.RadioSelect,
        label="Payment",
        error_messages={
            "required": "Choose a payment method.",
            "invalid_choice": "This store does not take that method.",
        },
    )
    remark = forms.CharField(
        required=False,
        max_length=MAX_REMARK,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Order remark (optional)",
        help_text="Anything the store should know, e.g. labelling or packing wishes.",
    )
    commercial_invoice = forms.BooleanField(required=False, label="I need a commercial invoice")
    # Any number parses; the checkout service decides whether it is the buyer's own usable coupon.
    product_coupon_id = forms.IntegerField(required=False, label="Product coupon", widget=forms.Select)
    shipping_coupon_id = forms.IntegerField(required=False, label="Shipping coupon", widget=forms.Select)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=MAX_KEY)
    expected_total = forms.DecimalField(
        widget=forms.HiddenInput,
        max_digits=14,
        decimal_places=2,
        error_messages={"required": "Review the order again before placing it."},
    )

    def __init__(self, *args, addresses, preview: CheckoutPreview, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address_id"].choices = [(address.pk, address) for address in addresses]
        # The option itself is the label: the template shows its price, promised dates and incoterm.
        self.fields["shipping_method"].choices = [(option.code, option) for option in preview.shipping]
        self.fields["payment_method"].choices = [
            (method, PaymentMethodChoices(method).label) for method in preview.payment_methods
        ]
        if not preview.policy.policy.invoices.request_at_checkout:
            del self.fields["commercial_invoice"]


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _preview(user, data, *, fall_back: bool = False) -> CheckoutPreview:
    """The service's preview of what is chosen; with `fall_back`, a shipping method not offered for the
    address (chosen for another one) gives way to the cheapest, as on a fresh page."""
    return checkout_preview(
        user=user,
        address_id=_int_or_none(data.get("address_id")),
        shipping_method=data.get("shipping_method") or None,
        payment_method=data.get("payment_method") or None,
        product_coupon_id=_int_or_none(data.get("product_coupon_id")),
        shipping_coupon_id=_int_or_none(data.get("shipping_coupon_id")),
        shipping_fallback=fall_back,
    )


def _first_view(user, addresses) -> tuple[dict, CheckoutPreview]:
    """A fresh checkout page: the default address, the first shipping method and a new idempotency key."""
    default = next((a for a in addresses if a.is_default), addresses[0] if addresses else None)
    initial = {"address_id": default.pk if default else None, "idempotency_key": uuid.uuid4().hex}
    preview = _preview(user, initial)
    if preview.shipping_choice is not None:  # the service preselects the cheapest
        initial["shipping_method"] = preview.shipping_choice.code
    initial["expected_total"] = preview.totals.total
    return initial, preview


def _coupon_pickers(request, form: CheckoutForm, preview: CheckoutPreview) -> dict[str, str]:
    """Offer the buyer's usable coupons of each kind the store takes; returns the preview's coupon errors."""
    rules = preview.policy.policy.coupons
    offered = {str(kind) for kind in (rules.kinds or [])} if rules.enabled else set()
    for kind in ("product", "shipping"):
        field = f"{kind}_coupon_id"
        if kind not in offered:
            del form.fields[field]
            continue
        usable = coupons_usable(user=request.user, kind=kind)
        form.fields[field].widget.choices = [("", "No coupon")] + [(c.pk, c.label) for c in usable]
    fields = ("product_coupon_id", "shipping_coupon_id")
    return {e.field: e.message for e in preview.errors if e.field in fields}


def _render(request, form: CheckoutForm, preview: CheckoutPreview, *, status: int = 200):
    policy = preview.policy.policy
    coupon_errors = _coupon_pickers(request, form, preview)
    no_shipping = preview.address is not None and not preview.shipping
    context = {
        "form": form,
        "preview": preview,
        "cart": preview.cart,
        "totals": preview.totals,
        "addresses_exist": bool(form.fields["address_id"].choices),
        "invoice_always": policy.invoices.commercial_invoice == CommercialInvoice.ALWAYS,
        # Problems with the cart itself stop the order whatever is chosen; show them on every view.
        "cart_problems": [e for e in preview.errors if e.field == "cart" or e.field.startswith("cart.")],
        "store_tz": policy.store.timezone,  # promised dates are working days of the warehouse's calendar
        "dispatch_from": str(policy.dispatch.counted_from),
        "free_shipping": policy.shipping.free_shipping,
        "incoterm": preview.quote.incoterm,
        # The address is served by no method: say why next to the methods, and do not offer to place.
        "shipping_problem": preview.quote.problem if no_shipping else "",
        "coupon_errors": {} if form.is_bound else coupon_errors,  # a bound form shows its own errors
    }
    # htmx gets the totals, with the shipping methods and the place button swapped out of band.
    template = "storefront/checkout/_review.html" if is_htmx(request) else "storefront/checkout/checkout.html"
    return render(request, template, context, status=status)


def _rebound(data, addresses, preview: CheckoutPreview, **replace) -> CheckoutForm:
    """The submitted form again, with the total now shown and any `replace`d values."""
    data = data.copy()
    data["expected_total"] = str(preview.totals.total)
    for key, value in replace.items():
        data[key] = value
    form = CheckoutForm(data, addresses=addresses, preview=preview)
    form.is_valid()
    return form


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request):
    user = request.user
    addresses = list(address_list(user=user))
    if request.method == "GET":
        initial, preview = _first_view(user, addresses)
        return _render(request, CheckoutForm(initial=initial, addresses=addresses, preview=preview), preview)

    if request.POST.get("action") == "review":
        # "Update totals" (or htmx on a change): show the priced order for what is chosen now, without
        # judging the form yet; a method the new address does not offer falls back to the cheapest.
        preview = _preview(user, request.POST, fall_back=True)
        initial = {key: request.POST.get(key) for key in CheckoutForm.base_fields}
        initial["commercial_invoice"] = bool(request.POST.get("commercial_invoice"))
        initial["shipping_method"] = preview.shipping_choice.code if preview.shipping_choice else None
        initial["expected_total"] = preview.totals.total
        return _render(request, CheckoutForm(initial=initial, addresses=addresses, preview=preview), preview)

    preview = _preview(user, request.POST)
    form = CheckoutForm(request.POST, addresses=addresses, preview=preview)
    if not form.is_valid():
        if {"idempotency_key", "expected_total"} & form.errors.keys():
            # The hidden fields were lost or tampered with: start the confirmation over with fresh ones.
            form = _rebound(request.POST, addresses, preview, idempotency_key=uuid.uuid4().hex)
            form.add_error(None, "Review the order and place it again.")
        return _render(request, form, preview, status=400)
    data = form.cleaned_data
    try:
        order, created = checkout_place(
            user=user,
            idempotency_key=data["idempotency_key"],
            address_id=data["address_id"],
            shipping_method=data["shipping_method"],
            payment_method=data["payment_method"],
            remark=data["remark"],
            commercial_invoice=data.get("commercial_invoice", False),
            expected_total=data["expected_total"],
            product_coupon_id=data.get("product_coupon_id"),
            shipping_coupon_id=data.get("shipping_coupon_id"),
        )
    except ApplicationError as exc:
        fresh = {}
        if any(error.field == "idempotency_key" for error in exc.errors):
            fresh["idempotency_key"] = uuid.uuid4().hex
        if fresh or exc.code == "total_changed":
            # Carry the total now shown, so the next "Place order" confirms what the buyer sees.
            form = _rebound(request.POST, addresses, preview, **fresh)
        apply_errors(form, exc)
        return _render(request, form, preview, status=page_status(exc))
    if created:
        request.session[CART_COUNT_KEY] = 0
        messages.success(request, f"Thank you. Order {order.number} is placed.")
    else:
        messages.info(request, f"Order {order.number} was already placed; here it is.")
    return redirect("storefront:order_detail", number=order.number)
