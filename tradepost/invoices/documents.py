"""The invoice document: the data frozen when it is issued, and the PDF rendered from that data alone."""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django_countries import countries

from tradepost.invoices.calculations import INCOTERM_MEANINGS, money, unit_value, weight_kg
from tradepost.policies.schema import StorePolicy

FORMAT = 1  # bump when the shape of `Invoice.data` changes; the template must keep reading older shapes
TEMPLATE = "invoices/commercial_invoice.html"
# WeasyPrint logs every layout step at INFO; keep them out of the server log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

DECLARATION = (
    "We declare that the information on this invoice is true and correct, and that the goods listed "
    "originate in the countries shown."
)


def seller_address() -> list[str]:
    """The STORE_ADDRESS setting as lines (separated by ';' or new lines)."""
    raw = (getattr(settings, "STORE_ADDRESS", "") or "").replace("\n", ";")
    return [part.strip() for part in raw.split(";") if part.strip()]


def _country(field) -> dict:
    return {"code": field.code or "", "name": str(field.name or "") if field.code else ""}


def document_data(*, order, lines, policy: StorePolicy, number: str, issued_at: datetime) -> dict:
    """Everything the invoice prints, as JSON-ready text and numbers; `lines` are the order's open lines."""
    zone = ZoneInfo(policy.store.timezone)
    warehouse = policy.store.warehouse_country
    items = []
    weight = 0
    for position, line in enumerate(lines, start=1):
        weight += line.weight_grams * line.quantity
        origin = _country(line.country_of_origin)
        items.append(
            {
                "position": position,
                "sku": line.sku,
                "mpn": line.mpn,
                "manufacturer": line.manufacturer,
                "description": line.title,
                "hs_code": line.hs_code,
                "country_of_origin": origin["code"],
                "country_of_origin_name": origin["name"],
                "quantity": line.quantity,
                "unit_value": unit_value(line.unit_price),
                "total_value": money(line.line_total),
                "weight_grams": line.weight_grams * line.quantity,
            }
        )
    ship_to = _country(order.ship_country)
    city = " ".join(part for part in (order.ship_postal_code, order.ship_city) if part)
    return {
        "format": FORMAT,
        "number": number,
        "invoice_date": issued_at.astimezone(zone).date().isoformat(),
        "order_number": order.number,
        "order_date": order.placed_at.astimezone(zone).date().isoformat(),
        "currency": order.currency,
        "incoterm": order.incoterm,
        "incoterm_meaning": INCOTERM_MEANINGS.get(order.incoterm, ""),
        "shipping_method": order.shipping_method_label,
        "seller": {
            "name": policy.store.name,
            "address": seller_address(),
            "country": warehouse,
            "country_name": str(countries.name(warehouse)),
            "email": policy.store.support_email,
        },
        "buyer": {
            "name": order.ship_name,
            "company": order.ship_company,
            "address": [
                part for part in (order.ship_line1, order.ship_line2, city, order.ship_region) if part
            ],
            "country": ship_to["code"],
            "country_name": ship_to["name"],
            "phone": order.ship_phone,
            "email": order.user.email,
        },
        "lines": items,
        "totals": {
            "goods": money(order.goods_total),
            "discount": money(order.discount_total),
            "shipping": money(order.shipping_total),
            "shipping_free": order.shipping_total == 0,
            "duties": money(order.duties_total),
            "total": money(order.total),
        },
        "total_quantity": sum(item["quantity"] for item in items),
        "total_weight_grams": weight,
        "total_weight_kg": weight_kg(weight),
        "declaration": DECLARATION,
    }


def document_html(data: dict) -> str:
    return render_to_string(TEMPLATE, {"doc": data})


def document_pdf(data: dict) -> bytes:
    """Render the frozen data as a PDF with the system fonts; nothing is fetched from anywhere."""
    import weasyprint  # imported here: loading Pango costs time that most requests don't need
    from weasyprint.urls import URLFetcher

    html = weasyprint.HTML(string=document_html(data), url_fetcher=URLFetcher(allowed_protocols=()))
    return html.write_pdf()
