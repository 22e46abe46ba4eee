"""The shipped presets load, validate and carry the numbers their stores publish."""

import pytest

from tradepost.policies.loading import load_preset, preset_names
from tradepost.policies.schema import (
    AfterSalesStart,
    CouponKind,
    DispatchStart,
    Duties,
    GuaranteeCover,
    MoneyBackRemedy,
    Party,
    PaymentMethod,
    QuoteKind,
    SlaClock,
    SupportTopic,
)


def test_the_three_presets_are_shipped():
    assert preset_names() == ["components", "direct", "wholesale"]


@pytest.mark.parametrize("name", ["components", "wholesale", "direct"])
def test_each_preset_is_valid_and_keyed_by_its_name(name):
    policy = load_preset(name)
    assert policy.store.key == name
    assert policy.currency.settlement == "USD"
    # Every support topic has targets, so a ticket of any kind gets a deadline.
    for topic in SupportTopic:
        target = policy.support_target(topic)
        assert 0 < target.first_response_working_hours <= target.resolution_working_hours


def test_components_numbers():
    policy = load_preset("components")
    assert policy.payments.methods == [
        PaymentMethod.PAYPAL,
        PaymentMethod.CARD,
        PaymentMethod.WIRE_TRANSFER,
        PaymentMethod.WESTERN_UNION,
    ]
    assert policy.payments.card_processor == "paypal"
    assert policy.payments.wire_transfer.bank_name == "Bank of China (Hong Kong) Limited"
    assert policy.payments.wire_transfer.account_number == "01288392190575"
    assert policy.payments.wire_transfer.currency == "USD"
    assert "Shenzhen, China" in policy.payments.western_union.receiver_address
    assert (policy.dispatch.min_working_days, policy.dispatch.max_working_days) == (3, 5)
    assert policy.dispatch.counted_from == DispatchStart.PAYMENT
    assert policy.shipping.carriers == ["DHL", "UPS", "FedEx"]
    assert policy.shipping.buyer_chooses_carrier is True
    assert policy.shipping.delivery_min_working_days is None  # depends on the carrier
    assert policy.quotes.enabled
    assert policy.quotes.sla_hours == 12
    assert policy.quotes.sla_clock == SlaClock.CLOCK_HOURS
    assert set(policy.quotes.kinds) == {QuoteKind.INQUIRY_CART, QuoteKind.UNLISTED_PART, QuoteKind.CUSTOMIZED}
    assert policy.coupons.kinds == [CouponKind.PRODUCT, CouponKind.SHIPPING]
    assert policy.coupons.max_per_kind_per_order == 1
    assert policy.coupons.kinds_combinable is True
    assert policy.coupons.promotion_code_validity_days == 90
    assert policy.membership.name == "PLUS"
    assert policy.membership.refund_rule == "prorated_remaining_days"
    assert policy.membership.revoke_welcome_shipping_coupons is True
    assert policy.membership.charge_used_welcome_shipping_coupons is True
    assert policy.quality_guarantee_days(member=False) == 90
    assert policy.quality_guarantee_days(member=True) == 100
    assert set(policy.quality_guarantee.covers) == set(GuaranteeCover)
    assert policy.invoices.commercial_invoice == "on_request"
    assert policy.invoices.request_at_checkout is True
    assert policy.invoices.request_after_shipment_days == 5
    assert (policy.store.warehouse_country, policy.store.timezone) == ("CN", "Asia/Shanghai")
    assert policy.reviews.enabled and policy.reviews.after == "delivery"
    assert not policy.warranty.enabled and not policy.money_back.enabled


def test_wholesale_numbers():
    policy = load_preset("wholesale")
    months = {item.key: item.months for item in policy.warranty.classes}
    assert months == {
        "mp3_mp4_players": 3,
        "cell_phones": 12,
        "cell_phone_batteries": 6,
        "cell_phone_accessories": None,
        "other": 3,
    }
    assert policy.warranty_class("cell_phone_accessories").lifetime is True
    assert policy.warranty_class("cell_phones").months == 12
    # Products in no listed group fall back to "all other products": 3 months.
    assert policy.warranty_class("tablets").key == "other"
    assert policy.warranty_class(None).months == 3
    assert policy.warranty.covers == "parts_and_labor"
    assert {item.key for item in policy.warranty.exclusions} == {
        "wear_and_tear",
        "abuse_or_misuse",
        "software_modification",
    }
    assert policy.warranty.reaches_end_customers and policy.warranty.end_customer_direct_claims
    assert policy.warranty.troubleshooting_before_claim
    assert policy.returns.rma_required is True
    money_back = policy.money_back
    assert (money_back.days, money_back.counted_from) == (14, AfterSalesStart.FIRST_SHIPMENT)
    assert money_back.any_reason is True
    assert set(money_back.remedies) == set(MoneyBackRemedy)
    assert money_back.refunds_original_shipping is False
    assert money_back.refunds_return_shipping is False
    assert money_back.return_loss_risk == Party.BUYER
    assert (policy.store.warehouse_country, policy.store.timezone) == ("HK", "Asia/Hong_Kong")


def test_direct_numbers():
    policy = load_preset("direct")
    assert policy.orders.review_required is True
    assert (policy.dispatch.min_working_days, policy.dispatch.max_working_days) == (1, 3)
    assert policy.dispatch.counted_from == DispatchStart.REVIEW_APPROVAL
    assert policy.shipping.free_shipping is True
    assert policy.shipping.duties == Duties.DDP
    assert (policy.shipping.delivery_min_working_days, policy.shipping.delivery_max_working_days) == (6, 12)
    assert policy.shipping.tracking is True
    assert (policy.returns.enabled, policy.returns.days) == (True, 60)
    assert (policy.refunds.min_working_days, policy.refunds.max_working_days) == (5, 10)
    assert policy.refunds.counted_from == "return_verified"
    assert policy.refunds.destination == "original_payment_method"
    assert policy.refunds.currency == "USD"
    assert policy.support.channel == "contact_us"
    assert not policy.quotes.enabled and not policy.membership.enabled and not policy.coupons.enabled
    assert policy.quality_guarantee_days(member=True) is None
    assert policy.warranty_class("anything") is None
