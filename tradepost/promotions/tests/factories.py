"""Campaigns and coupons for tests, made through the real services."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from tradepost.promotions.models import Campaign
from tradepost.promotions.services import campaign_codes_generate, coupon_grant


def make_campaign(kind: str = "grant", *, coupon_kind="product", value_type="fixed", value="5.00", **fields):
    fields.setdefault("name", f"{kind} {coupon_kind} {value_type} {value}")
    fields.setdefault("valid_from", timezone.now() - timedelta(days=1))
    fields.setdefault("valid_until", timezone.now() + timedelta(days=30))
    return Campaign.objects.create(
        kind=kind, coupon_kind=coupon_kind, value_type=value_type, value=Decimal(value), **fields
    )


def make_code(kind: str = "coupon_code", **fields) -> tuple[Campaign, str]:
    campaign = make_campaign(kind, **fields)
    return campaign, campaign_codes_generate(campaign=campaign, count=1)[0]


def give(user, *, coupon_kind="product", value_type="fixed", value="5.00", **fields):
    campaign = make_campaign(coupon_kind=coupon_kind, value_type=value_type, value=value, **fields)
    return coupon_grant(user=user, campaign=campaign, actor=None)
