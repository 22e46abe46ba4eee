"""Quote desk pages: queue by due time, compose/revise/decline, SLA page; production for dispatch."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tradepost.orders.tests.factories import staff_member
from tradepost.payments.services import wire_receipt_record
from tradepost.quotes.models import Inquiry, QuotationStatus
from tradepost.quotes.tests.factories import (
    a_date,
    accept,
    cart_inquiry,
    customized_inquiry,
    quote_shop,
    sales_staff,
    send_quotation,
    unlisted_inquiry,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, buyer):
    quote_shop()
    staff = sales_staff()
    client.force_login(staff)
    return staff


def lines_post(rows, **extra):
    data = {"action": "quote", "lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": "0", **extra}
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"lines-{n}-{key}"] = value
    return data


def test_queue_shows_overdue_first_and_highlights(client, desk, buyer):
    with time_machine.travel(timezone.now() - timedelta(hours=13)):
        late = unlisted_inquiry(buyer, part_number="LATE-1")
    fresh = cart_inquiry(buyer)
    html = client.get("/desk/quotes/").content.decode()
    assert html.index(late.number) < html.index(fresh.number)
    assert "overdue" in html and "<strong>1</strong> overdue" in html
    assert "<strong>1</strong> overdue" in client.get("/desk/").content.decode()


def test_compose_a_quotation_with_field_errors_then_send_and_revise(client, desk, buyer):
    inquiry = unlisted_inquiry(buyer)
    page = client.get(f"/desk/quotes/{inquiry.number}/").content.decode()
    assert "STM32F103C8T6" in page and "Compose a quotation" in page
    bad = client.post(
        f"/desk/quotes/{inquiry.number}/",
        lines_post([{"mpn": "STM32F103C8T6", "title": "", "quantity": "100"}]),
    )
    html = bad.content.decode()
    assert bad.status_code == 400 and "This is required." in html
    assert not inquiry.quotations.exists()
    row = {
        "mpn": "STM32F103C8T6",
        "title": "MCU",
        "quantity": "100",
        "unit_price": "1.05",
        "weight_grams": "2",
    }
    sent = client.post(f"/desk/quotes/{inquiry.number}/", lines_post([row, {}]), follow=True)
    assert sent.status_code == 200 and "Quotation v1 sent" in sent.content.decode()
    revised = client.post(
        f"/desk/quotes/{inquiry.number}/",
        lines_post([{**row, "unit_price": "0.99"}], valid_until=a_date(3).isoformat()),
        follow=True,
    )
    assert "Quotation v2 sent" in revised.content.decode()
    assert list(inquiry.quotations.values_list("version", "status")) == [
        (2, QuotationStatus.SENT),
        (1, QuotationStatus.SUPERSEDED),
    ]


def test_customized_needs_a_ship_date_and_shows_drawings(client, desk, buyer):
    inquiry = customized_inquiry(buyer)
    page = client.get(f"/desk/quotes/{inquiry.number}/").content.decode()
    assert (
        "drawing.pdf" in page
        and "Promised ship date" in page
        and "<dt>Connector A</dt><dd>USB-C</dd>" in page
    )
    attachment = inquiry.attachments.get()
    assert client.get(f"/desk/quotes/files/{attachment.pk}/").status_code == 200
    row = {"mpn": "CAB-1", "title": "Cable", "quantity": "200", "unit_price": "2"}
    missing = client.post(f"/desk/quotes/{inquiry.number}/", lines_post([row]))
    assert missing.status_code == 400 and "need a ship date" in missing.content.decode()
    ok = client.post(
        f"/desk/quotes/{inquiry.number}/", lines_post([row], promised_ship_date=a_date(9).isoformat())
    )
    assert ok.status_code == 302
    assert inquiry.quotations.get().promised_ship_date == a_date(9)


def test_assign_note_message_and_decline(client, desk, buyer):
    inquiry = cart_inquiry(buyer)
    url = f"/desk/quotes/{inquiry.number}/"
    assert client.post(url, {"action": "assign", "assignee": desk.pk}).status_code == 302
    assert client.post(url, {"action": "note", "note": "ask supplier"}).status_code == 302
    assert client.post(url, {"action": "message", "message": "Lead-free ok?"}).status_code == 302
    assert client.post(url, {"action": "decline", "reason": ""}).status_code == 400
    assert client.post(url, {"action": "decline", "reason": "No stock anywhere"}).status_code == 302
    inquiry = Inquiry.objects.get(pk=inquiry.pk)
    assert inquiry.assigned_to == desk and inquiry.status == "declined"
    assert "ask supplier" in client.get(url).content.decode()


def test_metrics_page(client, desk, buyer):
    inquiry = cart_inquiry(buyer)
    send_quotation(inquiry, desk)
    html = client.get("/desk/quotes/metrics/").content.decode()
    assert "Median time to quote" in html and "100 %" in html


def test_quote_desk_is_404_for_other_desks_and_buyers(client, desk, buyer):
    inquiry = customized_inquiry(buyer)
    attachment = inquiry.attachments.get()
    for user in (staff_member("ops@example.com", desks=("fulfilment",)), buyer):
        client.force_login(user)
        for url in (
            "/desk/quotes/",
            f"/desk/quotes/{inquiry.number}/",
            "/desk/quotes/metrics/",
            f"/desk/quotes/files/{attachment.pk}/",
        ):
            assert client.get(url).status_code == 404, (user, url)


def test_dispatch_desk_sees_customized_orders_by_promised_date_and_late_ones(client, desk, buyer):
    early = customized_inquiry(buyer)
    late = customized_inquiry(buyer)
    order_early, _ = accept(buyer, send_quotation(early, desk, promised_ship_date=a_date(3)))
    order_late, _ = accept(buyer, send_quotation(late, desk, promised_ship_date=a_date(1)))
    ops = staff_member("ops@example.com", desks=("fulfilment", "finance"))
    for order in (order_early, order_late):
        wire_receipt_record(order=order, amount=order.total, bank_reference=f"B{order.pk}", actor=ops)
    client.force_login(ops)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        html = client.get("/desk/shipping/customized/").content.decode()
    assert html.index(order_late.number) < html.index(order_early.number)
    assert "<strong>1</strong> late" in html
    ready = client.post(f"/desk/shipping/customized/{order_early.number}/ready/", follow=True)
    assert "ready to ship" in ready.content.decode()
    assert order_early.production.__class__.objects.get(order=order_early).ready_at is not None
    client.force_login(desk)
    assert client.get("/desk/shipping/customized/").status_code == 404
