"""The invoice on the buyer's order page and on the staff order page, and the PDF downloads from them."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tradepost.invoices.tests.factories import customs_order, pdf_text, ship
from tradepost.orders.tests.factories import shop, staff_member

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def page(order) -> str:
    return f"/account/orders/{order.number}/"


def invoice_section(html: str) -> str:
    match = re.search(r'<section class="card" id="invoice".*?</section>', html, re.S)
    assert match, "no invoice section"
    return match.group(0)


@pytest.fixture
def order(buyer):
    shop("components")
    with time_machine.travel(T0, tick=False):
        return customs_order(buyer)


def test_the_buyer_asks_from_the_order_page_and_downloads_once_it_ships(client, buyer, order):
    client.force_login(buyer)
    section = invoice_section(client.get(page(order)).content.decode())
    assert "Not requested" in section and "up to 5 days after it ships" in section
    assert f'action="/account/orders/{order.number}/invoice/"' in section and "csrfmiddlewaretoken" in section
    assert "Request a commercial invoice" in section

    response = client.post(f"/account/orders/{order.number}/invoice/", follow=True)
    assert response.redirect_chain == [(page(order) + "#invoice", 302)]
    html = response.content.decode()
    assert "Requested: the commercial invoice is issued when the order ships." in invoice_section(html)
    assert "Request a commercial invoice" not in invoice_section(html)
    assert "Commercial invoice requested; it will be issued when the order ships." in html  # the history

    invoice = ship(order, staff_member())
    section = invoice_section(client.get(page(order)).content.decode())
    assert invoice.number in section and "Download PDF" in section
    download = client.get(f"/account/orders/{order.number}/invoice.pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert invoice.number in pdf_text(download.content)
    assert client.get(f"/account/orders/{order.number}/invoice.pdf").content == download.content


def test_the_page_shows_the_window_after_shipment_and_when_it_closed(client, buyer, order):
    with time_machine.travel(T0, tick=False):
        ship(order)
    client.force_login(buyer)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        section = invoice_section(client.get(page(order)).content.decode())
    assert "You can ask for one until 2026-03-15 10:00 UTC" in section
    assert "Request a commercial invoice" in section
    with time_machine.travel(T0 + timedelta(days=6), tick=False):
        section = invoice_section(client.get(page(order)).content.decode())
        assert "The request window closed on 2026-03-15 10:00 UTC." in section
        assert "Request a commercial invoice" not in section
        refused = client.post(f"/account/orders/{order.number}/invoice/")
    assert refused.status_code == 409
    assert "the window closed on 2026-03-15" in refused.content.decode()


def test_within_the_window_the_request_issues_it_at_once(client, buyer, order):
    with time_machine.travel(T0, tick=False):
        ship(order)
    client.force_login(buyer)
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        response = client.post(f"/account/orders/{order.number}/invoice/", follow=True)
    html = response.content.decode()
    assert "is ready to download" in html and "Download PDF" in invoice_section(html)


def test_another_buyer_and_anonymous_visitors_get_nothing(client, buyer, other_buyer, order):
    ship(order)
    client.force_login(buyer)
    client.post(f"/account/orders/{order.number}/invoice/")
    assert client.get(f"/account/orders/{order.number}/invoice.pdf").status_code == 200
    client.force_login(other_buyer)
    assert client.get(f"/account/orders/{order.number}/invoice.pdf").status_code == 404
    assert client.post(f"/account/orders/{order.number}/invoice/").status_code == 404
    assert client.get("/account/orders/TP-NOSUCH/invoice.pdf").status_code == 404
    client.logout()
    response = client.get(f"/account/orders/{order.number}/invoice.pdf")
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_a_download_before_issue_is_404(client, buyer, order):
    client.force_login(buyer)
    assert client.get(f"/account/orders/{order.number}/invoice.pdf").status_code == 404


def test_a_number_no_database_can_store_is_404_not_a_server_error(client, buyer, order):
    client.force_login(buyer)
    assert client.post("/account/orders/TP%00x/invoice/").status_code == 404
    assert client.get("/account/orders/TP%00x/invoice.pdf").status_code == 404
    client.force_login(staff_member())
    assert client.get("/desk/orders/TP%00x/invoice.pdf").status_code == 404


# --- Back office ----------------------------------------------------------------------------------------


def test_the_staff_order_page_links_the_invoice_for_the_desks(client, buyer):
    shop("wholesale")
    order = customs_order(buyer, method="paypal")
    fulfilment = staff_member("fulfilment@example.com", desks=("fulfilment",))
    client.force_login(fulfilment)
    html = client.get(f"/desk/orders/{order.number}/").content.decode()
    assert "Issued automatically when the order ships" in invoice_section(html)
    assert client.get(f"/desk/orders/{order.number}/invoice.pdf").status_code == 404

    invoice = ship(order, fulfilment)
    section = invoice_section(client.get(f"/desk/orders/{order.number}/").content.decode())
    link = f'href="/desk/orders/{order.number}/invoice.pdf"'
    assert invoice.number in section and link in section and "fulfilment@example.com" in section
    first = client.get(f"/desk/orders/{order.number}/invoice.pdf")
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'

    client.force_login(staff_member("finance@example.com", desks=("finance",)))
    assert client.get(f"/desk/orders/{order.number}/invoice.pdf").content == first.content
    client.force_login(staff_member("sales@example.com", desks=("sales",)))
    assert client.get(f"/desk/orders/{order.number}/invoice.pdf").status_code == 404
    client.force_login(buyer)
    assert client.get(f"/desk/orders/{order.number}/invoice.pdf").status_code == 404
    client.logout()
    assert client.get(f"/desk/orders/{order.number}/invoice.pdf").status_code == 302


def test_the_admin_shows_invoices_read_only(client, buyer):
    shop("wholesale")
    invoice = ship(customs_order(buyer, method="paypal"))
    admin = staff_member("admin@example.com")
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    listing = client.get("/admin/invoices/invoice/")
    assert listing.status_code == 200 and invoice.number in listing.content.decode()
    detail = client.get(f"/admin/invoices/invoice/{invoice.pk}/change/")
    assert detail.status_code == 200 and "8542.39.0001" in detail.content.decode()
    assert client.get("/admin/invoices/invoice/add/").status_code == 403
