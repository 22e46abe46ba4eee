"""Demo data for the quote desk: spec forms for the customizable product types and a few inquiries, made
through the real services so the desk is not empty. Only where the store takes quotations; only once."""

from decimal import Decimal

from django.db import transaction

from tradepost.catalog.models import Category, Product
from tradepost.policies.schema import QuoteKind
from tradepost.policies.selectors import policy_active
from tradepost.quotes import services
from tradepost.quotes.models import Inquiry, SpecTemplate
from tradepost.quotes.services import LineInput

# Spec forms as data, per product type (category slug). A store edits them in the admin.
SPEC_FORMS = {
    "cable-assemblies": [
        {"key": "length_mm", "label": "Length", "kind": "integer", "unit": "mm", "min": 10, "max": 50000},
        {
            "key": "connector_a",
            "label": "Connector A",
            "kind": "choice",
            "choices": ["USB-C", "USB-A", "Micro-USB", "JST-XH", "JST-PH", "Dupont 2.54", "M12", "Open end"],
        },
        {
            "key": "connector_b",
            "label": "Connector B",
            "kind": "choice",
            "choices": ["USB-C", "USB-A", "Micro-USB", "JST-XH", "JST-PH", "Dupont 2.54", "M12", "Open end"],
        },
        {"key": "conductors", "label": "Conductors", "kind": "integer", "min": 1, "max": 64},
        {
            "key": "wire_gauge",
            "label": "Wire gauge",
            "kind": "choice",
            "choices": ["20 AWG", "22 AWG", "24 AWG", "26 AWG", "28 AWG"],
        },
        {"key": "colour", "label": "Colour", "kind": "text", "required": False, "max_length": 40},
    ],
    "custom-phone-cases": [
        {"key": "phone_model", "label": "Phone model", "kind": "text", "max_length": 80},
        {
            "key": "material",
            "label": "Material",
            "kind": "choice",
            "choices": ["TPU", "Polycarbonate", "Silicone"],
        },
        {"key": "print_colours", "label": "Print colours", "kind": "integer", "min": 1, "max": 8},
    ],
    "pcb": [
        {"key": "layers", "label": "Layers", "kind": "choice", "choices": ["1", "2", "4", "6", "8"]},
        {"key": "width_mm", "label": "Width", "kind": "number", "unit": "mm", "min": 5, "max": 500},
        {"key": "height_mm", "label": "Height", "kind": "number", "unit": "mm", "min": 5, "max": 500},
        {
            "key": "thickness_mm",
            "label": "Thickness",
            "kind": "choice",
            "choices": ["0.8", "1.0", "1.6", "2.0"],
        },
        {"key": "finish", "label": "Surface finish", "kind": "choice", "choices": ["HASL", "ENIG", "OSP"]},
    ],
}


def spec_forms_load() -> int:
    """A spec form for every customizable product type that has one here and none yet; returns how many."""
    made = 0
    for category in Category.objects.filter(
        customizable=True, slug__in=SPEC_FORMS, spec_template__isnull=True
    ):
        SpecTemplate.objects.create(category=category, fields=SPEC_FORMS[category.slug])
        made += 1
    return made


def quotes_demo(*, buyer, staff) -> None:
    """Spec forms, then an inquiry cart (waiting), a part not listed (quoted) and customized goods."""
    quotes = policy_active().policy.quotes
    if not quotes.enabled:
        return
    spec_forms_load()
    if Inquiry.objects.filter(user=buyer).exists():
        return
    products = list(Product.objects.filter(status="active").order_by("pk")[:2])
    with transaction.atomic():
        if QuoteKind.INQUIRY_CART in quotes.kinds and products:
            for product in products:
                services.inquiry_cart_line_set(user=buyer, sku=product.sku, quantity=1000)
            services.inquiry_cart_submit(user=buyer, notes="Monthly demand; price for 1k and 5k please.")
        if QuoteKind.UNLISTED_PART in quotes.kinds:
            inquiry = services.inquiry_unlisted_create(
                user=buyer,
                part_number="STM32F103C8T6",
                manufacturer="STMicroelectronics",
                quantity=500,
                target_price="1.80",
                notes="Original parts only, with date code 2024 or newer.",
            )
            services.quotation_send(
                inquiry=inquiry,
                actor=staff,
                lines=[
                    LineInput(
                        mpn="STM32F103C8T6",
                        manufacturer="STMicroelectronics",
                        title="ARM Cortex-M3 MCU, 64 KB flash, LQFP-48",
                        quantity=500,
                        unit_price=Decimal("1.9500"),
                        lead_time_days=3,
                        weight_grams=1,
                    )
                ],
                notes="Factory sealed reels, date code 2025.",
            )
        types = services.customizable_types()
        if QuoteKind.CUSTOMIZED in quotes.kinds and types:
            category, fields = types[0]
            spec = {}
            for field in fields:
                if field.kind == "choice":
                    spec[field.key] = field.choices[0]
                elif field.kind in ("number", "integer"):
                    spec[field.key] = str(max(field.min or 1, min(field.max or 100, 100)))
                elif field.required:
                    spec[field.key] = "As in the drawing"
            services.inquiry_customized_create(
                user=buyer,
                product_type=category.slug,
                spec=spec,
                quantity=300,
                notes="Samples first, please.",
            )
