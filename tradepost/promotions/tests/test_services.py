from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tradepost.checkout.services import checkout_preview
from tradepost.conftest import make_user
from tradepost.core.exceptions import Conflict, RateLimited, ValidationFailed
from tradepost.orders.models import OrderStatus
from tradepost.orders.services import order_cancel
from tradepost.orders.tests.factories import activate, fill_cart, make_address, place, shop
from tradepost.promotions.models import Campaign, CampaignCode, Coupon, CouponEvent, OrderDiscount
from tradepost.promotions.services import (
    campaign_codes_generate,
    coupon_grant,
    coupon_redeem,
    coupon_revoke,
)
from tradepost.promotions.tests.factories import give, make_campaign, make_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    activate()


def codes_of(exc):
    return [e.code for e in exc.value.errors]


def test_codes_are_long_random_and_stored_hashed(store):
    campaign = make_campaign("promotion_code")
    codes = campaign_codes_generate(campaign=campaign, count=5)
    assert len(set(codes)) == 5 and all(len(code.replace("-", "")) == 20 for code in codes)
    stored = set(CampaignCode.objects.values_list("code_hash", flat=True))
    assert not any(code.replace("-", "") in stored for code in codes)


def test_coupon_code_redeems_once_per_buyer(store, buyer):
    campaign, code = make_code(value="7.50", min_spend="20.00")
    coupon = coupon_redeem(user=buyer, code=code.lower())  # case and dashes don't matter
    assert (coupon.owner, coupon.kind, coupon.value, coupon.min_spend) == (
        buyer,
        "product",
        Decimal("7.50"),
        20,
    )
    assert coupon.valid_until == campaign.valid_until
    assert coupon.events.get().kind == CouponEvent.Kind.ISSUED
    with pytest.raises(ValidationFailed) as exc:
        coupon_redeem(user=buyer, code=code)
    assert codes_of(exc) == ["code_already_redeemed"] and exc.value.status == 409
    campaign.refresh_from_db()
    assert campaign.issued == 1


def test_distinct_errors_for_wrong_expired_and_used_up_codes(store, buyer, other_buyer):
    with pytest.raises(ValidationFailed) as exc:
        coupon_redeem(user=buyer, code="NOT-A-REAL-CODE")
    assert codes_of(exc) == ["code_invalid"]
    _, expired = make_code(valid_until=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationFailed) as exc:
        coupon_redeem(user=buyer, code=expired)
    assert codes_of(exc) == ["code_expired"]
    _, limited = make_code(usage_limit=1)
    coupon_redeem(user=other_buyer, code=limited)
    with pytest.raises(ValidationFailed) as exc:
        coupon_redeem(user=buyer, code=limited)
    assert codes_of(exc) == ["code_used_up"]


def test_guessing_is_rate_limited_per_account(store, buyer, settings):
    settings.THROTTLE_COUPON_CODE_PER_ACCOUNT = (3, 60)
    _, good = make_code()
    for n in range(3):
        with pytest.raises(ValidationFailed):
            coupon_redeem(user=buyer, code=f"WRONG{n}", ip="10.0.0.1")
    with pytest.raises(RateLimited):
        coupon_redeem(user=buyer, code=good, ip="10.0.0.2")


def test_guessing_is_rate_limited_per_ip(store, buyer, other_buyer, settings):
    settings.THROTTLE_COUPON_CODE_PER_IP = (2, 60)
    for user in (buyer, other_buyer):
        with pytest.raises(ValidationFailed):
            coupon_redeem(user=user, code="WRONG", ip="10.0.0.9")
    with pytest.raises(RateLimited):
        coupon_redeem(user=make_user("third@example.com"), code="WRONG", ip="10.0.0.9")


def test_promotion_code_gives_a_coupon_for_the_policy_days(store, buyer, other_buyer):
    _, code = make_code("promotion_code", coupon_kind="shipping", value_type="full_shipping", value="0")
    before = timezone.now()
    coupon = coupon_redeem(user=buyer, code=code)
    assert coupon.kind == "shipping" and coupon.source == "promotion_code"
    assert before + timedelta(days=90) <= coupon.valid_until <= timezone.now() + timedelta(days=90)
    with pytest.raises(ValidationFailed) as exc:
        coupon_redeem(user=buyer, code=code)
    assert codes_of(exc) == ["code_already_redeemed"]
    with pytest.raises(ValidationFailed) as exc:
        coupon_redeem(user=other_buyer, code=code)
    assert codes_of(exc) == ["code_used_up"]


def test_grant_respects_the_campaign_limit(store, buyer):
    campaign = make_campaign(usage_limit=2)
    coupon_grant(user=buyer, campaign=campaign, actor=None)
    coupon_grant(user=buyer, campaign=campaign, actor=None)
    with pytest.raises(Conflict):
        coupon_grant(user=buyer, campaign=campaign, actor=None)
    assert Campaign.objects.get(pk=campaign.pk).issued == 2 == Coupon.objects.count()


def test_revoke_only_available(store, buyer):
    coupon = give(buyer)
    coupon_revoke(coupon=coupon, actor=None, reason="mistake")
    assert coupon.state == "revoked"
    with pytest.raises(Conflict):
        coupon_revoke(coupon=coupon, actor=None)


@pytest.fixture
def shopper(db):
    shop()
    user = make_user("shopper@example.com")
    make_address(user)
    return user


def preview(user, **kw):
    from tradepost.accounts.models import Address

    return checkout_preview(
        user=user, address_id=Address.objects.get(user=user).pk, payment_method="wire_transfer", **kw
    )


def test_both_coupons_reduce_goods_and_shipping_and_the_order_records_them(shopper):
    product = give(shopper, value="3.00")
    shipping = give(shopper, coupon_kind="shipping", value_type="full_shipping", value="0")
    fill_cart(shopper, {"TI-LM317T": 10})
    p = preview(shopper, product_coupon_id=product.pk, shipping_coupon_id=shipping.pk)
    assert p.ready, p.errors
    assert p.totals.goods_discount == Decimal("3.00")
    assert p.totals.shipping_discount == p.totals.shipping > 0
    order = place(shopper, {}, product_coupon_id=product.pk, shipping_coupon_id=shipping.pk)
    assert order.discount_total == p.totals.discount
    assert order.total == p.totals.total
    rows = OrderDiscount.objects.filter(order=order)
    assert sum(r.amount for r in rows) == order.discount_total
    product.refresh_from_db()
    assert (product.state, product.used_by_order, product.amount_applied) == ("used", order, Decimal("3.00"))


def test_checkout_refuses_bad_coupons_with_field_errors(shopper, other_buyer):
    fill_cart(shopper, {"TI-LM317T": 10})
    theirs = give(other_buyer)
    expired = give(shopper, valid_until=timezone.now() - timedelta(seconds=1))
    too_big = give(shopper, min_spend="100000.00")
    shipping = give(shopper, coupon_kind="shipping", value="2.00")
    revoked = coupon_revoke(coupon=give(shopper), actor=None)
    cases = {
        theirs.pk: "not_found",
        expired.pk: "expired",
        too_big.pk: "min_spend",
        shipping.pk: "wrong_kind",
        revoked.pk: "revoked",
        999999: "not_found",
    }
    for coupon_id, code in cases.items():
        p = preview(shopper, product_coupon_id=coupon_id)
        assert [(e.field, e.code) for e in p.errors] == [("product_coupon_id", code)]
        assert p.totals.discount == 0
    with pytest.raises(ValidationFailed) as exc:
        place(shopper, {}, product_coupon_id=theirs.pk)
    assert [e.field for e in exc.value.errors] == ["product_coupon_id"]
    assert Coupon.objects.get(pk=theirs.pk).state == "available"


def test_a_used_coupon_cannot_be_used_twice(shopper):
    coupon = give(shopper)
    place(shopper, product_coupon_id=coupon.pk)
    with pytest.raises(ValidationFailed) as exc:
        place(shopper, product_coupon_id=coupon.pk)
    assert [e.code for e in exc.value.errors] == ["used"]


def test_cancelling_returns_valid_coupons_to_the_wallet(shopper):
    coupon = give(shopper)
    short = give(shopper, coupon_kind="shipping", value="1.00")
    order = place(shopper, product_coupon_id=coupon.pk, shipping_coupon_id=short.pk)
    Coupon.objects.filter(pk=short.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    order_cancel(order=order, actor=shopper)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    coupon.refresh_from_db()
    short.refresh_from_db()
    assert (coupon.state, coupon.used_by_order) == ("available", None)
    assert short.state == "used"  # expired meanwhile: it stays with the cancelled order
    assert coupon.events.last().kind == CouponEvent.Kind.RELEASED
    assert OrderDiscount.objects.filter(order=order).count() == 2  # the order still shows what it took
    place(shopper, product_coupon_id=coupon.pk)


def test_a_shortfall_proposal_caps_the_goods_coupon_and_keeps_the_shipping_coupon(shopper):
    from tradepost.orders import services as order_services
    from tradepost.orders.tests.factories import staff_member
    from tradepost.orders.tests.test_services import paid

    staff = staff_member()
    product = give(shopper, value="3.00")
    shipping = give(shopper, coupon_kind="shipping", value_type="fixed", value="5.00")
    order = paid(
        place(shopper, {"TI-LM317T": 10}, product_coupon_id=product.pk, shipping_coupon_id=shipping.pk), staff
    )
    assert order.discount_total == Decimal("8.00")
    line = order.lines.get()
    proposal = order_services.proposal_create(
        order=order,
        actor=staff,
        message="Only 5 left.",
        changes=[{"line": line.pk, "action": "reduce", "quantity": 5}],
    )
    order = order_services.proposal_accept(proposal=proposal, user=shopper)
    assert order.goods_total == Decimal("2.20")
    # The 3.00 goods coupon shrinks to the goods left; the 5.00 shipping coupon still applies.
    assert (
        order.discount_total
        == Decimal("7.20")
        == sum(r.amount for r in OrderDiscount.objects.filter(order=order))
    )
    assert order.total == order.goods_total - order.discount_total + order.shipping_total + order.duties_total
    assert order.total == proposal.total_after
