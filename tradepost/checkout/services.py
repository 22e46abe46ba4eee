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
from tradepost.catalog.freshness import catalog_changed
from tradepost.catalog.models import Product, ProductStatus
from tradepost.catalog.selectors import category_ancestors, effective_warranty_class
from tradepost.core.exceptions import Conflict, FieldError, NotFound, ValidationFailed
from tradepost.core.prepared import Prepared
from tradepost.memberships.selectors import is_member
from tradepost.orders.emails import order_email_queue
from tradepost.orders.events import order_event_record
from tradepost.orders.models import Order, OrderEvent, OrderLine
from tradepost.orders.selectors import order_as_written
from tradepost.policies.schema import CommercialInvoice, StorePolicy
from tradepost.policies.selectors import ActivePolicy, policy_active, policy_version_row
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


def _delivery_and_payment(
    *, user, policy, items, address_id, shipping_method, payment_method, fallback: bool, errors: list
) -> tuple[Address | None, ShippingQuote, ShippingOption | None, list[str]]:
    """The buyer's address, the shipping options for it and the chosen one, and the payment methods;
    what is missing or refused is appended to `errors`. Another buyer's address reads as missing.

    No choice yet: the first option (the cheapest) is preselected, and shown before anything is placed;
    with `fallback`, a method the address is not offered gives way to it too.
    """
    address = None
    if address_id is None:
        errors.append(FieldError("address_id", "Choose a shipping address.", "required"))
    else:
        try:
            address = address_get(user=user, address_id=address_id)
        except NotFound:
            errors.append(FieldError("address_id", "No such address in your address book.", "not_found"))
    quote = shipping_quote(
        policy=policy, country=address.country.code if address is not None else None, items=items
    )
    choice = quote.get(shipping_method) if shipping_method else None
    if choice is None and (fallback or not shipping_method) and quote.options:
        choice = quote.options[0]
    if address is not None and not quote.options:
        errors.append(FieldError("shipping_method", quote.problem, "no_shipping"))
    elif address is not None and choice is None:
        errors.append(
            FieldError("shipping_method", "That shipping method is not offered for this address.", "invalid")
        )
    methods = _payment_methods(policy)
    if payment_method not in methods:
        message = "This store does not take that method." if payment_method else "Choose a payment method."
        errors.append(FieldError("payment_method", message, "invalid_choice"))
    return address, quote, choice, methods


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
    address, quote, choice, methods = _delivery_and_payment(
        user=user,
        policy=policy,
        items=items_for_lines(view.lines),
        address_id=address_id,
        shipping_method=shipping_method,
        payment_method=payment_method,
        fallback=shipping_fallback,
        errors=errors,
    )
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


def _clean_expected_total(value) -> Decimal | None:
    """The total the buyer was shown, when sent; anything that is not a finite amount is a field error."""
    if value is None:
        return None
    try:
        value = Decimal(str(value))
    except ArithmeticError:
        raise ValidationFailed("Not an amount.", field="expected_total", code="invalid") from None
    if not value.is_finite():
        raise ValidationFailed("Not an amount.", field="expected_total", code="invalid")
    return value


def _clean_remark(remark) -> str:
    remark = (remark or "").strip()
    if len(remark) > MAX_REMARK:
        raise ValidationFailed(f"At most {MAX_REMARK} characters.", field="remark", code="too_long")
    return remark


def _invoice_wanted(policy: StorePolicy, requested: bool) -> bool:
    """Whether the order carries a commercial invoice: always where the policy says so, else on request
    where the policy takes requests at checkout."""
    invoices = policy.invoices
    if invoices.commercial_invoice == CommercialInvoice.ALWAYS:
        return True
    if requested and not invoices.request_at_checkout:
        raise ValidationFailed(
            "This store does not take invoice requests at checkout.", field="commercial_invoice"
        )
    return requested


def _check_total(expected: Decimal | None, total: Decimal) -> None:
    if expected is not None and expected != total:
        raise Conflict(
            f"Prices changed since you reviewed the order: the total is now {total} USD. Review it again.",
            code="total_changed",
            field="expected_total",
        )


def _take_stock(wanted: list[tuple[int, int, str, str]], *, advice: str) -> None:
    """Take (product id, quantity, part number, field) from stock by conditional UPDATEs, never below zero.

    Products are taken in id order so two buyers never deadlock; one short product raises OutOfStock and
    the caller's transaction rolls the rest back.
    """
    catalog_changed()  # listings show stock
    for product_id, quantity, mpn, field in sorted(wanted):
        taken = Product.objects.filter(
            pk=product_id, stock__gte=quantity, status=ProductStatus.ACTIVE
        ).update(stock=F("stock") - quantity)
        if not taken:
            left = Product.objects.filter(pk=product_id).values_list("stock", flat=True).first() or 0
            raise OutOfStock(f"{mpn}: only {left} left in stock; {advice}", field=field)


def _warranty_classes(products) -> dict[int, str]:
    """Each product's category's warranty class (inherited down the tree), by category id."""
    classes: dict[int, str] = {}
    for product in products:
        category = product.category
        if category.pk not in classes:
            classes[category.pk] = effective_warranty_class(category, category_ancestors(category)) or ""
    return classes


def _order_create(
    *,
    user,
    key: str,
    active: ActivePolicy,
    totals: Totals,
    address: Address,
    choice: ShippingOption,
    payment_method: str,
    remark: str,
    commercial_invoice: bool,
    now,
) -> Order:
    """The order row: totals, the shipping choice and address as quoted, the policy version in force,
    member benefits as they stand now, and the time the unpaid order lapses."""
    return Order.objects.create(
        user=user,
        policy_version_id=active.version_id,
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
        payment_due_at=now + timedelta(hours=active.policy.payments.unpaid_order_expiry_hours),
    )


# Asked first by every submit, a retry or not: prepared (core/prepared.py).
_order_by_key = Prepared(
    lambda user_id, key: Order.objects.filter(user_id=user_id, idempotency_key=key).order_by("pk")[:1],
    user_id=-1,
    key="<idempotency key>",
)


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

    A new order comes back as written (orders.selectors.order_as_written, its relations filled from what
    was just created): read it again before relying on its relations after a further change.
    """
    key = clean_idempotency_key(idempotency_key)
    expected_total = _clean_expected_total(expected_total)
    existing = _order_by_key.first(user_id=user.pk, key=key)
    if existing is not None:
        return existing, False
    remark = _clean_remark(remark)
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
            # In the order's transaction: the order and its email are recorded together, and the email
            # is sent once they are committed.
            order_email_queue(order=order, kind="placed", written=True)
    except IntegrityError:
        # The same key committed meanwhile (a double click racing itself): that order is the answer.
        existing = _order_by_key.first(user_id=user.pk, key=key)
        if existing is None:
            raise
        return existing, False
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
    commercial_invoice = _invoice_wanted(preview.policy.policy, commercial_invoice)
    totals = preview.totals
    _check_total(expected_total, totals.total)
    lines = preview.cart.lines
    _take_stock(
        [(line.product.pk, line.quantity, line.product.mpn, f"cart.{line.product.sku}") for line in lines],
        advice="change the quantity and try again.",
    )
    now = timezone.now()
    order = _order_create(
        user=user,
        key=key,
        active=preview.policy,
        totals=totals,
        address=preview.address,
        choice=preview.shipping_choice,
        payment_method=payment_method,
        remark=remark,
        commercial_invoice=commercial_invoice,
        now=now,
    )
    warranty = _warranty_classes(line.product for line in lines)
    order_lines = OrderLine.objects.bulk_create(
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
    placed = order_event_record(
        order=order,
        kind=OrderEvent.Kind.PLACED,
        actor=user,
        to_status=order.status,
        message=f"Order placed: {order.total} USD by {order.get_payment_method_display()}.",
        data={"policy_version": preview.policy.version, "total": str(order.total)},
        at=now,
    )
    CartLine.objects.filter(cart=preview.cart.cart).delete()
    return order_as_written(
        order, lines=order_lines, events=[placed], policy_version=policy_version_row(preview.policy)
    )


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
    address, quote, choice, methods = _delivery_and_payment(
        user=user,
        policy=policy,
        items=_quotation_items(lines),
        address_id=address_id,
        shipping_method=shipping_method,
        payment_method=payment_method,
        fallback=False,
        errors=errors,
    )
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
    expected_total = _clean_expected_total(expected_total)
    remark = _clean_remark(remark)
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
        existing = _order_by_key.first(user_id=user.pk, key=key)
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
    commercial_invoice = _invoice_wanted(preview.policy.policy, commercial_invoice)
    totals = preview.totals
    _check_total(expected_total, totals.total)
    lines = list(quotation.lines.order_by("id"))
    catalog_lines = [line for line in lines if line.product_id]
    _take_stock(
        [(line.product_id, line.quantity, line.mpn, f"lines.{line.sku}") for line in catalog_lines],
        advice="ask us to revise the quotation.",
    )
    now = timezone.now()
    order = _order_create(
        user=user,
        key=key,
        active=preview.policy,
        totals=totals,
        address=preview.address,
        choice=preview.shipping_choice,
        payment_method=payment_method,
        remark=remark,
        commercial_invoice=commercial_invoice,
        now=now,
    )
    products = {
        p.pk: p
        for p in Product.objects.filter(pk__in=[line.product_id for line in catalog_lines]).select_related(
            "category"
        )
    }
    warranty = _warranty_classes(products.values())
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


# --- After-sales: a replacement or a repaired part goes back as an order with nothing to pay ---------------


@dataclass(frozen=True)
class FollowUpLine:
    """One line of a follow-up order: a catalog product (stock is taken) or a snapshot (the buyer's own
    repaired unit, which takes no stock)."""

    source: OrderLine  # the line the claim is about: its customs data and snapshot carry over
    quantity: int
    product: Product | None = None


def checkout_place_follow_up(
    *, original: Order, key: str, lines: list[FollowUpLine], actor, reason: str
) -> Order:
    """Send goods again for an after-sales claim: an order of the original's buyer, address, shipping choice
    and policy version, priced at zero and approved for dispatch at once. Call inside the caller's
    transaction; products are taken from stock by conditional UPDATE (OutOfStock rolls everything back).
    """
    _take_stock(
        [
            (line.product.pk, line.quantity, line.product.mpn, "replacement_sku")
            for line in lines
            if line.product
        ],
        advice="choose another part or wait for stock.",
    )
    now = timezone.now()
    copied = {
        name: getattr(original, name)
        for name in (
            "policy_version_id", "payment_method", "shipping_method", "shipping_method_label",
            "shipping_carrier", "shipping_service", "transit_min_working_days", "transit_max_working_days",
            "incoterm", "ship_name", "ship_company", "ship_line1", "ship_line2", "ship_city", "ship_region",
            "ship_postal_code", "ship_country", "ship_phone", "member_benefits",
        )
    }  # fmt: skip
    order = Order.objects.create(
        user_id=original.user_id,
        idempotency_key=key,
        goods_total=Decimal("0.00"),
        total=Decimal("0.00"),
        remark=reason,
        chargeable_weight_grams=sum(line.source.weight_grams * line.quantity for line in lines),
        placed_at=now,
        payment_due_at=now,
        **copied,
    )
    warranty = _warranty_classes(line.product for line in lines if line.product)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            sku=line.product.sku if line.product else line.source.sku,
            mpn=line.product.mpn if line.product else line.source.mpn,
            manufacturer=line.product.manufacturer.name if line.product else line.source.manufacturer,
            title=line.product.title if line.product else line.source.title,
            warranty_class=warranty[line.product.category_id] if line.product else line.source.warranty_class,
            hs_code=line.product.hs_code if line.product else line.source.hs_code,
            country_of_origin=line.product.country_of_origin
            if line.product
            else line.source.country_of_origin,
            weight_grams=line.product.weight_grams if line.product else line.source.weight_grams,
            quantity=line.quantity,
            unit_price=Decimal("0"),
            line_total=Decimal("0.00"),
        )
        for line in lines
    )
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.PLACED,
        actor=actor,
        role="staff" if actor else "system",
        to_status=order.status,
        message=f"{reason} Nothing to pay.",
        data={"policy_version": original.policy_version.number, "follows": original.number},
        at=now,
    )
    from tradepost.orders.services import order_approve_follow_up

    return order_approve_follow_up(order=order, actor=actor, at=now)
