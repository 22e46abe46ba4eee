"""The end of an order's life: an unpaid order lapses with its own email; a delivered order completes."""

from datetime import timedelta

import pytest
from django.core import mail

from tradepost.orders import services
from tradepost.orders.models import OrderStatus
from tradepost.orders.tests.factories import place, shop

pytestmark = pytest.mark.django_db


def test_a_lapsed_order_gets_its_own_email_not_a_cancellation(buyer, django_capture_on_commit_callbacks):
    shop("components")
    order = place(buyer, {"TI-LM317T": 10})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.orders_expire_unpaid(now=order.payment_due_at + timedelta(minutes=1)) == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [buyer.email]
    assert email.subject.endswith(f"Order {order.number} lapsed unpaid")
    assert "cancelled" not in email.subject.lower()
    due = f"{order.payment_due_at:%Y-%m-%d %H:%M} UTC"
    html = email.alternatives[0][0]
    for body in (email.body, html):
        assert f"was not paid by {due}" in body
        assert "went back to stock" in body and "LM317" in body
        assert "already sent a payment" in body
        assert "refund" not in body
        assert f"/account/orders/{order.number}/" in body


def test_a_partly_paid_order_that_lapses_says_what_comes_back(buyer, django_capture_on_commit_callbacks):
    from decimal import Decimal

    from tradepost.orders.tests.factories import staff_member
    from tradepost.payments.services import wire_receipt_record

    shop("components")
    order = place(buyer, {"TI-LM317T": 10})
    wire_receipt_record(order=order, amount=Decimal("1.00"), bank_reference="PART-1", actor=staff_member())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.orders_expire_unpaid(now=order.payment_due_at + timedelta(minutes=1))
    lapsed = [m for m in mail.outbox if "lapsed" in m.subject]
    assert len(lapsed) == 1 and "we will refund 1.00 USD" in lapsed[0].body
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "non_payment"


def test_a_buyer_who_cancels_still_gets_the_cancellation_email(buyer, django_capture_on_commit_callbacks):
    shop("components")
    order = place(buyer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.order_cancel(order=order, actor=buyer)
    assert [m.subject.split("] ")[-1] for m in mail.outbox] == [f"Order {order.number} cancelled"]
