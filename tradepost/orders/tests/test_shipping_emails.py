"""Shipping in the buyer's emails: the delivery promise, each parcel with its tracking link, delivery.

Time is frozen at a Monday 20:00 UTC, already Tuesday 04:00 at the Shanghai warehouse, so a date written
in UTC instead of the store's timezone shows the day before.
"""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tradepost.orders import services as order_services
from tradepost.orders.emails import order_email_queue
from tradepost.orders.tests.factories import place, shop, staff_member
from tradepost.payments.models import Transaction
from tradepost.payments.services import payment_receipt_record, wire_receipt_record
from tradepost.shipping.services import shipment_create, tracking_events_record

pytestmark = pytest.mark.django_db

MONDAY_EVENING_UTC = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # Tue 24 Nov 04:00 in Asia/Shanghai
UPS_LINK = "https://www.ups.com/track?tracknum="


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(MONDAY_EVENING_UTC, tick=False)


def paid(order, staff):
    """The whole total received: a wire transfer from the bank statement, or a PayPal capture."""
    if order.payment_method == "wire_transfer":
        wire_receipt_record(order=order, amount=order.total, bank_reference=f"B-{order.number}", actor=staff)
    else:
        payment_receipt_record(
            order=order, amount=order.total, source=Transaction.Source.PAYPAL, external_id=f"C-{order.number}"
        )
    order.refresh_from_db()
    return order


def lines_by_sku(order) -> dict:
    return {line.sku: line for line in order.lines.all()}


def sent(kind_subject: str) -> list:
    return [message for message in mail.outbox if kind_subject in message.subject]


def html_of(message) -> str:
    return message.alternatives[0][0]


def test_the_shipped_email_names_the_parcel_its_tracking_link_lines_and_window(
    buyer, django_capture_on_commit_callbacks
):
    shop()
    staff = staff_member()
    order = paid(place(buyer, {"TI-LM317T": 10, "AMS-1117-33": 5}), staff)
    lines = lines_by_sku(order)
    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipment_create(
            order=order,
            actor=staff,
            carrier="ups",
            service="saver",
            tracking_number="1Z999AA10123456784",
            quantities={lines["TI-LM317T"].pk: 10},
        )
    [email] = sent("a parcel is on its way")
    assert email.to == [buyer.email] and order.number in email.subject
    body = email.body
    assert f"Parcel {shipment.number} of your order {order.number}" in body
    assert "UPS Worldwide Saver" in body and "left our warehouse on Tue 24 Nov 2026" in body
    assert "Tracking number: 1Z999AA10123456784" in body
    assert f"Follow it: {UPS_LINK}1Z999AA10123456784" in body
    # UPS Saver: 3-7 working days from Tuesday 04:00 Shanghai time.
    assert "Expected delivery: between Fri 27 Nov and Thu 3 Dec 2026" in body
    in_parcel, _, still = body.partition("Still to ship")
    assert "- 10 x LM317T (Texas Instruments)" in in_parcel and "AMS1117" not in in_parcel
    assert "- 5 x AMS1117-3.3 (Advanced Monolithic Systems)" in still
    assert "yours to pay on arrival (DAP)" in body
    html = html_of(email)
    assert f'<a href="{UPS_LINK}1Z999AA10123456784">1Z999AA10123456784</a>' in html
    assert "<strong>Fri 27 Nov</strong>" in html and "10 × LM317T" in html


def test_each_parcel_email_is_about_its_own_parcel_even_when_both_are_sent_late(
    buyer, django_capture_on_commit_callbacks
):
    shop()
    staff = staff_member()
    order = paid(place(buyer, {"TI-LM317T": 10, "AMS-1117-33": 5}), staff)
    lines = lines_by_sku(order)
    # Both parcels are written before either email goes out, as with a slow mail queue.
    with django_capture_on_commit_callbacks(execute=True):
        first = shipment_create(
            order=order,
            actor=staff,
            carrier="ups",
            service="saver",
            tracking_number="1ZFIRST0001",
            quantities={lines["TI-LM317T"].pk: 10},
        )
        second = shipment_create(
            order=order, actor=staff, carrier="ups", service="saver", tracking_number="1ZSECOND0002"
        )
    emails = sent("a parcel is on its way")
    assert [e.body.count(f"Parcel {s.number} ") for e, s in zip(emails, (first, second), strict=True)] == [
        1,
        1,
    ]
    assert "1ZFIRST0001" in emails[0].body and "1ZSECOND0002" not in emails[0].body
    assert "1ZSECOND0002" in emails[1].body and "AMS1117-3.3" in emails[1].body


def test_the_delivered_email_follows_the_last_parcels_delivery(buyer, django_capture_on_commit_callbacks):
    shop()
    staff = staff_member()
    order = paid(place(buyer), staff)
    shipment = shipment_create(
        order=order, actor=staff, carrier="ups", service="saver", tracking_number="1ZDELIVER01"
    )
    with django_capture_on_commit_callbacks(execute=True):
        tracking_events_record(
            events=[
                {
                    "carrier": "ups",
                    "tracking_number": "1ZDELIVER01",
                    "event_id": "ev-1",
                    "occurred_at": "2026-11-23T19:30:00Z",  # Tue 24 Nov 03:30 in Shanghai
                    "status": "delivered",
                    "location": "Amsterdam",
                }
            ],
            actor=None,
        )
    [email] = sent("delivered")
    assert f"Your order {order.number} has been delivered (Tue 24 Nov 2026)." in email.body
    assert f"- Parcel {shipment.number}, UPS 1ZDELIVER01: delivered Tue 24 Nov 2026 03:30" in email.body
    assert f'<a href="{UPS_LINK}1ZDELIVER01">1ZDELIVER01</a>' in html_of(email)


def test_placed_and_paid_emails_carry_the_delivery_promise(buyer, django_capture_on_commit_callbacks):
    shop()
    with django_capture_on_commit_callbacks(execute=True):
        order = place(buyer)
    [placed] = sent("received")
    # Before payment the clock has not started: the promise is in working days.
    assert (
        "We dispatch within 3 to 5 working days of payment, then 3 to 7 working days in transit "
        "(UPS Worldwide Saver)." in placed.body
    )
    assert "yours to pay on arrival (DAP)" in placed.body
    with django_capture_on_commit_callbacks(execute=True):
        paid(order, staff_member())
    [payment] = sent("Payment received")
    # Paid Tue 24 Nov 04:00 Shanghai: dispatch by +5 working days, delivered 3+3 to 5+7 working days on.
    assert "Dispatch by Tue 1 Dec 2026; delivered between Wed 2 Dec and Thu 10 Dec 2026" in payment.body
    assert "<strong>Tue 1 Dec 2026</strong>" in html_of(payment)


def test_the_direct_store_promises_from_approval_with_duties_paid(buyer, django_capture_on_commit_callbacks):
    shop("direct")
    staff = staff_member()
    with django_capture_on_commit_callbacks(execute=True):
        order = place(buyer, method="paypal")
    [placed] = sent("received")
    assert "We dispatch within 1 to 3 working days of our approval, then 6 to 12 working days" in placed.body
    assert "Duties and taxes are paid by us (DDP): nothing to pay on arrival." in placed.body
    paid(order, staff)
    with django_capture_on_commit_callbacks(execute=True):
        order_services.order_approve(order=order, actor=staff, note="")
    [approved] = sent("approved")
    assert "Dispatch by Fri 27 Nov 2026; delivered between" in approved.body


def test_a_shipped_email_without_a_parcel_to_show_still_goes_out_with_its_message(
    buyer, django_capture_on_commit_callbacks
):
    shop()
    order = place(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        order_email_queue(order=order, kind="shipped", message="Parcel TP-X-1 shipped with UPS.")
    assert "Parcel TP-X-1 shipped with UPS." in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        order_email_queue(order=order, kind="delivered")
    assert f"Your order {order.number} has been delivered." in mail.outbox[-1].body


def test_the_placed_email_is_rendered_from_what_placing_wrote_and_any_other_reads_the_order(
    buyer, django_capture_on_commit_callbacks
):
    shop()
    with CaptureQueriesContext(connection) as placing, django_capture_on_commit_callbacks(execute=True):
        order = place(buyer)
    [placed] = sent("received")
    assert "LM317T" in placed.body
    after_insert = [q["sql"] for q in placing.captured_queries if q["sql"].startswith("SELECT")][-3:]
    assert not any('FROM "orders_order"' in sql for sql in after_insert)  # the email read nothing back
    # Any other email reads the order again, even from the instance placing returned.
    with CaptureQueriesContext(connection) as holding, django_capture_on_commit_callbacks(execute=True):
        order_email_queue(order=order, kind="on_hold", message="Checking the address")
    [held] = sent("on hold")
    assert "Checking the address" in held.body
    assert any('FROM "orders_order"' in q["sql"] for q in holding.captured_queries)
