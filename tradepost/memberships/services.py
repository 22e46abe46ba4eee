"""Membership state changes: buy (an order to pay), activate on payment, void, cancel with a prorated refund.

Each is one transaction with its audit row; emails go out after commit.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from tradepost.checkout.services import clean_idempotency_key
from tradepost.core.exceptions import ApplicationError, Conflict, NotFound, ValidationFailed
from tradepost.memberships.emails import membership_email_queue
from tradepost.memberships.models import Membership, MembershipEvent
from tradepost.memberships.selectors import cancellation_preview, membership_paid_until, plan_get_offered
from tradepost.orders.emails import order_email_queue
from tradepost.orders.events import order_event_record
from tradepost.orders.models import Order, OrderEvent, OrderKind
from tradepost.orders.services import order_lock, order_policy
from tradepost.policies.selectors import policy_active
from tradepost.promotions.models import CouponKind, CouponState
from tradepost.promotions.services import coupon_grant, coupon_revoke


class MembershipUnavailable(ApplicationError):
    code = "membership_unavailable"
    status = 404


def _event(membership: Membership, kind: str, actor, message: str, *, role: str = "", **data) -> None:
    if not role:
        role = "system" if actor is None else ("buyer" if actor.pk == membership.user_id else "staff")
    MembershipEvent.objects.create(
        membership=membership, kind=kind, actor=actor, actor_role=role, message=message[:500], data=data
    )


def _lock(membership_id: int) -> Membership:
    return Membership.objects.select_for_update(of=("self",)).select_related("order").get(pk=membership_id)


def membership_purchase(
    *, user, plan_id, payment_method: str | None, idempotency_key: str
) -> tuple[Membership, bool]:
    """Buy a plan: an order for its price, paid like any order; returns (membership, created).

    The membership starts when the order is paid. The same idempotency key returns the first purchase;
    safe to retry.
    """
    key = clean_idempotency_key(idempotency_key)
    existing = Order.objects.filter(user=user, idempotency_key=key).select_related("membership").first()
    if existing is not None:
        if existing.kind != OrderKind.MEMBERSHIP:
            raise Conflict("That idempotency key was used for another order.", field="idempotency_key")
        return existing.membership, False
    active = policy_active()
    rules = active.policy.membership
    if not rules.enabled:
        raise MembershipUnavailable("This store does not sell a membership.")
    plan = plan_get_offered(plan_id=plan_id)
    methods = [str(m) for m in active.policy.payments.methods]
    if payment_method not in methods:
        message = (
            "Choose a payment method." if not payment_method else "This store does not take that method."
        )
        raise ValidationFailed(message, field="payment_method", code="invalid_choice")
    waiting = Membership.objects.filter(user=user, status=Membership.Status.PENDING).select_related("order")
    if waiting.exists():
        raise Conflict(
            f"Your membership order {waiting.first().order.number} is waiting for payment: pay or cancel it "
            "first.",
            code="membership_pending",
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            order = Order.objects.create(
                user=user,
                kind=OrderKind.MEMBERSHIP,
                policy_version_id=active.version_id,
                idempotency_key=key,
                goods_total=plan.price,
                total=plan.price,
                payment_method=payment_method,
                shipping_method="",
                shipping_method_label="Nothing to ship",
                placed_at=now,
                payment_due_at=now + timedelta(hours=active.policy.payments.unpaid_order_expiry_hours),
            )
            membership = Membership.objects.create(
                user=user,
                plan=plan,
                order=order,
                plan_name=plan.name,
                plan_days=plan.duration_days,
                price_paid=plan.price,
                created_at=now,
            )
            order_event_record(
                order=order,
                kind=OrderEvent.Kind.PLACED,
                actor=user,
                to_status=order.status,
                message=f"{rules.name} membership ordered: {plan.name}, {order.total} USD by "
                f"{order.get_payment_method_display()}.",
                data={"policy_version": active.version, "total": str(order.total), "plan": plan.slug},
                at=now,
            )
            _event(
                membership,
                MembershipEvent.Kind.CREATED,
                user,
                f"{plan.name} ordered ({plan.duration_days} days, {plan.price} USD); order {order.number}.",
                plan=plan.slug,
                order=order.number,
            )
    except IntegrityError:
        # The same key committed meanwhile (a double click racing itself): that purchase is the answer.
        existing = Order.objects.filter(user=user, idempotency_key=key).select_related("membership").first()
        if existing is None or existing.kind != OrderKind.MEMBERSHIP:
            raise
        return existing.membership, False
    order_email_queue(order=order, kind="placed")
    return membership, True


def membership_activate_for_order(*, order: Order, at=None) -> Membership | None:
    """The membership order is paid: start the period and give the welcome package.

    Called by orders inside the payment's transaction, with the order row locked. A renewal starts when
    the member's current period ends. Running it twice changes nothing.
    """
    membership = Membership.objects.filter(order=order).first()
    if membership is None:
        return None
    membership = _lock(membership.pk)
    if membership.status != Membership.Status.PENDING:
        return membership
    now = at or timezone.now()
    starts = max(now, membership_paid_until(user=membership.user, now=now) or now)
    membership.status = Membership.Status.ACTIVE
    membership.starts_at = starts
    membership.ends_at = starts + timedelta(days=membership.plan_days)
    membership.activated_at = now
    membership.save(update_fields=["status", "starts_at", "ends_at", "activated_at"])
    _event(
        membership,
        MembershipEvent.Kind.ACTIVATED,
        None,
        f"Paid; runs from {starts:%Y-%m-%d %H:%M} to {membership.ends_at:%Y-%m-%d %H:%M} UTC.",
        order=order.number,
    )
    _welcome_package(membership)
    membership_email_queue(membership=membership, kind="activated")
    return membership


def _welcome_package(membership: Membership) -> None:
    """Grant the plan's welcome coupons, valid while the period runs (or less, if the campaign ends sooner).

    A campaign that can no longer issue is noted on the audit trail for staff; the payment still stands.
    """
    for item in membership.plan.welcome.select_related("campaign"):
        campaign = item.campaign
        until = membership.ends_at
        if campaign.valid_until is not None:
            until = min(until, campaign.valid_until)
        for _ in range(item.quantity):
            try:
                coupon_grant(
                    user=membership.user,
                    campaign=campaign,
                    actor=None,
                    valid_from=membership.starts_at,
                    valid_until=until,
                    note=f"Welcome package of {membership.plan_name}.",
                    membership=membership,
                )
            except Conflict:
                _event(
                    membership,
                    MembershipEvent.Kind.WELCOME,
                    None,
                    f"Campaign {campaign.name} has issued all its coupons: a welcome coupon was not given.",
                    campaign=campaign.pk,
                )
                break


def membership_void_for_order(*, order: Order, actor) -> None:
    """The membership order was cancelled or lapsed before payment; called inside that transaction."""
    membership = Membership.objects.filter(order=order, status=Membership.Status.PENDING).first()
    if membership is None:
        return
    Membership.objects.filter(pk=membership.pk).update(status=Membership.Status.VOID)
    membership.status = Membership.Status.VOID
    _event(
        membership,
        MembershipEvent.Kind.VOIDED,
        actor,
        f"Order {order.number} was cancelled before payment; the membership did not start.",
        order=order.number,
    )


def membership_cancel(*, membership: Membership, actor, expected_refund: Decimal | None = None) -> Membership:
    """Cancel a paid membership, any time, for any reason, refunding the unused share.

    refund = (days remaining / plan days) x price paid - face value of used welcome shipping coupons,
    never below zero (the order's policy decides the coupon rules). Unused welcome shipping coupons are
    revoked at once. Locks the membership's order, then the membership. When `expected_refund` (what the
    member was shown) no longer matches, nothing changes.
    """
    if expected_refund is not None:
        try:
            expected_refund = Decimal(str(expected_refund))
        except ArithmeticError:
            raise ValidationFailed("Not an amount.", field="expected_refund", code="invalid") from None
        if not expected_refund.is_finite():
            raise ValidationFailed("Not an amount.", field="expected_refund", code="invalid")
    with transaction.atomic():
        order = order_lock(membership.order)
        try:
            membership = _lock(membership.pk)
        except Membership.DoesNotExist:
            raise NotFound("No such membership.", code="membership_not_found") from None
        now = timezone.now()
        state = membership.state(now)
        if state not in ("active", "upcoming"):
            raise Conflict(
                f"This membership is {membership.state_label(now).lower()}; only a running or upcoming one "
                "can be cancelled.",
                code="not_cancellable",
            )
        rules = order_policy(order).membership
        if rules.cancellation != "anytime":  # the only rule the schema knows today
            raise Conflict("This membership cannot be cancelled.", code="not_cancellable")
        breakdown = cancellation_preview(membership=membership, now=now)
        if expected_refund is not None and expected_refund != breakdown.refund:
            raise Conflict(
                f"The refund is now {breakdown.refund} USD (a day has passed since you looked). Review it "
                "again.",
                code="refund_changed",
                field="expected_refund",
            )
        revoked = []
        if rules.revoke_welcome_shipping_coupons:
            for coupon in membership.coupons.filter(kind=CouponKind.SHIPPING, state=CouponState.AVAILABLE):
                coupon_revoke(coupon=coupon, actor=actor, reason=f"{membership.plan_name} cancelled.")
                revoked.append(coupon.pk)
        membership.status = Membership.Status.CANCELLED
        membership.cancelled_at = now
        membership.cancelled_by = actor
        membership.cancellation = {**breakdown.as_dict(), "revoked_coupons": revoked}
        refund = None
        if breakdown.refund > 0:
            from tradepost.payments.services import refund_create

            refund = refund_create(
                order=order,
                amount=breakdown.refund,
                reason=f"{membership.plan_name} cancelled: {breakdown.days_remaining} of "
                f"{breakdown.plan_days} days unused",
                actor=actor,
            )
        membership.refund = refund
        membership.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancellation", "refund"])
        _event(
            membership,
            MembershipEvent.Kind.CANCELLED,
            actor,
            f"Cancelled; refund {breakdown.refund} USD"
            + (f", {len(revoked)} unused welcome shipping coupon(s) revoked." if revoked else "."),
            **membership.cancellation,
        )
        membership_email_queue(membership=membership, kind="cancelled")
    return membership
