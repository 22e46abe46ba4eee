"""Orders with customs data, and "the first parcel left" as the shipping app does it (until it calls us)."""

import io

import pypdf
from django.db import transaction
from django.utils import timezone

from tradepost.catalog.models import Product
from tradepost.invoices.services import invoice_issue_if_due
from tradepost.orders.models import Order, OrderLine, OrderStatus
from tradepost.orders.tests.factories import place

CUSTOMS = {
    "TI-LM317T": {"hs_code": "8542.39.0001", "country_of_origin": "MY", "weight_grams": 2},
    "YAG-RC0603-10K": {"hs_code": "8533.21.0000", "country_of_origin": "TW", "weight_grams": 1},
    "AMS-1117-33": {"hs_code": "8542.39.0090", "country_of_origin": "CN", "weight_grams": 1},
}


def with_customs(order: Order) -> Order:
    """Give the order's lines the HS code, origin and weight a real catalog would have given them."""
    for sku, data in CUSTOMS.items():
        OrderLine.objects.filter(order=order, sku=sku).update(**data)
    return order


def customs_order(user, items: dict[str, int] | None = None, **kwargs) -> Order:
    """A placed order of 10 regulators and 100 resistors (by default) with customs data; stock is topped up
    so a test can place as many as it needs."""
    items = items or {"TI-LM317T": 10, "YAG-RC0603-10K": 100}
    Product.objects.filter(sku__in=items, stock__lt=10_000).update(stock=10_000)
    return with_customs(place(user, items, **kwargs))


def ship(order: Order, actor=None, *, at=None):
    """The first shipment, as shipping records it: order locked, first_shipped_at set, then the invoice."""
    with transaction.atomic():
        # of=("self",): lock only the order row, so shipments of different orders really run side by side.
        locked = Order.objects.select_for_update(of=("self",)).select_related("policy_version", "user")
        order = locked.get(pk=order.pk)
        order.first_shipped_at = at or timezone.now()
        order.status = OrderStatus.SHIPPED
        order.save(update_fields=["first_shipped_at", "status", "updated_at"])
        return invoice_issue_if_due(order=order, actor=actor)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with runs of white space (table cells wrap) made single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())
