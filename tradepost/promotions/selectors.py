"""Reads: a buyer's wallet, the coupons a checkout may use, and checking the ones a buyer picked."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from tradepost.core.exceptions import FieldError
from tradepost.core.money import money_sum
from tradepost.pricing.calculations import Discount
from tradepost.promotions.calculations import product_coupon_discount, shipping_coupon_discount
from tradepost.promotions.models import Coupon, CouponKind, CouponState, OrderDiscount

FIELDS = {CouponKind.PRODUCT: "product_coupon_id", CouponKind.SHIPPING: "shipping_coupon_id"}


@dataclass(frozen=True)
class AppliedCoupon:
    coupon: Coupon
    discount: Discount


def coupon_wallet(*, user) -> list[Coupon]:
    """Every coupon the user owns: usable first (soonest to expire first), then the rest."""
    now = timezone.now()
    coupons = list(Coupon.objects.filter(owner=user).select_related("used_by_order"))
    return sorted(
        coupons,
        key=lambda c: (
            c.display_state(now) != "available",
            c.valid_until is None,
            c.valid_until or now,
            c.pk,
        ),
    )


def coupons_usable(*, user, kind: str) -> list[Coupon]:
    """The user's coupons of one kind that could be used now (min spend is checked at checkout)."""
    now = timezone.now()
    return list(
        Coupon.objects.filter(owner=user, kind=kind, state=CouponState.AVAILABLE, valid_from__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=now))
        .order_by("valid_until", "pk")
    )


def order_discount_for_goods(*, order, goods: Decimal) -> Decimal:
    """The order's discount if its goods became `goods` (a stock-shortfall proposal): goods coupons are
    capped at the new goods, shipping coupons keep their share. Without coupon rows, the old cap."""
    rows = list(OrderDiscount.objects.filter(order=order))
    if not rows:
        return min(order.discount_total, goods)
    goods_part = money_sum(row.amount for row in rows if row.applies_to == "goods")
    shipping_part = money_sum(row.amount for row in rows if row.applies_to == "shipping")
    return min(goods_part, goods) + shipping_part


def checkout_coupons(
    *,
    user,
    policy,
    product_coupon_id: int | None,
    shipping_coupon_id: int | None,
    goods: Decimal,
    shipping: Decimal | None,
) -> tuple[list[AppliedCoupon], list[FieldError]]:
    """Check the coupons a buyer picked against the policy and the order; what each takes off, or why not.

    `shipping` is None while no shipping option is chosen yet. Another buyer's coupon reads as missing.
    """
    rules = policy.coupons
    now = timezone.now()
    applied: list[AppliedCoupon] = []
    errors: list[FieldError] = []
    offered = {str(kind) for kind in (rules.kinds or [])} if rules.enabled else set()
    for kind, coupon_id in (
        (CouponKind.PRODUCT, product_coupon_id),
        (CouponKind.SHIPPING, shipping_coupon_id),
    ):
        if coupon_id is None:
            continue
        field = FIELDS[kind]

        def refuse(message: str, code: str, field=field) -> None:
            errors.append(FieldError(field, message, code))

        if str(kind) not in offered:
            refuse(f"This store does not take {kind} coupons.", "not_offered")
            continue
        coupon = Coupon.objects.filter(owner=user, pk=coupon_id).first()
        if coupon is None:
            refuse("No such coupon in your wallet.", "not_found")
            continue
        state = coupon.display_state(now)
        if coupon.kind != kind:
            refuse(f"That is a {coupon.kind} coupon, not a {kind} coupon.", "wrong_kind")
        elif state == "used":
            refuse("That coupon has already been used.", "used")
        elif state == "revoked":
            refuse("That coupon has been withdrawn.", "revoked")
        elif state == "expired":
            refuse("That coupon has expired.", "expired")
        elif state == "not_yet_valid":
            refuse("That coupon is not valid yet.", "not_yet_valid")
        elif goods < coupon.min_spend:
            refuse(f"That coupon needs goods worth at least {coupon.min_spend} USD.", "min_spend")
        elif kind == CouponKind.PRODUCT:
            amount = product_coupon_discount(value_type=coupon.value_type, value=coupon.value, goods=goods)
            applied.append(
                AppliedCoupon(coupon, Discount(f"coupon:{coupon.pk}", coupon.label, amount, "goods"))
            )
        elif shipping is not None:
            if shipping <= 0:
                refuse("Shipping is free on this order: keep the coupon for another.", "nothing_to_discount")
            else:
                amount = shipping_coupon_discount(
                    value_type=coupon.value_type, value=coupon.value, shipping=shipping
                )
                applied.append(
                    AppliedCoupon(coupon, Discount(f"coupon:{coupon.pk}", coupon.label, amount, "shipping"))
                )
    if len(applied) > 1 and not rules.kinds_combinable:
        errors.append(FieldError("shipping_coupon_id", "Use one coupon per order here.", "not_combinable"))
        applied = applied[:1]
    return applied, errors
