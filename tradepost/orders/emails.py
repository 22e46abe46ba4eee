"""Order emails: plain text and HTML from templates, sent after the change commits."""

from django.conf import settings
from django.urls import reverse

from tradepost.notifications.services import notify
from tradepost.policies.selectors import policy_from_version

SUBJECTS = {
    "placed": "Order {number} received",
    "payment_received": "Payment received for order {number}",
    "approved": "Order {number} approved",
    "on_hold": "Order {number} is on hold",
    "cancelled": "Order {number} cancelled",
    "lapsed": "Order {number} lapsed unpaid",
    "proposal": "Order {number}: we propose a change",
    "shipped": "Order {number}: a parcel is on its way",
    "delivered": "Order {number} delivered",
}


def _shipping_context(order, kind: str, shipment_number: str) -> dict:
    """The parcels for the shipping emails; "shipped" is about the parcel it was queued for."""
    if kind not in ("shipped", "delivered"):
        return {}
    from tradepost.shipping.selectors import shipments_for_order

    shipments = shipments_for_order(order)
    # Sent after commit, maybe after a later parcel left too: the parcel is named, not "the latest".
    shipment = next(
        (s for s in shipments if s.number == shipment_number), shipments[-1] if shipments else None
    )
    to_ship = [line for line in order.lines.all() if line.quantity_to_ship]
    return {"shipments": shipments, "shipment": shipment, "to_ship": to_ship}


def _membership(order):
    """The membership a membership order buys, for its emails; None for goods."""
    if order.kind != "membership":
        return None
    from tradepost.memberships.models import Membership

    return Membership.objects.filter(order=order).first()


def _order_email(order_id: int, kind: str, message: str, shipment: str, *, written=None):
    """Render one order email into the outbox; None when the order or kind is unknown. The order is read
    again, so the email shows what was committed, unless the caller hands over `written`: an order its
    request has just created (orders.selectors.order_as_written)."""
    from tradepost.orders.models import Order

    order = written
    if order is None:
        order = (
            Order.objects.select_related("user", "policy_version")
            .defer("policy_version__document")  # the parsed policy is cached by digest
            .prefetch_related("lines")
            .filter(pk=order_id)
            .first()
        )
    if order is None or kind not in SUBJECTS:
        return None
    policy = policy_from_version(order.policy_version)
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "message": message,
        "store": policy.store,
        "store_tz": policy.store.timezone,  # promised dates are working days at the warehouse
        "dispatch": policy.dispatch,
        "site_url": settings.SITE_URL.rstrip("/"),
        "membership": _membership(order),
        **_shipping_context(order, kind, shipment),
    }
    return notify(
        kind=f"orders.{kind}",
        template=f"orders/email/{kind}",
        context=context,
        subject=f"[{policy.store.name}] " + SUBJECTS[kind].format(number=order.number),
        user=order.user,
        reply_to=policy.store.support_email,
        link=reverse("storefront:order_detail", args=[order.number]),
    )


def order_email_queue(
    *, order, kind: str, message: str = "", shipment: str = "", written: bool = False
) -> None:
    """Record the email in the outbox in the caller's transaction; it is sent after commit (through
    Celery when a broker is configured). A mail server that is down is recorded on the outbox row and
    retried, never turned into an error for a buyer whose order has already been committed.

    `written`: `order` is what this request has just created (orders.selectors.order_as_written), so it
    is rendered as it is instead of being read again."""
    _order_email(order.pk, kind, message, shipment, written=order if written else None)
