"""Inquiries, quotations and sales staff built through the real services, for tests."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from tradepost.catalog import services as catalog_services
from tradepost.conftest import make_user
from tradepost.orders.tests.factories import make_address, shop
from tradepost.quotes import services
from tradepost.quotes.models import SpecTemplate
from tradepost.quotes.services import LineInput, Upload

CABLE_FIELDS = [
    {"key": "length_mm", "label": "Length", "kind": "integer", "unit": "mm", "min": 10, "max": 100000},
    {"key": "connector_a", "label": "Connector A", "kind": "choice", "choices": ["USB-C", "USB-A", "JST-XH"]},
    {"key": "connector_b", "label": "Connector B", "kind": "choice", "choices": ["USB-C", "USB-A", "JST-XH"]},
    {"key": "colour", "label": "Colour", "kind": "text", "required": False, "max_length": 40},
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def quote_shop(preset: str = "components") -> dict:
    """The shop of the orders tests plus a customizable cable type with its spec form."""
    catalog = shop(preset)
    cables = catalog_services.category_create(
        name="Cable assemblies", slug="cable-assemblies", parent=catalog["root"], customizable=True
    )
    SpecTemplate.objects.create(category=cables, fields=CABLE_FIELDS)
    catalog["cables"] = cables
    return catalog


def sales_staff(email: str = "sales@example.com", desks=("sales",)):
    user = make_user(email, full_name="Sam Sales", is_staff=True)
    for desk in desks:
        user.groups.add(Group.objects.get_or_create(name=f"desk:{desk}")[0])
    return user


def pdf(name: str = "drawing.pdf") -> Upload:
    return Upload(name=name, content_type="application/pdf", data=PDF)


def cart_inquiry(user, items: dict[str, int] | None = None, **kwargs):
    for sku, quantity in (items or {"TI-LM317T": 500}).items():
        services.inquiry_cart_line_set(user=user, sku=sku, quantity=quantity)
    return services.inquiry_cart_submit(user=user, **kwargs)


def unlisted_inquiry(user, **kwargs):
    data = {"part_number": "STM32F103C8T6", "manufacturer": "ST", "quantity": 100, "target_price": "1.20"}
    data.update(kwargs)
    return services.inquiry_unlisted_create(user=user, **data)


def customized_inquiry(user, **kwargs):
    data = {
        "product_type": "cable-assemblies",
        "spec": {"length_mm": "250", "connector_a": "USB-C", "connector_b": "JST-XH", "colour": "black"},
        "quantity": 200,
        "files": [pdf()],
    }
    data.update(kwargs)
    return services.inquiry_customized_create(user=user, **data)


def send_quotation(inquiry, staff, lines=None, **kwargs):
    if lines is None:
        if inquiry.kind == "inquiry_cart":
            lines = [
                LineInput(sku=line.sku, quantity=line.quantity, unit_price=Decimal("0.30"))
                for line in inquiry.lines.all()
            ]
        else:
            lines = [
                LineInput(
                    mpn=inquiry.part_number or "CAB-250-USBC-JST",
                    manufacturer=inquiry.manufacturer,
                    title="Quoted part",
                    quantity=inquiry.quantity,
                    unit_price=Decimal("1.1000"),
                    weight_grams=20,
                )
            ]
    if inquiry.kind == "customized":
        kwargs.setdefault("promised_ship_date", timezone.now().date() + timedelta(days=14))
    return services.quotation_send(inquiry=inquiry, actor=staff, lines=lines, **kwargs)


def accept(user, quotation, address=None, **kwargs):
    from tradepost.checkout.services import checkout_place_quotation

    address = address or user.addresses.first() or make_address(user)
    kwargs.setdefault("payment_method", "wire_transfer")
    return checkout_place_quotation(
        user=user,
        quotation_id=quotation.pk,
        address_id=address.pk,
        shipping_method=kwargs.pop("shipping_method", None),
        **kwargs,
    )


def a_date(days: int) -> date:
    return timezone.now().date() + timedelta(days=days)
