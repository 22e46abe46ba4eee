"""Orders shipped and delivered at chosen times, through the real checkout, payment and shipping services."""

import itertools
from datetime import UTC, datetime, timedelta

import time_machine
from django.contrib.auth.models import Group

from tradepost.catalog.models import Category, Product
from tradepost.conftest import make_user
from tradepost.orders import services as orders
from tradepost.orders.models import Order, OrderStatus
from tradepost.orders.tests.factories import place, shop  # noqa: F401  (shop: re-exported for tests)
from tradepost.payments.models import Transaction
from tradepost.payments.services import payment_receipt_record
from tradepost.shipping.models import Shipment
from tradepost.shipping.services import shipment_create, shipment_mark_delivered

_refs = itertools.count(1)
LM317 = "TI-LM317T"
AMS = "AMS-1117-33"


def staff(email="desk@example.com", desks=("aftersales", "finance", "fulfilment")):
    user = make_user(email, full_name="Ada Desk", is_staff=True)
    for desk in desks:
        user.groups.add(Group.objects.get_or_create(name=f"desk:{desk}")[0])
    return user


def set_warranty_class(slug: str, key: str):
    Category.objects.filter(slug=slug).update(warranty_class=key)


def paid_order(buyer, items=None, *, member=False, at: datetime | None = None) -> Order:
    """A placed and fully paid goods order (approved where the policy reviews orders)."""
    Product.objects.filter(sku__in=(items or {LM317: 10}), stock__lt=10_000).update(stock=10_000)
    with time_machine.travel(at or datetime(2026, 3, 2, 1, 0, tzinfo=UTC), tick=True):
        order = place(buyer, items or {LM317: 10, AMS: 5}, method=_method(buyer))
        if member:
            Order.objects.filter(pk=order.pk).update(member_benefits=True)
        payment_receipt_record(
            order=order,
            amount=order.total,
            source=Transaction.Source.PAYPAL,
            external_id=f"CAP-{next(_refs)}",
        )
        order.refresh_from_db()
        if order.status in (OrderStatus.PAID, OrderStatus.IN_REVIEW):
            orders.order_approve(order=order, actor=_desk())
            order.refresh_from_db()
    return order


def _desk():
    from tradepost.accounts.models import User

    return User.objects.filter(email="ship@example.com").first() or staff("ship@example.com", ("fulfilment",))


def _method(buyer) -> str:
    from tradepost.policies.selectors import policy_active

    methods = policy_active().policy.payments.methods
    return "paypal" if "paypal" in methods else methods[0]


def ship(order: Order, *, at: datetime, quantities=None) -> Shipment:
    with time_machine.travel(at, tick=False):
        return shipment_create(
            order=order,
            actor=_desk(),
            carrier=order.shipping_carrier or "dhl",
            service=order.shipping_service or "express",
            tracking_number=f"JD{next(_refs):08d}",
            quantities=quantities,
            note="test parcel",
        )


def deliver(shipment: Shipment, *, at: datetime) -> Shipment:
    with time_machine.travel(at, tick=False):
        return shipment_mark_delivered(shipment=shipment, actor=_desk(), at=at)


def delivered_order(
    buyer, *, shipped: datetime, delivered: datetime | None, member=False, items=None
) -> Order:
    order = paid_order(buyer, items, member=member, at=shipped - timedelta(days=1))
    parcel = ship(order, at=shipped)
    if delivered is not None:
        deliver(parcel, at=delivered)
    order.refresh_from_db()
    return order
