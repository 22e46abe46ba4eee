"""Inquiry cart, new inquiries with files, My inquiries, quotation checkout; others' inquiries are 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tradepost.orders.models import Order
from tradepost.orders.tests.factories import make_address
from tradepost.quotes.models import Inquiry, Quotation
from tradepost.quotes.tests.factories import PDF, a_date, quote_shop, sales_staff, send_quotation

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_ready(client, buyer):
    quote_shop()
    address = make_address(buyer)
    client.force_login(buyer)
    return address


def test_product_page_to_inquiry_cart_to_sent_inquiry(client, shop_ready, buyer):
    page = client.get("/products/TI-LM317T/").content.decode()
    assert "Add to inquiry cart" in page
    response = client.post(
        "/inquiry-cart/add/", {"sku": "TI-LM317T", "quantity": "250", "target_price": "0.29"}, follow=True
    )
    html = response.content.decode()
    assert response.status_code == 200 and "LM317T" in html and 'value="250"' in html
    bad = client.post("/inquiry-cart/", {"action": "update", "sku": "TI-LM317T", "quantity": "0"})
    assert bad.status_code == 400
    client.post(
        "/inquiry-cart/", {"action": "update", "sku": "TI-LM317T", "quantity": "300", "target_price": ""}
    )
    sent = client.post("/inquiry-cart/", {"action": "submit", "notes": "For a PSU batch"}, follow=True)
    html = sent.content.decode()
    inquiry = Inquiry.objects.get()
    assert inquiry.lines.get().quantity == 300
    assert inquiry.number in html and "due by" in html
    empty = client.post("/inquiry-cart/", {"action": "submit"})
    assert empty.status_code == 400 and "empty" in empty.content.decode()
    listing = client.get("/account/inquiries/").content.decode()
    assert inquiry.number in listing and "Waiting for a quotation" in listing


def test_unlisted_and_customized_forms_with_files_and_field_errors(client, shop_ready):
    bad = client.post(
        "/account/inquiries/new/unlisted/",
        {
            "part_number": "NE555",
            "quantity": "10",
            "files": [SimpleUploadedFile("x.exe", b"MZ\x90", "application/octet-stream")],
        },
    )
    assert bad.status_code == 400 and "send PDF" in bad.content.decode()
    assert not Inquiry.objects.exists()
    ok = client.post(
        "/account/inquiries/new/unlisted/",
        {
            "part_number": "NE555",
            "quantity": "10",
            "files": [SimpleUploadedFile("d.pdf", PDF, "application/pdf")],
        },
        follow=True,
    )
    assert ok.status_code == 200 and "d.pdf" in ok.content.decode()
    chooser = client.get("/account/inquiries/new/customized/").content.decode()
    assert "Cable assemblies" in chooser
    form = client.get("/account/inquiries/new/customized/?type=cable-assemblies").content.decode()
    assert "Length (mm)" in form and "JST-XH" in form
    wrong = client.post(
        "/account/inquiries/new/customized/",
        {
            "product_type": "cable-assemblies",
            "spec_length_mm": "5",
            "spec_connector_a": "USB-C",
            "quantity": "3",
        },
    )
    html = wrong.content.decode()
    assert wrong.status_code == 400 and "At least 10 mm" in html and "Connector B is required" in html
    done = client.post(
        "/account/inquiries/new/customized/",
        {
            "product_type": "cable-assemblies",
            "spec_length_mm": "150",
            "spec_connector_a": "USB-C",
            "spec_connector_b": "USB-A",
            "quantity": "3",
            "files": [SimpleUploadedFile("drawing.pdf", PDF, "application/pdf")],
        },
        follow=True,
    )
    assert done.status_code == 200 and "drawing.pdf" in done.content.decode()
    assert "<dt>Length</dt><dd>150 mm</dd>" in done.content.decode()
    assert Inquiry.objects.get(kind="customized").spec["length_mm"] == "150"
    assert client.get("/account/inquiries/new/customized/?type=regulators").status_code == 404


def test_quotation_checkout_places_the_order_once_and_others_get_404(client, shop_ready, buyer, other_buyer):
    client.post("/inquiry-cart/add/", {"sku": "TI-LM317T", "quantity": "20"})
    client.post("/inquiry-cart/", {"action": "submit"})
    inquiry = Inquiry.objects.get()
    quotation = send_quotation(inquiry, sales_staff())
    detail = client.get(f"/account/inquiries/{inquiry.number}/").content.decode()
    assert "Accept and order" in detail and "$6.00" in detail
    page = client.get(f"/account/quotations/{quotation.pk}/order/")
    assert page.status_code == 200
    total = page.context["totals"].total
    form = {
        "address_id": shop_ready.pk,
        "shipping_method": page.context["preview"].shipping_choice.code,
        "payment_method": "wire_transfer",
        "expected_total": str(total),
        "action": "place",
    }
    placed = client.post(f"/account/quotations/{quotation.pk}/order/", form, follow=True)
    assert placed.status_code == 200 and "placed at the quoted prices" in placed.content.decode()
    order = Order.objects.get()
    assert order.lines.get().unit_price == quotation.lines.get().unit_price
    again = client.post(f"/account/quotations/{quotation.pk}/order/", form)
    assert again.status_code == 302 and Order.objects.count() == 1

    client.force_login(other_buyer)
    assert client.get(f"/account/inquiries/{inquiry.number}/").status_code == 404
    assert client.get(f"/account/quotations/{quotation.pk}/order/").status_code == 404
    assert client.post(f"/account/quotations/{quotation.pk}/decline/").status_code == 404


def test_decline_and_superseded_quotations_cannot_be_ordered_from_the_page(client, shop_ready, buyer):
    client.post("/inquiry-cart/add/", {"sku": "TI-LM317T", "quantity": "20"})
    client.post("/inquiry-cart/", {"action": "submit"})
    inquiry = Inquiry.objects.get()
    staff = sales_staff()
    first = send_quotation(inquiry, staff)
    second = send_quotation(inquiry, staff, valid_until=a_date(2))
    old = client.get(f"/account/quotations/{first.pk}/order/")
    assert old.status_code == 409 and "newer version" in old.content.decode()
    response = client.post(f"/account/quotations/{second.pk}/decline/", {"reason": "Too dear"}, follow=True)
    assert "declined" in response.content.decode()
    assert Quotation.objects.get(pk=second.pk).status == "declined"


def test_files_download_for_owner_only(client, shop_ready, other_buyer):
    client.post(
        "/account/inquiries/new/unlisted/",
        {
            "part_number": "NE555",
            "quantity": "10",
            "files": [SimpleUploadedFile("d.pdf", PDF, "application/pdf")],
        },
    )
    attachment = Inquiry.objects.get().attachments.get()
    response = client.get(f"/account/inquiry-files/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    client.force_login(other_buyer)
    assert client.get(f"/account/inquiry-files/{attachment.pk}/").status_code == 404


def test_customized_order_page_shows_production_and_promised_date(client, shop_ready, buyer):
    from tradepost.quotes.tests.factories import accept, customized_inquiry

    inquiry = customized_inquiry(buyer)
    order, _ = accept(buyer, send_quotation(inquiry, sales_staff(), promised_ship_date=a_date(8)))
    html = client.get(f"/account/orders/{order.number}/").content.decode()
    assert "Customized goods" in html and a_date(8).isoformat() in html and "Waiting for payment" in html
    detail = client.get(f"/account/inquiries/{inquiry.number}/").content.decode()
    assert 'id="production"' in detail
