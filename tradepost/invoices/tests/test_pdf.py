"""The PDF is rendered once from the frozen data and then served byte for byte."""

import hashlib
from decimal import Decimal

import pytest
from django.test import override_settings

from tradepost.invoices import services
from tradepost.invoices.calculations import unit_value, weight_kg
from tradepost.invoices.documents import document_html
from tradepost.invoices.models import Invoice
from tradepost.invoices.services import invoice_pdf
from tradepost.invoices.tests.factories import customs_order, pdf_text, ship
from tradepost.orders.models import Order, OrderLine
from tradepost.orders.tests.factories import shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(buyer) -> Invoice:
    shop("components")
    return ship(customs_order(buyer, commercial_invoice=True))


def test_unit_values_and_weights_as_printed():
    assert unit_value(Decimal("0.4400")) == "0.44"
    assert unit_value(Decimal("0.0040")) == "0.004"
    assert unit_value(Decimal("12")) == "12.00"
    assert unit_value(Decimal("1.23456")) == "1.2346"
    assert weight_kg(120) == "0.120" and weight_kg(0) == "0.000"


def test_the_pdf_shows_what_customs_needs(invoice):
    pdf = invoice_pdf(invoice=invoice)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    order = invoice.order
    for expected in (
        "Commercial invoice",
        invoice.number,
        order.number,
        invoice.data["invoice_date"],
        "8542.39.0001",
        "8533.21.0000",
        "Malaysia (MY)",
        "Taiwan",
        "LM317T",
        "RC0603FR-0710KL",
        f"Incoterm {order.incoterm}",
        "paid by the buyer" if order.incoterm == "DAP" else "paid by the seller",
        "Components Demo Store",
        "China (CN)",
        "Bea Buyer",
        "Keizersgracht 1",
        "Netherlands (NL)",
        "Goods subtotal 4.80",
        "Discounts 0.00",
        f"Total (USD) {order.total}",
        "Total net weight 0.120 kg",
        "We declare that the information on this invoice is true and correct",
    ):
        assert expected in text, expected


def test_the_seller_address_comes_from_the_setting_as_frozen_at_issue(buyer):
    shop("components")
    with override_settings(STORE_ADDRESS="Room 1203, Block A; 88 Keyuan Road\nShenzhen 518057"):
        invoice = ship(customs_order(buyer, commercial_invoice=True))
    assert invoice.data["seller"]["address"] == ["Room 1203, Block A", "88 Keyuan Road", "Shenzhen 518057"]
    with override_settings(STORE_ADDRESS="Elsewhere 1"):
        assert "88 Keyuan Road" in pdf_text(invoice_pdf(invoice=invoice))


def test_free_shipping_and_ddp_are_spelled_out(buyer):
    shop("direct")
    order = customs_order(buyer, method="paypal", commercial_invoice=True)
    assert order.incoterm == "DDP" and order.shipping_total == 0  # free shipping, duties paid
    invoice = ship(order)
    assert invoice.incoterm == "DDP" and invoice.data["totals"]["shipping_free"]
    text = pdf_text(invoice_pdf(invoice=invoice))
    assert "Shipping 0.00 (free)" in text
    assert "Incoterm DDP" in text and "import duties and taxes are paid by the seller" in text


def test_downloading_again_gives_the_same_bytes_even_after_the_order_changes(invoice):
    first = invoice_pdf(invoice=invoice)
    stored = Invoice.objects.get(pk=invoice.pk)
    assert bytes(stored.pdf) == first and stored.pdf_sha256 == hashlib.sha256(first).hexdigest()
    assert stored.pdf_rendered_at is not None
    # Live rows change; the document doesn't.
    OrderLine.objects.filter(order=invoice.order).update(hs_code="9999.99", title="Something else")
    Order.objects.filter(pk=invoice.order_id).update(ship_name="Somebody Else")
    again = invoice_pdf(invoice=Invoice.objects.defer("pdf").get(pk=invoice.pk))
    assert again == first
    assert "9999.99" not in pdf_text(again) and "Somebody Else" not in pdf_text(again)


def test_a_second_writer_does_not_replace_stored_bytes(invoice, monkeypatch):
    """Two first downloads at once: both render, the conditional UPDATE keeps the first stored PDF."""
    winner = b"%PDF-1.7 the racer stored this first"

    def render_while_a_racer_stores(data):
        Invoice.objects.filter(pk=invoice.pk).update(
            pdf=winner, pdf_sha256=hashlib.sha256(winner).hexdigest()
        )
        return b"%PDF-1.7 rendered too late"

    monkeypatch.setattr(services, "document_pdf", render_while_a_racer_stores)
    assert invoice_pdf(invoice=invoice) == winner
    assert bytes(Invoice.objects.get(pk=invoice.pk).pdf) == winner
    monkeypatch.setattr(services, "document_pdf", lambda data: pytest.fail("rendered twice"))
    assert invoice_pdf(invoice=invoice) == winner


def test_the_document_is_rendered_from_the_frozen_data_alone(invoice):
    html = document_html(invoice.data)
    assert invoice.number in html and "http://" not in html and "https://" not in html
    # The same data always gives the same HTML: nothing live (clock, order rows) goes into it.
    Order.objects.filter(pk=invoice.order_id).update(ship_name="Somebody Else")
    assert document_html(invoice.data) == html
