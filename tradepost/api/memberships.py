"""Membership API: plans and benefits, my membership, buying a plan (an order to pay), cancelling with the
prorated refund previewed first; the finance desk's list."""

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from ninja import Header, Query, Router, Schema, Status
from pydantic import Field

from tradepost.accounts.roles import Desk
from tradepost.api.auth import member, require_desk
from tradepost.api.promotions import CouponOut, coupon_out
from tradepost.api.schemas import In, page_of
from tradepost.core.exceptions import NotFound, ValidationFailed
from tradepost.memberships import selectors, services
from tradepost.policies.selectors import policy_active

router = Router(tags=["membership"])

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_FIELD = "header." + IDEMPOTENCY_HEADER
MAX_PER_PAGE = 100


class WelcomeItemOut(Schema):
    quantity: int
    label: str


class PlanOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    duration_days: int
    price: Decimal = Field(description="USD")
    welcome_package: list[WelcomeItemOut]


class BenefitsOut(Schema):
    name: str = Field(description="The membership's name in this store.")
    quality_guarantee_days: int | None = Field(description="Days for orders placed by non-members.")
    member_quality_guarantee_days: int | None = Field(description="Days for orders placed while a member.")
    members_only_campaigns: int = Field(description="Coupon campaigns running now that only members redeem.")


class PlansOut(Schema):
    benefits: BenefitsOut
    plans: list[PlanOut]


class MembershipOut(Schema):
    id: int
    plan: str
    plan_days: int
    price_paid: Decimal
    state: str = Field(
        description="pending, upcoming, active, expired, cancelled or void (derived from time)."
    )
    starts_at: datetime | None
    ends_at: datetime | None
    days_left: int
    order_number: str = Field(description="The order that pays for it; pay it like any order.")
    cancelled_at: datetime | None
    refund: Decimal | None = Field(description="What cancelling refunded.")
    refund_due_at: datetime | None
    welcome_coupons: list[CouponOut]


class MyMembershipOut(Schema):
    is_member: bool
    current: MembershipOut | None
    memberships: list[MembershipOut] = Field(description="Every period, newest first.")


class PurchaseIn(In):
    plan_id: int
    payment_method: str = Field(max_length=24, description="One of the store policy's payment methods.")


class RefundLineOut(Schema):
    label: str
    amount: Decimal


class CancellationOut(Schema):
    membership_id: int
    price_paid: Decimal
    plan_days: int
    days_remaining: int
    prorated: Decimal = Field(description="(days remaining / plan days) x price paid")
    used_shipping_coupons: list[Decimal] = Field(
        description="Face value of each used welcome shipping coupon."
    )
    deduction: Decimal
    refund: Decimal = Field(description="Send it back as expected_refund to confirm.")
    lines: list[RefundLineOut]


class CancelIn(In):
    expected_refund: Decimal | None = Field(
        None, max_digits=12, decimal_places=2, description="The refund you were shown; 409 if it changed."
    )


class DeskMembershipOut(MembershipOut):
    buyer_email: str


class DeskPageOut(Schema):
    items: list[DeskMembershipOut]
    page: int
    per_page: int
    total: int


def plan_out(plan) -> dict:
    return {
        "id": plan.pk,
        "name": plan.name,
        "slug": plan.slug,
        "description": plan.description,
        "duration_days": plan.duration_days,
        "price": plan.price,
        "welcome_package": [{"quantity": q, "label": label} for q, label in selectors.welcome_items(plan)],
    }


def membership_out(membership, *, coupons: bool = True) -> dict:
    refund = membership.refund
    return {
        "id": membership.pk,
        "plan": membership.plan_name,
        "plan_days": membership.plan_days,
        "price_paid": membership.price_paid,
        "state": membership.state(),
        "starts_at": membership.starts_at,
        "ends_at": membership.ends_at,
        "days_left": membership.days_left(),
        "order_number": membership.order.number,
        "cancelled_at": membership.cancelled_at,
        "refund": Decimal(membership.cancellation["refund"]) if membership.cancellation else None,
        "refund_due_at": refund.due_at if refund else None,
        "welcome_coupons": [coupon_out(c) for c in selectors.welcome_coupons(membership=membership)]
        if coupons
        else [],
    }


def _enabled_policy():
    policy = policy_active().policy
    if not policy.membership.enabled:
        raise NotFound("This store does not sell a membership.", code="membership_unavailable")
    return policy


@router.get("/membership/plans", response=PlansOut, auth=None, summary="Plans on offer and what members get")
def plans(request):
    policy = _enabled_policy()
    b = selectors.membership_benefits(policy=policy)
    return {
        "benefits": {
            "name": b.name,
            "quality_guarantee_days": b.guarantee_days,
            "member_quality_guarantee_days": b.member_guarantee_days,
            "members_only_campaigns": b.members_only_campaigns,
        },
        "plans": [plan_out(p) for p in selectors.plans_offered()],
    }


@router.get("/membership", response=MyMembershipOut, auth=member, summary="My membership")
def my_membership(request):
    rows = selectors.memberships_for_user(user=request.auth)
    current = selectors.membership_current(user=request.auth)
    return {
        "is_member": current is not None,
        "current": membership_out(next(m for m in rows if m.pk == current.pk)) if current else None,
        "memberships": [membership_out(m) for m in rows],
    }


@router.post(
    "/membership/purchase",
    response={200: MembershipOut, 201: MembershipOut},
    auth=member,
    summary="Buy a plan: creates an order to pay like any other",
)
def purchase(
    request,
    payload: PurchaseIn,
    idempotency_key: str | None = Header(
        None, alias=IDEMPOTENCY_HEADER, description="Required. A retry with the same key answers 200."
    ),
):
    """201 with the pending membership and its order number; it starts when that order is paid.
    409 membership_pending while another membership order awaits payment."""
    if not (idempotency_key or "").strip():
        raise ValidationFailed(
            f"Send an {IDEMPOTENCY_HEADER} header (e.g. a UUID) so a retried request cannot buy twice.",
            status=400,
            code="idempotency_key_required",
            field=IDEMPOTENCY_FIELD,
        )
    try:
        membership, created = services.membership_purchase(
            user=request.auth,
            plan_id=payload.plan_id,
            payment_method=payload.payment_method,
            idempotency_key=idempotency_key,
        )
    except ValidationFailed as exc:
        exc.errors = [
            replace(e, field=IDEMPOTENCY_FIELD) if e.field == "idempotency_key" else e for e in exc.errors
        ]
        raise
    return Status(201 if created else 200, membership_out(membership))


def _preview_out(membership) -> dict:
    p = selectors.cancellation_preview(membership=membership)
    return {
        "membership_id": membership.pk,
        **{k: v for k, v in p.__dict__.items()},
        "used_shipping_coupons": list(p.used_shipping_coupons),
        "lines": [{"label": label, "amount": amount} for label, amount in p.lines()],
    }


@router.get(
    "/membership/{membership_id}/cancellation",
    response=CancellationOut,
    auth=member,
    summary="What cancelling now would refund, line by line",
)
def cancellation(request, membership_id: int):
    membership = selectors.membership_get(user=request.auth, membership_id=membership_id)
    if membership.state() not in ("active", "upcoming"):
        raise NotFound("This membership is not running: nothing to cancel.", code="not_cancellable")
    return _preview_out(membership)


@router.post(
    "/membership/{membership_id}/cancel",
    response=MembershipOut,
    auth=member,
    summary="Cancel my membership and get the unused share back",
)
def cancel(request, membership_id: int, payload: CancelIn):
    """409 refund_changed when expected_refund no longer matches; 409 not_cancellable when not running."""
    membership = selectors.membership_get(user=request.auth, membership_id=membership_id)
    membership = services.membership_cancel(
        membership=membership, actor=request.auth, expected_refund=payload.expected_refund
    )
    return membership_out(selectors.membership_get(user=request.auth, membership_id=membership.pk))


@router.get(
    "/desk/memberships",
    response=DeskPageOut,
    tags=["finance desk"],
    auth=member,
    summary="Memberships, newest first (finance desk)",
)
def desk_list(
    request,
    state: str = Query("", max_length=12, description="pending, active, upcoming, expired, cancelled, void"),
    q: str = Query("", max_length=100, description="Buyer email or order number."),
    page: int = Query(1, ge=1, le=10_000),
    per_page: int = Query(50, ge=1, le=MAX_PER_PAGE),
):
    require_desk(request, Desk.FINANCE)
    rows, total = page_of(selectors.memberships_for_desk(state=state, query=q), page, per_page)
    return {
        "items": [{**membership_out(m, coupons=False), "buyer_email": m.user.email} for m in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
    }
