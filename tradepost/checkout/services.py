"""Checkout: the priced preview a buyer confirms, and placing the order in one transaction."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tradepost.accounts.models import Address
from tradepost.accounts.selectors import address_get
from tradepost.cart.models import CartLine
from tradepost.cart.selectors import CartView, cart_view
from tradepost.cart.services import cart_for
from tradepost.catalog.models import Product, ProductStatus
from tradepost.catalog.selectors import category_ancestors, effective_warranty_class
from tradepost.core.exceptions import Conflict, FieldError, NotFound, ValidationFailed
from tradepost.memberships.selectors import is_member
from tradepost.orders.emails import order_email_queue
from tradepost.orders.events import order_event_record
from tradepost.orders.models import Order, OrderEvent, OrderLine
from tradepost.policies.schema import CommercialInvoice, StorePolicy
from tradepost.policies.selectors import ActivePolicy, policy_active
from tradepost.pricing.calculations import Totals, order_totals
from tradepost.promotions.selectors import AppliedCoupon, checkout_coupons
from tradepost.promotions.services import coupons_use_for_order
from tradepost.shipping.selectors import ShippingOption, ShippingQuote, items_for_lines, shipping_quote

MAX_REMARK = 2000
MAX_KEY = 100


class OutOfStock(Conflict):
    code = "out_of_stock"


@dataclass(frozen=True)
class CheckoutPreview:
    policy: ActivePolicy
    cart: CartView
    address: Address | None
    quote: ShippingQuote
    shipping_choice: ShippingOption | None
    payment_methods: list[str]
    totals: Totals
    errors: list[FieldError]
    coupons: tuple[AppliedCoupon, ...] = ()

    @property
    def ready(self) -> bool:
        return not self.errors

    @property
    def shipping(self) -> list[ShippingOption]:
        return self.quote.options


def _payment_methods(policy: StorePolicy) -> list[str]:
    return [str(method) for method in policy.payments.methods]


def checkout_preview(
    *,
    user,
    address_id: int | None = None,
    shipping_method: str | None = None,
    payment_method: str | None = None,
    product_coupon_id: int | None = None,
    shipping_coupon_id: int | None = None,
    shipping_fallback: bool = False,
) -> CheckoutPreview:
    """What the order would be now: priced lines, options, totals, and what still stops it being placed.

    With `shipping_fallback` (a review after the buyer changed the address), a method the address is not
    offered gives way to the cheapest one, as when none is chosen; placing never falls back.
    """
    active = policy_active()
    policy = active.policy
    view = cart_view(cart_for(user=user))
    errors: list[FieldError] = []
    if view.is_empty:
        errors.append(FieldError("cart", "Your cart is empty.", "cart_empty"))
    for sku, problem in view.problems:
        errors.append(FieldError(f"cart.{sku}", problem, "line_problem"))
    address = None
    if address_id is None:
        errors.append(FieldError("address_id", "Choose a shipping address.", "required"))
    else:
        try:
            address = address_get(user=user, address_id=address_id)
        except NotFound:  # someone else's address reads as missing
            errors.append(FieldError("address_id", "No such address in your address book.", "not_found"))
    quote = shipping_quote(
        policy=policy,
        country=address.country.code if address is not None else None,
        items=items_for_lines(view.lines),
    )
    # No choice yet: the first option (the cheapest) is preselected, and shown before anything is placed.
    choice = quote.get(shipping_method) if shipping_method else None
    if choice is None and (shipping_fallback or not shipping_method) and quote.options:
        choice = quote.options[0]
    if address is not None and not quote.options:
        errors.append(FieldError("shipping_method", quote.problem, "no_shipping"))
    elif address is not None and choice is None:
        errors.append(
            FieldError("shipping_method", "That shipping method is not offered for this address.", "invalid")
        )
    methods = _payment_methods(policy)
    if payment_method not in methods:
        message = (
            "Choose a payment method." if not payment_method else "This store does not take that method."
        )
        errors.append(FieldError("payment_method", message, "invalid_choice"))
    priced = [line.priced for line in view.lines if line.priced is not None]
    shipping = choice.cost if choice else Decimal("0.00")
    coupons, coupon_errors = checkout_coupons(
        user=user,
        policy=policy,
        product_coupon_id=product_coupon_id,
        shipping_coupon_id=shipping_coupon_id,
        goods=order_totals(lines=priced).goods,
        shipping=shipping if choice else None,
    )
    errors.extend(coupon_errors)
    totals = order_totals(lines=priced, shipping=shipping, discounts=[c.discount for c in coupons])
    return CheckoutPreview(
        policy=active,
        cart=view,
        address=address,
        quote=quote,
        shipping_choice=choice,
        payment_methods=methods,
        totals=totals,
        errors=errors,
        coupons=tuple(coupons),
    )


def clean_idempotency_key(key) -> str:
    """The key of a retried submit, checked: required, printable, at most MAX_KEY characters."""
    if not isinstance(key, str) or not key.strip():
        raise ValidationFailed("An idempotency key is required.", field="idempotency_key", code="required")
    key = key.strip()
    if len(key) > MAX_KEY or not key.isprintable():
        raise ValidationFailed(
            f"At most {MAX_KEY} printable characters.", field="idempotency_key", code="invalid"
        )
    return key


def checkout_place(
    *,
    user,
    idempotency_key: str,
    address_id: int | None,
    shipping_method: str | None,
    payment_method: str | None,
    remark: str = "",
    commercial_invoice: bool = False,
    expected_total: Decimal | None = None,
    product_coupon_id: int | None = None,
    shipping_coupon_id: int | None = None,
) -> tuple[Order, bool]:
    """Place the buyer's cart as an order; returns (order, created).

    One transaction: stock is taken with a conditional UPDATE (never below zero), the order and its lines
    are written with the policy version in force, and the cart is emptied. The same idempotency key
    returns the order it placed the first time, never a second one; safe to retry. When
    `expected_total` (what the buyer was shown) no longer matches, nothing is placed.
    """
    key = clean_idempotency_key(idempotency_key)
    if expected_total is not None:
        try:
            expected_total = Decimal(str(expected_total))
        except ArithmeticError:
            raise ValidationFailed("Not an amount.", field="expected_total", code="invalid") from None
        if not expected_total.is_finite():
            raise ValidationFailed("Not an amount.", field="expected_total", code="invalid")
    existing = Order.objects.filter(user=user, idempotency_key=key).first()
    if existing is not None:
        return existing, False
    remark = (remark or "").strip()
    if len(remark) > MAX_REMARK:
        raise ValidationFailed(f"At most {MAX_REMARK} characters.", field="remark", code="too_long")
    try:
        with transaction.atomic():
            order = _place(
                user=user,
                key=key,
                address_id=address_id,
                shipping_method=shipping_method,
                payment_method=payment_method,
                remark=remark,
                commercial_invoice=bool(commercial_invoice),
                expected_total=expected_total,
                product_coupon_id=product_coupon_id,
                shipping_coupon_id=shipping_coupon_id,
            )
    except IntegrityError:
        # The same key committed meanwhile (a double click racing itself): that order is the answer.
        existing = Order.objects.filter(user=user, idempotency_key=key).first()
        if existing is None:
            raise
        return existing, False
    order_email_queue(order=order, kind="placed")
    return order, True


def _place(
    *,
    user,
    key,
    address_id,
    shipping_method,
    payment_method,
    remark,
    commercial_invoice,
    expected_total,
    product_coupon_id=None,
    shipping_coupon_id=None,
) -> Order:
    preview = checkout_preview(
        user=user,
        address_id=address_id,
        shipping_method=shipping_method,
        payment_method=payment_method,
        product_coupon_id=product_coupon_id,
        shipping_coupon_id=shipping_coupon_id,
    )
    if preview.errors:
        raise ValidationFailed(
            "The order cannot be placed yet.", errors=preview.errors, code="checkout_incomplete"
        )
    policy = preview.policy.policy
    invoices = policy.invoices
    if (
        commercial_invoice
        and not invoices.request_at_checkout
        and invoices.commercial_invoice != CommercialInvoice.ALWAYS
    ):
        raise ValidationFailed(
            "This store does not take invoice requests at checkout.", field="commercial_invoice"
        )
    if policy.invoices.commercial_invoice == CommercialInvoice.ALWAYS:
        commercial_invoice = True
    totals = preview.totals
    if expected_total is not None and Decimal(expected_total) != totals.total:
        raise Conflict(
            f"Prices changed since you reviewed the order: the total is now {totals.total} USD. "
            "Review it again.",
            code="total_changed",
            field="expected_total",
        )
    lines = preview.cart.lines
    for line in sorted(lines, key=lambda item: item.product.pk):  # a fixed order: no deadlock between buyers
        taken = Product.objects.filter(
            pk=line.product.pk, stock__gte=line.quantity, status=ProductStatus.ACTIVE
        ).update(stock=F("stock") - line.quantity)
        if not taken:
            left = Product.objects.filter(pk=line.product.pk).values_list("stock", flat=True).first() or 0
            raise OutOfStock(
                f"{line.product.mpn}: only {left} left in stock; change the quantity and try again.",
                field=f"cart.{line.product.sku}",
            )
    now = timezone.now()
    address = preview.address
    order = Order.objects.create(
        user=user,
        policy_version_id=preview.policy.version_id,
        idempotency_key=key,
        goods_total=totals.goods,
        discount_total=totals.discount,
        shipping_total=totals.shipping,
        duties_total=totals.duties,
        total=totals.total,
        payment_method=payment_method,
        shipping_method=preview.shipping_choice.code,
        shipping_method_label=preview.shipping_choice.label,
        shipping_carrier=preview.shipping_choice.carrier,
        shipping_service=preview.shipping_choice.service,
        transit_min_working_days=preview.shipping_choice.transit_min_days,
        transit_max_working_days=preview.shipping_choice.transit_max_days,
        incoterm=preview.shipping_choice.incoterm,
        chargeable_weight_grams=preview.shipping_choice.chargeable_grams,
        ship_name=address.full_name,
        ship_company=address.company,
        ship_line1=address.line1,
        ship_line2=address.line2,
        ship_city=address.city,
        ship_region=address.region,
        ship_postal_code=address.postal_code,
        ship_country=address.country,
        ship_phone=address.phone,
        remark=remark,
        commercial_invoice_requested=commercial_invoice,
        member_benefits=is_member(user=user, now=now),
        placed_at=now,
        payment_due_at=now + timedelta(hours=policy.payments.unpaid_order_expiry_hours),
    )
    warranty = {}
    for line in lines:
        category = line.product.category
        if category.pk not in warranty:
            warranty[category.pk] = effective_warranty_class(category, category_ancestors(category)) or ""
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            sku=line.product.sku,
            mpn=line.product.mpn,
            manufacturer=line.product.manufacturer.name,
            title=line.product.title,
            warranty_class=warranty[line.product.category_id],
            hs_code=line.product.hs_code,
            country_of_origin=line.product.country_of_origin,
            weight_grams=line.product.weight_grams,
            quantity=line.quantity,
            unit_price=line.unit_price,
            line_total=line.total,
        )
        for line in lines
    )
    # Conditional UPDATE per coupon: losing a race raises Conflict and rolls the whole order back.
    coupons_use_for_order(order=order, applied=preview.coupons, actor=user)
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.PLACED,
        actor=user,
        to_status=order.status,
        message=f"Order placed: {order.total} USD by {order.get_payment_method_display()}.",
        data={"policy_version": preview.policy.version, "total": str(order.total)},
        at=now,
    )
    CartLine.objects.filter(cart=preview.cart.cart).delete()
    return order


# --- Quotations: an accepted quotation becomes an order at the quoted prices ------------------------------


@dataclass(frozen=True)
class QuotationPreview:
    policy: ActivePolicy
    quotation: object  # quotes.models.Quotation
    address: Address | None
    quote: ShippingQuote
    shipping_choice: ShippingOption | None
    payment_methods: list[str]
    totals: Totals
    errors: list[FieldError]

    @property
    def ready(self) -> bool:
        return not self.errors

    @property
    def shipping(self) -> list[ShippingOption]:
        return self.quote.options


def _quotation_items(lines) -> list:
    """Shipping items: catalog parts weigh what the catalog says; quoted parts what staff entered."""
    from tradepost.shipping.calculations import Item

    return [
        Item(
            weight_grams=line.product.weight_grams if line.product_id else line.weight_grams,
            length_mm=line.product.length_mm if line.product_id else 0,
            width_mm=line.product.width_mm if line.product_id else 0,
            height_mm=line.product.height_mm if line.product_id else 0,
            quantity=line.quantity,
        )
        for line in lines
    ]


def checkout_quotation_preview(
    *,
    user,
    quotation,
    address_id: int | None = None,
    shipping_method: str | None = None,
    payment_method: str | None = None,
) -> QuotationPreview:
    """The order an accepted quotation would make now: the quoted lines and prices, shipping for the
    address, and what still stops it (address, method, payment, an expired or superseded quotation)."""
    from tradepost.pricing.calculations import price_line
    from tradepost.quotes.services import quotation_check_orderable

    active = policy_active()
    policy = active.policy
    errors: list[FieldError] = []
    try:
        quotation_check_orderable(quotation, user=user, now=timezone.now())
    except Conflict as exc:
        errors.append(FieldError("quotation", exc.message, exc.code))
    lines = list(quotation.lines.select_related("product").order_by("id"))
    address = None
    if address_id is None:
        errors.append(FieldError("address_id", "Choose a shipping address.", "required"))
    else:
        try:
            address = address_get(user=user, address_id=address_id)
        except NotFound:
            errors.append(FieldError("address_id", "No such address in your address book.", "not_found"))
    quote = shipping_quote(
        policy=policy,
        country=address.country.code if address is not None else None,
        items=_quotation_items(lines),
    )
    choice = quote.get(shipping_method) if shipping_method else None
    if choice is None and not shipping_method and quote.options:
        choice = quote.options[0]
    if address is not None and not quote.options:
        errors.append(FieldError("shipping_method", quote.problem, "no_shipping"))
    elif address is not None and choice is None:
        errors.append(
            FieldError("shipping_method", "That shipping method is not offered for this address.", "invalid")
        )
    methods = _payment_methods(policy)
    if payment_method not in methods:
        message = (
            "Choose a payment method." if not payment_method else "This store does not take that method."
        )
        errors.append(FieldError("payment_method", message, "invalid_choice"))
    priced = [price_line(key=line.sku, quantity=line.quantity, unit_price=line.unit_price) for line in lines]
    totals = order_totals(lines=priced, shipping=choice.cost if choice else Decimal("0.00"))
    return QuotationPreview(
        policy=active,
        quotation=quotation,
        address=address,
        quote=quote,
        shipping_choice=choice,
        payment_methods=methods,
        totals=totals,
        errors=errors,
    )


def checkout_place_quotation(
    *,
    user,
    quotation_id: int,
    address_id: int | None,
    shipping_method: str | None,
    payment_method: str | None,
    remark: str = "",
    commercial_invoice: bool = False,
    expected_total: Decimal | None = None,
) -> tuple[Order, bool]:
    """Accept the buyer's live quotation and place its order at the quoted prices; returns (order, created).

    One transaction with the quotation row locked: catalog parts take stock with the same conditional
    UPDATE as checkout_place, the order and lines are written (parts the catalog does not list have no
    product), and the quotation records the order. Accepting twice never makes two orders: the second
    call finds the order (the quotation's one-to-one link and UNIQUE(user, idempotency_key)); safe to retry.
    Another buyer's quotation is NotFound.
    """
    from tradepost.quotes.models import Quotation
    from tradepost.quotes.selectors import quotation_for_buyer

    quotation = quotation_for_buyer(user=user, quotation_id=quotation_id)
    if quotation.order_id is not None:
        return quotation.order, False
    key = f"quotation-{quotation.pk}"
    if expected_total is not None:
        try:
            expected_total = Decimal(str(expected_total))
        except ArithmeticError:
            raise ValidationFailed("Not an amount.", field="expected_total", code="invalid") from None
        if not expected_total.is_finite():
            raise ValidationFailed("Not an amount.", field="expected_total", code="invalid")
    remark = (remark or "").strip()
    if len(remark) > MAX_REMARK:
        raise ValidationFailed(f"At most {MAX_REMARK} characters.", field="remark", code="too_long")
    try:
        with transaction.atomic():
            locked = (
                Quotation.objects.select_for_update(of=("self",))
                .select_related("inquiry__user")
                .get(pk=quotation.pk)
            )
            if locked.order_id is not None:  # a twin accepted it while this one waited for the lock
                # Read the order on its own: PostgreSQL re-reads a locked row after the wait, not its joins.
                return Order.objects.get(pk=locked.order_id), False
            order = _place_quotation(
                user=user,
                quotation=locked,
                key=key,
                address_id=address_id,
                shipping_method=shipping_method,
                payment_method=payment_method,
                remark=remark,
                commercial_invoice=bool(commercial_invoice),
                expected_total=expected_total,
            )
    except IntegrityError:
        existing = Order.objects.filter(user=user, idempotency_key=key).first()
        if existing is None:
            raise
        return existing, False
    order_email_queue(order=order, kind="placed")
    return order, True


def _place_quotation(
    *,
    user,
    quotation,
    key,
    address_id,
    shipping_method,
    payment_method,
    remark,
    commercial_invoice,
    expected_total,
) -> Order:
    from tradepost.quotes.services import quotation_mark_accepted

    preview = checkout_quotation_preview(
        user=user,
        quotation=quotation,
        address_id=address_id,
        shipping_method=shipping_method,
        payment_method=payment_method,
    )
    quotation_error = next((e for e in preview.errors if e.field == "quotation"), None)
    if quotation_error is not None:
        raise Conflict(quotation_error.message, code=quotation_error.code)
    if preview.errors:
        raise ValidationFailed(
            "The order cannot be placed yet.", errors=preview.errors, code="checkout_incomplete"
        )
    policy = preview.policy.policy
    invoices = policy.invoices
    if (
        commercial_invoice
        and not invoices.request_at_checkout
        and invoices.commercial_invoice != CommercialInvoice.ALWAYS
    ):
        raise ValidationFailed(
            "This store does not take invoice requests at checkout.", field="commercial_invoice"
        )
    if invoices.commercial_invoice == CommercialInvoice.ALWAYS:
        commercial_invoice = True
    totals = preview.totals
    if expected_total is not None and expected_total != totals.total:
        raise Conflict(
            f"The total changed since you reviewed it: it is now {totals.total} USD. Review it again.",
            code="total_changed",
            field="expected_total",
        )
    lines = list(quotation.lines.order_by("id"))
    catalog_lines = sorted((line for line in lines if line.product_id), key=lambda line: line.product_id)
    for line in catalog_lines:  # a fixed order: no deadlock between buyers
        taken = Product.objects.filter(
            pk=line.product_id, stock__gte=line.quantity, status=ProductStatus.ACTIVE
        ).update(stock=F("stock") - line.quantity)
        if not taken:
            left = Product.objects.filter(pk=line.product_id).values_list("stock", flat=True).first() or 0
            raise OutOfStock(
                f"{line.mpn}: only {left} left in stock; ask us to revise the quotation.",
                field=f"lines.{line.sku}",
            )
    now = timezone.now()
    address = preview.address
    choice = preview.shipping_choice
    order = Order.objects.create(
        user=user,
        policy_version_id=preview.policy.version_id,
        idempotency_key=key,
        goods_total=totals.goods,
        discount_total=totals.discount,
        shipping_total=totals.shipping,
        duties_total=totals.duties,
        total=totals.total,
        payment_method=payment_method,
        shipping_method=choice.code,
        shipping_method_label=choice.label,
        shipping_carrier=choice.carrier,
        shipping_service=choice.service,
        transit_min_working_days=choice.transit_min_days,
        transit_max_working_days=choice.transit_max_days,
        incoterm=choice.incoterm,
        chargeable_weight_grams=choice.chargeable_grams,
        ship_name=address.full_name,
        ship_company=address.company,
        ship_line1=address.line1,
        ship_line2=address.line2,
        ship_city=address.city,
        ship_region=address.region,
        ship_postal_code=address.postal_code,
        ship_country=address.country,
        ship_phone=address.phone,
        remark=remark,
        commercial_invoice_requested=commercial_invoice,
        member_benefits=is_member(user=user, now=now),
        placed_at=now,
        payment_due_at=now + timedelta(hours=policy.payments.unpaid_order_expiry_hours),
    )
    products = {
        p.pk: p
        for p in Product.objects.filter(pk__in=[line.product_id for line in catalog_lines]).select_related(
            "category"
        )
    }
    warranty: dict[int, str] = {}
    for product in products.values():
        category = product.category
        if category.pk not in warranty:
            warranty[category.pk] = effective_warranty_class(category, category_ancestors(category)) or ""
    order_lines = []
    for line in lines:
        product = products.get(line.product_id)
        order_lines.append(
            OrderLine(
                order=order,
                product=product,
                sku=line.sku,
                mpn=line.mpn,
                manufacturer=line.manufacturer,
                title=line.title,
                warranty_class=warranty[product.category_id] if product else "",
                hs_code=product.hs_code if product else "",
                country_of_origin=product.country_of_origin if product else "",
                weight_grams=product.weight_grams if product else line.weight_grams,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.line_total,
            )
        )
    OrderLine.objects.bulk_create(order_lines)
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.PLACED,
        actor=user,
        to_status=order.status,
        message=(
            f"Order placed from quotation {quotation.inquiry.number} v{quotation.version}: "
            f"{order.total} USD by {order.get_payment_method_display()}."
        ),
        data={
            "policy_version": preview.policy.version,
            "total": str(order.total),
            "quotation": quotation.pk,
        },
        at=now,
    )
    quotation_mark_accepted(quotation=quotation, order=order, actor=user, now=now)
    return order
