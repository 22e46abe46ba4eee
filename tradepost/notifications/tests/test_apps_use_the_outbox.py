"""Other apps' emails land in the outbox: orders, memberships (through orders' flow) and after-sales,
with an end customer's secret link sent but never kept."""

from datetime import timedelta

import pytest
from django.core import mail

from tradepost.aftersales import services as aftersales
from tradepost.aftersales.tests.test_services import DELIVERED, _reseller_order, at, claim
from tradepost.notifications.models import Notification
from tradepost.orders.tests.factories import place, shop

pytestmark = pytest.mark.django_db


def test_an_order_email_is_an_outbox_row_for_the_buyer(buyer, django_capture_on_commit_callbacks):
    shop()
    with django_capture_on_commit_callbacks(execute=True):
        order = place(buyer)
    row = Notification.objects.get(kind="orders.placed")
    assert (row.recipient, row.to_email, row.state, row.attempts) == (buyer, buyer.email, "sent", 1)
    assert row.link == f"/account/orders/{order.number}/" and order.number in row.subject
    assert mail.outbox[0].body == row.text


def test_an_end_customers_rma_link_is_emailed_but_not_kept(django_capture_on_commit_callbacks):
    reseller, order = _reseller_order()
    line = order.lines.get(sku="TI-LM317T")
    aftersales.end_customer_register(
        order=order, user=reseller, line_id=line.pk, name="Eve End", email="eve@example.net", serial="sn-9"
    )
    with at(DELIVERED + timedelta(days=40)), django_capture_on_commit_callbacks(execute=True):
        _rma, token = aftersales.rma_request_end_customer(
            order_number=order.number, proof="SN-9", claim=claim(order), ip="198.51.100.9"
        )
    row = Notification.objects.get(kind="aftersales.requested")
    assert (row.recipient, row.to_email, row.state) == (None, "eve@example.net", "sent")
    assert token in mail.outbox[-1].body
    assert token not in row.text + row.html + row.private_text + row.private_html + row.link
