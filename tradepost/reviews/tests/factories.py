"""Delivered orders built through the real services, ready to review."""

from tradepost.orders.models import OrderStatus
from tradepost.orders.tests.factories import place, staff_member
from tradepost.payments.services import wire_receipt_record
from tradepost.shipping.services import shipment_create, shipment_mark_delivered

LM317, AMS = "TI-LM317T", "AMS-1117-33"


def moderator(email: str = "moderator@example.com"):
    from tradepost.accounts.models import User

    return User.objects.filter(email=email).first() or staff_member(email, desks=("aftersales",))


def shipper():
    from tradepost.accounts.models import User

    return User.objects.filter(email="shipper@example.com").first() or staff_member(
        "shipper@example.com", desks=("fulfilment", "finance")
    )


def paid_order(buyer, items=None):
    staff = shipper()
    order = place(buyer, items or {LM317: 10, AMS: 5}, shipping_method="dhl.express")
    wire_receipt_record(order=order, amount=order.total, bank_reference=f"BANK-{order.number}", actor=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED  # components: no review step
    return order


def ship(order, *, quantities=None, delivered: bool = True, tracking: str = ""):
    staff = shipper()
    shipment = shipment_create(
        order=order,
        actor=staff,
        carrier="dhl",
        service="express",
        tracking_number=tracking or f"JD{order.pk}{order.shipments.count()}",
        quantities=quantities,
    )
    if delivered:
        shipment_mark_delivered(shipment=shipment, actor=staff)
    order.refresh_from_db()
    return shipment


def delivered_order(buyer, items=None):
    order = paid_order(buyer, items)
    ship(order)
    assert order.status == OrderStatus.DELIVERED
    return order


def line_of(order, sku: str = LM317):
    return next(line for line in order.lines.all() if line.sku == sku)
