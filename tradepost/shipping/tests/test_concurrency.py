"""Two staff members shipping one order at once, and a carrier sending the same events twice at once,
on a real database (run on SQLite and PostgreSQL)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tradepost.checkout.tests.test_concurrency import run_threads
from tradepost.conftest import make_user
from tradepost.core.exceptions import ApplicationError
from tradepost.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from tradepost.orders.tests.factories import make_address, place, shop, staff_member
from tradepost.payments.services import wire_receipt_record
from tradepost.shipping.models import Shipment, ShipmentLine, TrackingEvent
from tradepost.shipping.services import shipment_create, tracking_events_record

pytestmark = pytest.mark.django_db(transaction=True)


def approved_order() -> tuple[Order, object]:
    shop("components")
    buyer = make_user("racer.buyer@example.com")
    make_address(buyer, country="NL")
    staff = staff_member()
    order = place(buyer, {"TI-LM317T": 10, "AMS-1117-33": 5}, shipping_method="dhl.express")
    wire_receipt_record(order=order, amount=order.total, bank_reference=f"BANK-{order.number}", actor=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED
    return order, staff


def test_two_staff_shipping_everything_left_at_once_send_one_parcel():
    order, staff = approved_order()

    def ship(n: int):
        return shipment_create(
            order=order, actor=staff, carrier="dhl", service="express", tracking_number=f"JDRACE{n:04d}"
        )

    results = run_threads(ship, 6)
    parcels = [r for r in results if isinstance(r, Shipment)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(parcels) == 1 and len(refused) == 5, results
    # The others waited on the order's row lock and found it shipped.
    assert {r.code for r in refused} <= {"nothing_to_ship", "not_shippable"}
    assert Shipment.objects.filter(order=order).count() == 1
    for line in OrderLine.objects.filter(order=order):
        assert line.quantity_shipped == line.quantity
        assert sum(ShipmentLine.objects.filter(order_line=line).values_list("quantity", flat=True)) == (
            line.quantity
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and order.first_shipped_at == parcels[0].shipped_at
    assert order.events.filter(to_status=OrderStatus.SHIPPED).count() == 1


def test_two_partial_parcels_at_once_never_ship_more_than_ordered():
    order, staff = approved_order()
    lm317 = order.lines.get(sku="TI-LM317T")

    def ship(n: int):  # each tries 6 of the 10 units: only one fits
        return shipment_create(
            order=order,
            actor=staff,
            carrier="dhl",
            service="express",
            tracking_number=f"JDPART{n:04d}",
            quantities={lm317.pk: 6},
        )

    results = run_threads(ship, 4)
    assert len([r for r in results if isinstance(r, Shipment)]) == 1, results
    lm317.refresh_from_db()
    assert lm317.quantity_shipped == 6
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_SHIPPED


def test_the_same_delivered_event_posted_at_once_is_recorded_once():
    order, staff = approved_order()
    parcel = shipment_create(
        order=order, actor=staff, carrier="dhl", service="express", tracking_number="JD0099"
    )
    occurred = (timezone.now() - timedelta(minutes=5)).isoformat()
    event = {
        "carrier": "dhl",
        "tracking_number": parcel.tracking_number,
        "event_id": "DELIVERED-1",
        "occurred_at": occurred,
        "status": "delivered",
        "location": "Amsterdam",
        "description": "Delivered",
    }
    results = run_threads(lambda n: tracking_events_record(events=[dict(event)], actor=staff), 5)
    done = [r for r in results if not isinstance(r, Exception)]
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, ApplicationError)]
    assert done and not unexpected, results
    assert sum(r.created for r in done) == 1
    assert TrackingEvent.objects.filter(shipment=parcel).count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.events.filter(to_status=OrderStatus.DELIVERED).count() == 1
    assert order.events.filter(kind=OrderEvent.Kind.TRACKING).count() == 1
