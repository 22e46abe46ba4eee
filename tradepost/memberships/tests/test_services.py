"""Buying, paying, renewing, expiring, voiding and cancelling a membership, through the services."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tradepost.core.exceptions import ApplicationError, Conflict, NotFound, ValidationFailed
from tradepost.memberships.models import Membership, MembershipEvent
from tradepost.memberships.selectors import cancellation_preview, is_member, membership_overview
from tradepost.memberships.services import membership_cancel, membership_purchase
from tradepost.memberships.tests.factories import buy, make_plan, member, pay
from tradepost.orders.models import OrderEvent, OrderStatus
from tradepost.orders.services import order_cancel, orders_expire_unpaid
from tradepost.orders.tests.factories import activate, place, shop
from tradepost.payments.models import Refund
from tradepost.promotions.models import Coupon, CouponState
from tradepost.promotions.services import coupon_redeem
from tradepost.promotions.tests.factories import give, make_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def components(db):
    return shop("components")


def test_buying_a_plan_makes_an_order_to_pay_and_a_pending_membership(
    components, buyer, django_capture_on_commit_callbacks
):
    plan = make_plan(price="99.00")
    with django_capture_on_commit_callbacks(execute=True):
        membership = buy(buyer, plan)
    order = membership.order
    assert membership.status == Membership.Status.PENDING and membership.state() == "pending"
    assert order.kind == "membership" and order.status == OrderStatus.AWAITING_PAYMENT
    assert order.total == Decimal("99.00") and order.shipping_total == 0 and not order.lines.exists()
    assert order.payment_method == "wire_transfer"
    assert not is_member(user=buyer)
    assert order.events.get().kind == OrderEvent.Kind.PLACED
    assert membership.events.get().kind == MembershipEvent.Kind.CREATED
    assert "PLUS 365 days: 365 days of membership = 99.00 USD" in mail.outbox[-1].body


def test_paying_starts_the_period_completes_the_order_and_gives_the_welcome_package(
    components, buyer, django_capture_on_commit_callbacks
):
    plan = make_plan(days=365, shipping_coupons=4, product_coupons=2)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        membership = pay(buy(buyer, plan))
    assert membership.status == Membership.Status.ACTIVE and membership.state() == "active"
    assert before <= membership.starts_at <= timezone.now()
    assert membership.ends_at == membership.starts_at + timedelta(days=365)
    assert membership.order.status == OrderStatus.COMPLETED
    assert membership.order.dispatch_due_at is None  # nothing to ship: no dispatch clock
    assert is_member(user=buyer)
    coupons = list(Coupon.objects.filter(owner=buyer))
    assert sorted(c.kind for c in coupons) == ["product"] * 2 + ["shipping"] * 4
    assert all(c.membership_id == membership.pk and c.valid_until == membership.ends_at for c in coupons)
    assert any("membership is active" in m.subject for m in mail.outbox)


def test_a_membership_order_pays_by_any_method_of_the_policy(components, buyer):
    plan = make_plan()
    with pytest.raises(ValidationFailed) as refused:
        membership_purchase(user=buyer, plan_id=plan.pk, payment_method="cash", idempotency_key="k1")
    assert refused.value.errors[0].field == "payment_method"
    for method in ("paypal", "card", "western_union"):
        membership = buy(buyer, plan, method=method)
        assert membership.order.payment_method == method
        order_cancel(order=membership.order, actor=buyer)  # one pending purchase at a time


def test_the_same_key_returns_the_first_purchase_and_a_second_pending_one_is_refused(components, buyer):
    plan = make_plan()
    first, created = membership_purchase(
        user=buyer, plan_id=plan.pk, payment_method="wire_transfer", idempotency_key="same"
    )
    again, created_again = membership_purchase(
        user=buyer, plan_id=plan.pk, payment_method="wire_transfer", idempotency_key="same"
    )
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(Conflict) as refused:
        buy(buyer, plan)
    assert refused.value.code == "membership_pending" and first.order.number in refused.value.message


def test_unknown_or_retired_plans_and_stores_without_membership_are_refused(components, buyer):
    plan = make_plan()
    plan.active = False
    plan.save()
    with pytest.raises(NotFound):
        buy(buyer, plan)
    with pytest.raises(NotFound):
        membership_purchase(user=buyer, plan_id=999_999, payment_method="wire_transfer", idempotency_key="x")
    activate("wholesale")  # this store sells no membership
    with pytest.raises(ApplicationError) as refused:
        buy(buyer, make_plan())
    assert refused.value.code == "membership_unavailable"


def test_an_unpaid_membership_order_that_lapses_or_is_cancelled_voids_the_membership(components, buyer):
    plan = make_plan()
    lapsing = buy(buyer, plan)
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        assert orders_expire_unpaid() == 1
    lapsing.refresh_from_db()
    assert lapsing.status == Membership.Status.VOID and lapsing.order.status == OrderStatus.CANCELLED
    cancelled = buy(buyer, plan)
    order_cancel(order=cancelled.order, actor=buyer)
    cancelled.refresh_from_db()
    assert cancelled.status == Membership.Status.VOID
    assert cancelled.events.last().kind == MembershipEvent.Kind.VOIDED
    assert not Coupon.objects.filter(owner=buyer).exists()


def test_a_renewal_starts_where_the_current_period_ends(components, buyer):
    plan = make_plan(days=30, shipping_coupons=1, product_coupons=0)
    first = member(buyer, plan)
    second = member(buyer, plan)
    assert second.starts_at == first.ends_at and second.state() == "upcoming"
    assert second.ends_at == first.ends_at + timedelta(days=30)
    renewal_coupon = Coupon.objects.get(membership=second)
    assert renewal_coupon.valid_from == second.starts_at
    overview = membership_overview(user=buyer)
    assert overview.current == first and overview.upcoming == [second]
    with time_machine.travel(first.ends_at + timedelta(hours=1)):
        assert is_member(user=buyer)  # the renewal carries on without a gap
        assert membership_overview(user=buyer).current == second


def test_when_it_expires_benefits_stop_and_the_rest_of_the_account_is_untouched(components, buyer):
    plan = make_plan(days=30)
    membership = member(buyer, plan)
    own = give(buyer, valid_until=timezone.now() + timedelta(days=365))  # not from the membership
    _, code = make_code(members_only=True, valid_until=timezone.now() + timedelta(days=365))
    with time_machine.travel(membership.ends_at + timedelta(minutes=1)):
        assert not is_member(user=buyer)
        assert membership.state() == "expired"
        own.refresh_from_db()
        assert own.display_state() == "available"
        welcome = Coupon.objects.filter(membership=membership).first()
        assert welcome.display_state() == "expired"
        with pytest.raises(ApplicationError) as refused:
            coupon_redeem(user=buyer, code=code)
        assert refused.value.code == "code_members_only"
        order = place(buyer)  # the account still orders
        assert order.member_benefits is False
        renewed = member(buyer, plan)  # and may join again
        assert renewed.starts_at >= membership.ends_at and is_member(user=buyer)


def test_member_benefits_are_decided_and_stored_when_ordering(components, buyer):
    before = place(buyer)
    membership = member(buyer)
    during = place(buyer)
    membership_cancel(membership=membership, actor=buyer)
    after = place(buyer)
    assert (before.member_benefits, during.member_benefits, after.member_benefits) == (False, True, False)
    during.refresh_from_db()
    assert during.member_benefits is True  # cancelling later takes nothing from an order already placed


def test_members_only_codes_work_for_members(components, buyer):
    _, code = make_code(members_only=True)
    with pytest.raises(ApplicationError) as refused:
        coupon_redeem(user=buyer, code=code)
    assert refused.value.code == "code_members_only" and refused.value.status == 403
    member(buyer)
    assert coupon_redeem(user=buyer, code=code).owner == buyer


def test_cancelling_refunds_the_unused_share_less_used_welcome_shipping_coupons(
    components, buyer, django_capture_on_commit_callbacks
):
    plan = make_plan(days=365, price="99.00", shipping_coupons=3, product_coupons=1)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        membership = member(buyer, plan)
    shipping = list(Coupon.objects.filter(membership=membership, kind="shipping").order_by("pk"))
    product = Coupon.objects.get(membership=membership, kind="product")
    order = place(buyer, {"TI-LM317T": 100}, shipping_coupon_id=shipping[0].pk)
    assert order.discounts.get().amount > 0
    with time_machine.travel(start + timedelta(days=165, hours=1), tick=False):
        preview = cancellation_preview(membership=membership)
        assert preview.days_remaining == 199  # 364 days and 23 hours to go: the day under way is used
        assert preview.used_shipping_coupons == (Decimal("10.00"),)
        expected = (Decimal("99.00") * 199 / 365).quantize(Decimal("0.01")) - Decimal("10.00")
        assert preview.refund == expected
        with pytest.raises(Conflict) as changed:
            membership_cancel(membership=membership, actor=buyer, expected_refund=preview.refund + 1)
        assert changed.value.code == "refund_changed"
        with django_capture_on_commit_callbacks(execute=True):
            cancelled = membership_cancel(membership=membership, actor=buyer, expected_refund=preview.refund)
    assert cancelled.status == Membership.Status.CANCELLED and cancelled.state() == "cancelled"
    refund = Refund.objects.get(order=membership.order)
    assert refund.amount == expected and refund.destination == "wire_transfer"
    assert cancelled.refund == refund and cancelled.cancellation["refund"] == str(expected)
    states = {c.pk: c.state for c in Coupon.objects.filter(membership=membership)}
    assert states[shipping[0].pk] == CouponState.USED  # stays with its order
    assert states[shipping[1].pk] == states[shipping[2].pk] == CouponState.REVOKED
    assert states[product.pk] == CouponState.AVAILABLE  # the policy withdraws only shipping coupons
    assert not is_member(user=buyer)
    assert membership.order.events.filter(kind=OrderEvent.Kind.REFUND).exists()
    event = cancelled.events.get(kind=MembershipEvent.Kind.CANCELLED)
    assert event.actor == buyer and event.actor_role == "buyer"
    assert any("membership is cancelled" in m.subject and str(expected) in m.body for m in mail.outbox)


def test_cancelling_a_queued_renewal_refunds_it_whole_and_twice_is_refused(components, buyer):
    plan = make_plan(days=30, price="30.00", shipping_coupons=0, product_coupons=0)
    member(buyer, plan)
    queued = member(buyer, plan)
    cancelled = membership_cancel(membership=queued, actor=buyer)
    assert Refund.objects.get(order=queued.order).amount == Decimal("30.00")
    with pytest.raises(Conflict):
        membership_cancel(membership=cancelled, actor=buyer)
    assert Refund.objects.filter(order=queued.order).count() == 1
    assert is_member(user=buyer)  # the period that runs is untouched


def test_an_expired_or_unpaid_membership_cannot_be_cancelled(components, buyer):
    pending = buy(buyer, make_plan())
    with pytest.raises(Conflict):
        membership_cancel(membership=pending, actor=buyer)
    order_cancel(order=pending.order, actor=buyer)
    running = member(buyer, make_plan(days=10))
    with time_machine.travel(running.ends_at + timedelta(seconds=1)), pytest.raises(Conflict):
        membership_cancel(membership=running, actor=buyer)


def test_a_used_up_welcome_campaign_does_not_undo_the_payment(components, buyer):
    plan = make_plan(shipping_coupons=2, product_coupons=0)
    campaign = plan.welcome.get().campaign
    campaign.usage_limit = 1
    campaign.save()
    membership = member(buyer, plan)
    assert membership.status == Membership.Status.ACTIVE
    assert Coupon.objects.filter(membership=membership).count() == 1
    assert membership.events.filter(kind=MembershipEvent.Kind.WELCOME).exists()


def test_paying_twice_activates_once(components, buyer):
    membership = member(buyer, make_plan(shipping_coupons=1, product_coupons=0))
    pay(membership)  # a second transfer: an overpayment, refunded, and no second period
    assert Membership.objects.filter(user=buyer, status="active").count() == 1
    assert Coupon.objects.filter(membership=membership).count() == 1
    assert Refund.objects.filter(order=membership.order).exists()
