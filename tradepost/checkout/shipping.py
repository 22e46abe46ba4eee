"""Shipping options at checkout. A minimal stand-in until shipping/ brings carriers, zones and rates:
free shipping when the policy promises it, otherwise one flat rate from settings."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from tradepost.policies.schema import Duties, StorePolicy


@dataclass(frozen=True)
class ShippingOption:
    code: str
    label: str
    cost: Decimal
    note: str = ""


def shipping_options(policy: StorePolicy) -> list[ShippingOption]:
    shipping = policy.shipping
    duties = (
        "Import duties and taxes are paid by the store."
        if shipping.duties == Duties.DDP
        else "Import duties and taxes, if any, are paid by the buyer on arrival."
    )
    window = ""
    if shipping.delivery_min_working_days and shipping.delivery_max_working_days:
        window = (
            f" Delivery in {shipping.delivery_min_working_days}-{shipping.delivery_max_working_days}"
            " working days after dispatch."
        )
    if shipping.free_shipping:
        return [ShippingOption("free", "Free worldwide shipping", Decimal("0.00"), duties + window)]
    return [
        ShippingOption(
            "standard",
            "Standard international shipping",
            Decimal(settings.FLAT_SHIPPING_USD),
            duties + window,
        )
    ]
