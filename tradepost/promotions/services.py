"""Coupon state changes: issue (grant, coupon code, promotion code), use at checkout, release, revoke."""

import hashlib
import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from tradepost.core import ratelimit
from tradepost.core.exceptions import Conflict, RateLimited, ValidationFailed
from tradepost.memberships.selectors import is_member
from tradepost.policies.selectors import policy_active
from tradepost.promotions.models import (
    Campaign,
    CampaignCode,
    Coupon,
    CouponEvent,
    CouponState,
    OrderDiscount,
)
from tradepost.promotions.selectors import AppliedCoupon, order_discount_for_goods

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and retyped
CODE_LENGTH = 20  # 32^20 = 2^100 codes: guessing is hopeless, and rate-limited besides
# (attempts, window seconds); settings may override with THROTTLE_COUPON_CODE_PER_ACCOUNT / _PER_IP.


class CodeError(ValidationFailed):
    """A code that cannot be redeemed; the code says why (invalid, expired, used_up, already_redeemed)."""

    code = "code_invalid"


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def _event(coupon: Coupon, kind: str, actor, message: str = "", **data) -> CouponEvent:
    return CouponEvent.objects.create(coupon=coupon, kind=kind, actor=actor, message=message[:300], data=data)


def _take_issue_slot(campaign: Campaign) -> bool:
    """Count one coupon against the campaign's limit; False when the limit is reached (never exceeded)."""
    return bool(
        Campaign.objects.filter(pk=campaign.pk)
        .filter(Q(usage_limit__isnull=True) | Q(issued__lt=F("usage_limit")))
        .update(issued=F("issued") + 1)
    )


def _coupon_from(
    campaign: Campaign, *, user, source: str, valid_from, valid_until, membership=None
) -> Coupon:
    return Coupon.objects.create(
        membership=membership,
        owner=user,
        campaign=campaign,
        source=source,
        kind=campaign.coupon_kind,
        value_type=campaign.value_type,
        value=campaign.value,
        min_spend=campaign.min_spend,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def campaign_codes_generate(*, campaign: Campaign, count: int) -> list[str]:
    """Create `count` new random codes for the campaign and return them in plain text, the only time."""
    if not 1 <= count <= 10_000:
        raise ValidationFailed("Generate between 1 and 10,000 codes.", field="count")
    codes = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(count)]
    CampaignCode.objects.bulk_create(
        CampaignCode(campaign=campaign, code_hash=code_hash(code), hint=code[-4:]) for code in codes
    )
    return ["-".join(code[i : i + 5] for i in range(0, CODE_LENGTH, 5)) for code in codes]


@transaction.atomic
def coupon_grant(
    *,
    user,
    campaign: Campaign,
    actor,
    valid_from=None,
    valid_until=None,
    note: str = "",
    membership=None,
) -> Coupon:
    """Put one coupon of the campaign in the user's wallet (staff, or a membership's welcome package).

    Counts against the campaign's limit with a conditional UPDATE; raises Conflict when it is reached.
    """
    if not _take_issue_slot(campaign):
        raise Conflict("This campaign has issued all its coupons.", code="used_up")
    coupon = _coupon_from(
        campaign,
        user=user,
        source=Coupon.Source.GRANT,
        valid_from=valid_from or campaign.valid_from,
        valid_until=valid_until or campaign.valid_until,
        membership=membership,
    )
    _event(coupon, CouponEvent.Kind.ISSUED, actor, note or f"Granted from campaign {campaign.name}.")
    return coupon


def _limits() -> list[ratelimit.Limit]:
    return [
        ratelimit.limit_from_setting("THROTTLE_COUPON_CODE_PER_ACCOUNT"),
        ratelimit.limit_from_setting("THROTTLE_COUPON_CODE_PER_IP"),
    ]


def _lookup(*, user, code: str, ip: str | None) -> tuple[CampaignCode, object]:
    """Find the campaign code; wrong codes count against per-account and per-IP limits.

    When either limit is used up, every attempt is refused (429) until its window passes.
    """
    per_account, per_ip = _limits()
    for limit, identity in ((per_account, str(user.pk)), (per_ip, ip)):
        if ratelimit.is_exhausted(limit, identity):
            raise RateLimited(
                "Too many wrong codes. Try again later.",
                retry_after=ratelimit.retry_after(limit),
                field="code",
            )
    policy = policy_active().policy
    if not policy.coupons.enabled:
        raise ValidationFailed("This store does not offer coupons.", field="code", code="coupons_disabled")
    normalized = normalize_code(code)
    row = (
        CampaignCode.objects.select_related("campaign").filter(code_hash=code_hash(normalized)).first()
        if normalized
        else None
    )
    if row is None or row.campaign.kind == Campaign.Kind.GRANT:
        ratelimit.record(per_account, str(user.pk))
        ratelimit.record(per_ip, ip)
        raise CodeError("This code is not valid. Check it and try again.", field="code", code="code_invalid")
    return row, policy


def coupon_redeem(*, user, code: str, ip: str | None = None) -> Coupon:
    """Turn a coupon code or a promotion code, whichever it is, into a coupon in the user's wallet."""
    row, policy = _lookup(user=user, code=code, ip=ip)
    if row.campaign.kind == Campaign.Kind.COUPON_CODE:
        return _coupon_code_redeem(user=user, code_row=row)
    return _promotion_code_exchange(
        user=user, code_row=row, validity_days=policy.coupons.promotion_code_validity_days
    )


def _check_window(campaign: Campaign, now, user) -> None:
    if not campaign.active or (campaign.valid_until is not None and campaign.valid_until < now):
        raise CodeError("This code has expired.", field="code", code="code_expired")
    if campaign.valid_from > now:
        raise CodeError("This code is not valid yet.", field="code", code="code_not_started")
    if campaign.members_only and not is_member(user=user, now=now):
        raise CodeError(
            "This code is for members only: it works while your membership is active.",
            field="code",
            code="code_members_only",
            status=403,
        )


def _coupon_code_redeem(*, user, code_row: CampaignCode) -> Coupon:
    campaign, now = code_row.campaign, timezone.now()
    _check_window(campaign, now, user)
    already = CodeError(
        "You have already redeemed this code.", field="code", code="code_already_redeemed", status=409
    )
    if Coupon.objects.filter(owner=user, campaign=campaign, source=Coupon.Source.COUPON_CODE).exists():
        raise already
    try:
        with transaction.atomic():
            if not _take_issue_slot(campaign):
                raise CodeError(
                    "This code has been fully used.", field="code", code="code_used_up", status=409
                )
            coupon = _coupon_from(
                campaign,
                user=user,
                source=Coupon.Source.COUPON_CODE,
                valid_from=campaign.valid_from,
                valid_until=campaign.valid_until,
            )
            _event(coupon, CouponEvent.Kind.ISSUED, user, f"Redeemed coupon code …{code_row.hint}.")
    except IntegrityError:  # the same buyer's twin request won the unique constraint
        raise already from None
    return coupon


def _promotion_code_exchange(*, user, code_row: CampaignCode, validity_days: int | None) -> Coupon:
    campaign, now = code_row.campaign, timezone.now()
    if not validity_days:
        raise CodeError("This store does not take promotion codes.", field="code", code="code_invalid")
    _check_window(campaign, now, user)
    with transaction.atomic():
        taken = CampaignCode.objects.filter(pk=code_row.pk, redeemed_by__isnull=True).update(
            redeemed_by=user, redeemed_at=now
        )
        if not taken:
            mine = CampaignCode.objects.filter(pk=code_row.pk, redeemed_by=user).exists()
            raise CodeError(
                "You have already exchanged this code." if mine else "This code has already been used.",
                field="code",
                code="code_already_redeemed" if mine else "code_used_up",
                status=409,
            )
        if not _take_issue_slot(campaign):
            raise CodeError(
                "This promotion has ended: all its coupons are gone.",
                field="code",
                code="code_used_up",
                status=409,
            )
        coupon = _coupon_from(
            campaign,
            user=user,
            source=Coupon.Source.PROMOTION_CODE,
            valid_from=now,
            valid_until=now + timedelta(days=validity_days),
        )
        _event(coupon, CouponEvent.Kind.ISSUED, user, f"Exchanged promotion code …{code_row.hint}.")
    return coupon


@transaction.atomic
def coupon_revoke(*, coupon: Coupon, actor, reason: str = "") -> Coupon:
    """Take an unused coupon out of use; a used coupon stays with its order (cancel the order first)."""
    updated = Coupon.objects.filter(pk=coupon.pk, state=CouponState.AVAILABLE).update(
        state=CouponState.REVOKED
    )
    if not updated:
        raise Conflict("Only an available coupon can be revoked.", code="not_revocable")
    coupon.state = CouponState.REVOKED
    _event(coupon, CouponEvent.Kind.REVOKED, actor, reason or "Revoked.")
    return coupon


def coupons_use_for_order(*, order, applied: list[AppliedCoupon] | tuple, actor) -> None:
    """Mark the coupons used by the order, inside the caller's order transaction.

    A conditional UPDATE (still available, no order) decides a race: 0 rows means another order took the
    coupon first, and Conflict rolls the whole order back.
    """
    now = timezone.now()
    for item in applied:
        updated = Coupon.objects.filter(
            pk=item.coupon.pk, owner=order.user_id, state=CouponState.AVAILABLE, used_by_order__isnull=True
        ).update(
            state=CouponState.USED, used_by_order=order, used_at=now, amount_applied=item.discount.amount
        )
        if not updated:
            raise Conflict(
                "That coupon was just used by another order. Choose again.",
                code="coupon_used",
                field=f"{item.coupon.kind}_coupon_id",
            )
        OrderDiscount.objects.create(
            order=order,
            coupon=item.coupon,
            applies_to=item.discount.applies_to,
            label=item.discount.label,
            amount=item.discount.amount,
        )
        _event(
            item.coupon,
            CouponEvent.Kind.USED,
            actor,
            f"Used by order {order.number}: {item.discount.amount} USD.",
            order=order.number,
            amount=str(item.discount.amount),
        )


def coupons_release_for_order(*, order, actor) -> list[Coupon]:
    """Return a cancelled order's coupons to the wallet, those still valid; call inside its transaction."""
    now = timezone.now()
    released = []
    for coupon in Coupon.objects.filter(used_by_order=order, state=CouponState.USED).select_for_update():
        if coupon.is_expired(now):
            continue  # stays used by the cancelled order: it could not be used again anyway
        Coupon.objects.filter(pk=coupon.pk).update(
            state=CouponState.AVAILABLE, used_by_order=None, used_at=None, amount_applied=None
        )
        _event(
            coupon, CouponEvent.Kind.RELEASED, actor, f"Order {order.number} cancelled.", order=order.number
        )
        released.append(coupon)
    return released


def order_discounts_fit(*, order, goods) -> Decimal:
    """Cap the order's goods-coupon rows at its new goods total and return its new discount total.

    Called inside the order's transaction when accepted changes lower the goods, so the discount rows
    still add up to the order's discount_total.
    """
    remaining = goods
    for row in OrderDiscount.objects.filter(order=order, applies_to="goods").select_related("coupon"):
        amount = max(Decimal("0.00"), min(row.amount, remaining))
        remaining -= amount
        if amount != row.amount:
            row.amount = amount
            row.save(update_fields=["amount"])
            if row.coupon is not None and row.coupon.used_by_order_id == order.pk:
                Coupon.objects.filter(pk=row.coupon.pk).update(amount_applied=amount)
    return order_discount_for_goods(order=order, goods=goods)
