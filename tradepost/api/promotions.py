"""Coupons API: the buyer's wallet and redeeming a coupon code or a promotion code into it."""

from datetime import datetime
from decimal import Decimal

from ninja import Router, Schema, Status
from pydantic import Field

from tradepost.api.auth import member
from tradepost.api.schemas import In
from tradepost.core.http import client_ip
from tradepost.promotions import selectors, services

router = Router(tags=["coupons"])


class CouponOut(Schema):
    id: int = Field(description="Pass as product_coupon_id / shipping_coupon_id at checkout.")
    kind: str = Field(description="product (reduces goods) or shipping (reduces the shipping fee).")
    value_type: str = Field(description="fixed, percent or full_shipping.")
    value: Decimal
    min_spend: Decimal = Field(description="Goods subtotal the order needs, USD.")
    label: str
    state: str = Field(description="available, used, revoked, expired or not_yet_valid (derived from time).")
    valid_from: datetime
    valid_until: datetime | None
    used_by_order: str | None = Field(description="The order number that used it.")
    amount_applied: Decimal | None


class DiscountOut(Schema):
    coupon_id: int | None
    applies_to: str = Field(description="goods or shipping")
    label: str
    amount: Decimal


class RedeemIn(In):
    code: str = Field(
        max_length=100, description="A coupon code or a promotion code; dashes and case ignored."
    )


def coupon_out(coupon) -> dict:
    return {
        "id": coupon.pk,
        "kind": coupon.kind,
        "value_type": coupon.value_type,
        "value": coupon.value,
        "min_spend": coupon.min_spend,
        "label": coupon.label,
        "state": coupon.display_state(),
        "valid_from": coupon.valid_from,
        "valid_until": coupon.valid_until,
        "used_by_order": coupon.used_by_order.number if coupon.used_by_order_id else None,
        "amount_applied": coupon.amount_applied,
    }


def discounts_out(applied) -> list[dict]:
    """The discount lines of a checkout preview: which coupon takes how much."""
    return [
        {
            "coupon_id": item.coupon.pk,
            "applies_to": item.discount.applies_to,
            "label": item.discount.label,
            "amount": item.discount.amount,
        }
        for item in applied
    ]


@router.get("/coupons", response=list[CouponOut], auth=member, summary="My coupons (the wallet)")
def coupon_list(request):
    return [coupon_out(coupon) for coupon in selectors.coupon_wallet(user=request.auth)]


@router.post(
    "/coupons/redeem",
    response={201: CouponOut},
    auth=member,
    summary="Redeem a coupon code or exchange a promotion code",
)
def coupon_redeem(request, payload: RedeemIn):
    """422 code_invalid / code_expired / code_not_started; 409 code_used_up / code_already_redeemed; 429."""
    coupon = services.coupon_redeem(user=request.auth, code=payload.code, ip=client_ip(request))
    return Status(201, coupon_out(coupon))
