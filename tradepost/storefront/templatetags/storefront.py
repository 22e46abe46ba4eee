"""Template helpers for turning policy values into words buyers read."""

from django import template

register = template.Library()

LABELS = {
    "paypal": "PayPal",
    "card": "Credit or debit card",
    "wire_transfer": "Wire transfer",
    "western_union": "Western Union",
    "payment": "payment",
    "review_approval": "our review of your order",
    "delivery": "delivery",
    "first_shipment": "the day we first ship your order",
    "defective": "defective goods",
    "wrong_item": "wrong goods",
    "lost_parcel": "a lost parcel",
    "repair": "repair",
    "replacement": "replacement",
    "refund": "a full refund",
    "replacement_same_product": "a replacement with the same product",
    "replacement_same_value": "a replacement with a product of the same value",
    "buyer": "you",
    "store": "us",
    "inquiry_cart": "an inquiry cart of listed parts",
    "unlisted_part": "parts we do not list",
    "customized": "customized goods",
    "product": "product discount",
    "shipping": "shipping",
    "original_payment_method": "the account you paid from",
    "return_verified": "we receive and check the return",
}


@register.filter
def label(value) -> str:
    key = getattr(value, "value", value)
    return LABELS.get(str(key), str(key).replace("_", " "))


@register.filter
def days_range(low, high) -> str:
    return f"{low}" if low == high else f"{low}–{high}"


@register.filter
def months_label(months) -> str:
    if months % 12 == 0:
        years = months // 12
        return "1 year" if years == 1 else f"{years} years"
    return "1 month" if months == 1 else f"{months} months"
