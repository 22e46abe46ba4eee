"""The invoices API: a buyer asks, reads and downloads; the fulfilment and finance desks download."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for
from tradepost.invoices.models import Invoice
from tradepost.invoices.tests.factories import customs_order, pdf_text, ship
from tradepost.orders.models import OrderEvent
from tradepost.orders.tests.factories import shop, staff_member

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def url(order, suffix: str = "") -> str:
    return f"/orders/{order.number}/invoice{suffix}"


@pytest.fixture
def order(buyer):
    shop("components")
    return customs_order(buyer)


def test_ask_before_shipment_then_download_once_it_ships(client, buyer, order):
    auth = token_for(buyer)
    body = client.get(API + url(order), **auth).json()
    assert body["order"] == order.number and body["state"] == "not_requested" and body["can_request"]
    assert body["invoice"] is None and body["requested"] is False
    assert_problem(client.get(API + url(order, ".pdf"), **auth), 404, code="invoice_not_found")

    first = post(client, url(order), {}, **auth)
    assert first.status_code == 202, first.content
    assert first.json()["state"] == "requested" and first.json()["requested"] is True
    again = post(client, url(order), {}, **auth)
    assert again.status_code == 202 and again.json() == first.json()
    assert OrderEvent.objects.filter(order=order, kind="invoice").count() == 1

    invoice = ship(order, staff_member())
    body = client.get(API + url(order), **auth).json()
    assert body["state"] == "issued" and not body["can_request"]
    meta = body["invoice"]
    assert meta["number"] == invoice.number and meta["incoterm"] == order.incoterm
    assert meta["total"] == str(order.total) and meta["currency"] == "USD" and meta["pdf_sha256"] == ""
    assert meta["pdf_url"] == API + url(order, ".pdf") and meta["requested_at"]

    response = client.get(meta["pdf_url"], **auth)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    pdf = response.content
    assert invoice.number in pdf_text(pdf) and "8542.39.0001" in pdf_text(pdf)
    assert client.get(meta["pdf_url"], **auth).content == pdf  # the stored bytes, every time
    assert client.get(API + url(order), **auth).json()["invoice"]["pdf_sha256"]

    issued = post(client, url(order), {}, **auth)
    assert issued.status_code == 200 and issued.json()["invoice"]["number"] == invoice.number


def test_after_shipment_asking_issues_at_once_until_the_window_closes(client, buyer):
    shop("components")
    with time_machine.travel(T0, tick=False):
        on_time, late = customs_order(buyer), customs_order(buyer)
        ship(on_time)
        ship(late)
    auth = token_for(buyer)
    with time_machine.travel(T0 + timedelta(days=4), tick=False):
        status = client.get(API + url(on_time), **auth).json()
        assert status["request_window_closes_at"].startswith("2026-03-15T10:00")
        response = post(client, url(on_time), {}, **auth)
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "issued" and response.json()["invoice"]["number"].endswith("000001")
    with time_machine.travel(T0 + timedelta(days=5, seconds=1), tick=False):
        body = assert_problem(post(client, url(late), {}, **auth), 409, code="invoice_request_closed")
        assert client.get(API + url(late), **auth).json()["state"] == "closed"
    assert "closed on 2026-03-15" in body["detail"]
    assert not Invoice.objects.filter(order=late).exists()


def test_a_cancelled_order_is_refused(client, buyer, order):
    auth = token_for(buyer)
    post(client, f"/orders/{order.number}/cancel", {}, **auth)
    assert_problem(post(client, url(order), {}, **auth), 409, code="order_cancelled")
    assert client.get(API + url(order), **auth).json()["state"] == "unavailable"


def test_another_buyer_and_anonymous_get_nothing(client, buyer, other_buyer, order):
    ship(order)  # not requested: no invoice yet
    post(client, url(order), {}, **token_for(buyer))  # within the window: issued now
    assert Invoice.objects.filter(order=order).exists()
    theirs = token_for(other_buyer)
    for response in (
        client.get(API + url(order), **theirs),
        post(client, url(order), {}, **theirs),
        client.get(API + url(order, ".pdf"), **theirs),
        client.get(API + "/orders/TP-NOSUCH/invoice.pdf", **token_for(buyer)),
        client.get(API + f"/desk/orders/{order.number}/invoice.pdf", **token_for(buyer)),
    ):
        assert_problem(response, 404)
    for response in (
        client.get(API + url(order)),
        post(client, url(order), {}),
        client.get(API + url(order, ".pdf")),
    ):
        assert_problem(response, 401)


def test_fulfilment_and_finance_desks_download_any_invoice(client, buyer):
    shop("wholesale")
    order = customs_order(buyer, method="paypal")
    path = f"/desk/orders/{order.number}/invoice"
    fulfilment = token_for(staff_member("fulfilment@example.com", desks=("fulfilment",)))
    assert client.get(API + path, **fulfilment).json()["state"] == "automatic"
    assert_problem(client.get(API + path + ".pdf", **fulfilment), 404, code="invoice_not_found")
    invoice = ship(order)
    finance = token_for(staff_member("finance@example.com", desks=("finance",)))
    downloads = []
    for auth in (fulfilment, finance):
        response = client.get(API + path + ".pdf", **auth)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert invoice.number in response["Content-Disposition"]
        downloads.append(response.content)
    assert downloads[0] == downloads[1]
    meta = client.get(API + path, **finance).json()["invoice"]
    assert meta["number"] == invoice.number and meta["pdf_url"] == API + path + ".pdf"
    sales = token_for(staff_member("sales@example.com", desks=("sales",)))
    assert_problem(client.get(API + path + ".pdf", **sales), 404)
    assert_problem(client.get(API + path, **sales), 404)
