"""Given a store policy and a clock: when the order ships or the buyer asks, which invoice exists and why."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from tradepost.core.exceptions import Conflict, NotFound
from tradepost.invoices.models import Invoice, InvoiceSequence, InvoiceState
from tradepost.invoices.selectors import invoice_for_buyer, invoice_for_staff, invoice_status
from tradepost.invoices.services import REQUESTED_MESSAGE, invoice_issue_if_due, invoice_request
from tradepost.invoices.tests.factories import customs_order, ship
from tradepost.orders.models import Order, OrderEvent
from tradepost.orders.services import order_cancel
from tradepost.orders.tests.factories import shop, staff_member

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def invoice_events(order) -> list[OrderEvent]:
    return list(OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.INVOICE).order_by("id"))


def fresh(order) -> Order:
    return Order.objects.select_related("policy_version", "user").get(pk=order.pk)


# --- Issued at the first shipment -------------------------------------------------------------------------


def test_an_invoice_ticked_at_checkout_is_issued_when_the_order_ships(buyer):
    shop("components")
    staff = staff_member()
    with time_machine.travel(T0, tick=False):
        order = customs_order(buyer, commercial_invoice=True)
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        invoice = ship(order, staff)
    assert invoice.number == "CI-2026-000001" and (invoice.year, invoice.sequence) == (2026, 1)
    assert invoice.issued_by == staff and invoice.issued_at == T0 + timedelta(days=2)
    assert invoice.requested_at == T0 and invoice.requested_by == buyer  # the checkout tick
    assert invoice.incoterm == order.incoterm and invoice.pdf is None  # rendered on first download
    data = invoice.data
    assert data["number"] == invoice.number and data["order_number"] == order.number
    assert data["invoice_date"] == "2026-03-12" and data["incoterm"] == order.incoterm
    assert [(line["mpn"], line["hs_code"], line["country_of_origin"]) for line in data["lines"]] == [
        ("LM317T", "8542.39.0001", "MY"),
        ("RC0603FR-0710KL", "8533.21.0000", "TW"),
    ]
    assert data["lines"][0]["quantity"] == 10 and data["lines"][0]["unit_value"] == "0.44"
    assert data["lines"][0]["total_value"] == "4.40" and data["lines"][1]["unit_value"] == "0.004"
    assert data["totals"]["total"] == str(order.total) and data["total_weight_grams"] == 10 * 2 + 100 * 1
    assert data["seller"]["name"] == "Components Demo Store" and data["seller"]["country"] == "CN"
    assert data["buyer"]["name"] == "Bea Buyer" and data["buyer"]["country"] == "NL"
    [event] = invoice_events(order)
    assert event.message == "Commercial invoice CI-2026-000001 issued." and event.actor == staff
    assert event.data == {"action": "issued", "invoice": "CI-2026-000001"}


def test_no_invoice_when_nobody_asked_for_one(buyer):
    shop("components")
    order = customs_order(buyer)
    assert ship(order, staff_member()) is None
    assert not Invoice.objects.exists() and not InvoiceSequence.objects.exists()
    assert invoice_events(order) == []


def test_an_always_store_issues_one_for_every_order(buyer):
    shop("wholesale")
    order = customs_order(buyer, method="paypal")
    assert order.commercial_invoice_requested  # checkout ticks it for "always" stores
    invoice = ship(order, staff_member())
    assert invoice.number.startswith("CI-") and invoice.requested_at is None and invoice.requested_by is None
    assert invoice.data["seller"]["name"] == "Wholesale Demo Store"


def test_issuing_again_changes_nothing(buyer):
    shop("wholesale")
    order = customs_order(buyer, method="paypal")
    first = ship(order)
    with transaction.atomic():
        again = invoice_issue_if_due(order=fresh(order), actor=None)
    assert again.pk == first.pk and Invoice.objects.count() == 1
    assert InvoiceSequence.objects.get().last_number == 1 and len(invoice_events(order)) == 1
    assert invoice_events(order)[0].actor_role == "system"


def test_the_number_year_is_the_store_calendar_year(buyer):
    shop("components")  # Asia/Shanghai, UTC+8
    late, next_year = (
        customs_order(buyer, commercial_invoice=True),
        customs_order(buyer, commercial_invoice=True),
    )
    with time_machine.travel(datetime(2026, 12, 31, 15, 0, tzinfo=UTC), tick=False):  # 23:00 in Shanghai
        assert ship(late).number == "CI-2026-000001"
    with time_machine.travel(datetime(2026, 12, 31, 17, 0, tzinfo=UTC), tick=False):  # 01:00 on 1 January
        invoice = ship(next_year)
    assert invoice.number == "CI-2027-000001" and invoice.data["invoice_date"] == "2027-01-01"


# --- The buyer asks before the first shipment -------------------------------------------------------------


def test_asking_before_shipment_records_the_request_once_and_the_shipment_issues_it(buyer):
    shop("components")
    with time_machine.travel(T0, tick=False):
        order = customs_order(buyer)
    assert invoice_status(order=order).state == InvoiceState.NOT_REQUESTED
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        assert invoice_request(order=order, user=buyer) is None
        assert invoice_request(order=order, user=buyer) is None  # asking twice changes nothing
    order = fresh(order)
    assert order.commercial_invoice_requested
    [event] = invoice_events(order)
    assert (
        event.message
        == REQUESTED_MESSAGE
        == ("Commercial invoice requested; it will be issued when the order ships.")
    )
    assert event.actor == buyer and event.actor_role == "buyer" and event.buyer_visible
    status = invoice_status(order=order)
    assert status.state == InvoiceState.REQUESTED and not status.can_request
    assert "issued when the order ships" in status.message
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        invoice = ship(order, staff_member())
    assert invoice.requested_at == T0 + timedelta(hours=3) and invoice.requested_by == buyer


def test_an_always_store_needs_no_request(buyer):
    shop("wholesale")
    order = customs_order(buyer, method="paypal")
    assert invoice_request(order=order, user=buyer) is None
    assert invoice_events(order) == []
    status = invoice_status(order=order)
    assert status.state == InvoiceState.AUTOMATIC and not status.can_request
    assert "every order" in status.message
    invoice = ship(order)
    assert invoice_request(order=order, user=buyer) == invoice  # already issued: say so, change nothing


def test_a_cancelled_order_gets_no_invoice(buyer):
    shop("components")
    order = customs_order(buyer)
    order_cancel(order=order, actor=buyer)
    with pytest.raises(Conflict) as caught:
        invoice_request(order=order, user=buyer)
    assert caught.value.code == "order_cancelled" and "cancelled" in caught.value.message
    assert invoice_status(order=fresh(order)).state == InvoiceState.UNAVAILABLE
    assert not fresh(order).commercial_invoice_requested


def test_only_the_buyer_can_ask(buyer, other_buyer):
    shop("components")
    order = customs_order(buyer)
    with pytest.raises(NotFound):
        invoice_request(order=order, user=other_buyer)
    with pytest.raises(NotFound):
        invoice_request(order=order, user=staff_member())
    assert not fresh(order).commercial_invoice_requested


# --- The buyer asks after the first shipment --------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "days", "method"), [("components", 5, "wire_transfer"), ("direct", 30, "paypal")]
)
def test_after_shipment_the_invoice_is_issued_at_once_within_the_policy_window(buyer, preset, days, method):
    shop(preset)
    with time_machine.travel(T0, tick=False):
        order = customs_order(buyer, method=method)
        ship(order)
    deadline = T0 + timedelta(days=days)
    status = invoice_status(order=fresh(order), now=deadline)
    assert status.state == InvoiceState.NOT_REQUESTED and status.can_request
    assert status.window_closes_at == deadline and deadline.strftime("%Y-%m-%d") in status.message
    with time_machine.travel(deadline, tick=False):  # the last moment still counts
        invoice = invoice_request(order=order, user=buyer)
        assert invoice_request(order=order, user=buyer) == invoice
    assert invoice.number.endswith("-000001") and invoice.requested_at == deadline
    assert invoice.requested_by == buyer and invoice.issued_by == buyer
    assert fresh(order).commercial_invoice_requested
    [event] = invoice_events(order)
    assert event.message == f"Commercial invoice {invoice.number} issued at your request."


@pytest.mark.parametrize(
    ("preset", "days", "method"), [("components", 5, "wire_transfer"), ("direct", 30, "paypal")]
)
def test_after_the_window_the_request_is_refused_naming_the_date_it_closed(buyer, preset, days, method):
    shop(preset)
    with time_machine.travel(T0, tick=False):
        order = customs_order(buyer, method=method)
        ship(order)
    closed = T0 + timedelta(days=days)
    with time_machine.travel(closed + timedelta(minutes=1), tick=False):
        with pytest.raises(Conflict) as caught:
            invoice_request(order=order, user=buyer)
        status = invoice_status(order=fresh(order))
    assert caught.value.code == "invoice_request_closed"
    assert f"up to {days} days after the first shipment" in caught.value.message
    assert f"closed on {closed:%Y-%m-%d}" in caught.value.message
    assert status.state == InvoiceState.CLOSED and not status.can_request
    assert f"closed on {closed:%Y-%m-%d}" in status.message
    assert not Invoice.objects.exists() and invoice_events(order) == []
    assert not fresh(order).commercial_invoice_requested


def test_a_request_made_in_time_is_honoured_even_if_the_order_shipped_without_it(buyer):
    shop("components")
    with time_machine.travel(T0, tick=False):
        order = customs_order(buyer)
        invoice_request(order=order, user=buyer)
    # The order shipped before the invoices app issued anything (e.g. shipped before it was installed).
    Order.objects.filter(pk=order.pk).update(first_shipped_at=T0 + timedelta(days=1), status="shipped")
    with time_machine.travel(T0 + timedelta(days=60), tick=False):
        assert invoice_status(order=fresh(order)).can_request
        invoice = invoice_request(order=order, user=buyer)
    assert invoice.requested_at == T0 and invoice.requested_by == buyer


# --- Selectors ---------------------------------------------------------------------------------------------


def test_a_buyer_reaches_only_their_own_invoice(buyer, other_buyer):
    shop("wholesale")
    invoice = ship(customs_order(buyer, method="paypal"))
    order_number = invoice.order.number
    assert invoice_for_buyer(user=buyer, number=order_number) == invoice
    assert invoice_for_buyer(user=buyer, number=invoice.number) == invoice
    for user, number in ((other_buyer, order_number), (other_buyer, invoice.number), (buyer, "TP-NOPE")):
        with pytest.raises(NotFound):
            invoice_for_buyer(user=user, number=number)
    assert invoice_for_staff(number=order_number) == invoice
    with pytest.raises(NotFound):
        invoice_for_staff(number="bad\x00number")
