"""Order emails: plain text and HTML from templates, sent after the change commits."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from tradepost.policies.selectors import policy_from_version

SUBJECTS = {
    "placed": "Order {number} received",
    "payment_received": "Payment received for order {number}",
    "approved": "Order {number} approved",
    "on_hold": "Order {number} is on hold",
    "cancelled": "Order {number} cancelled",
    "proposal": "Order {number}: we propose a change",
}


def order_email_send(*, order_id: int, kind: str, message: str = "") -> bool:
    """Render and send one order email; returns False when the order or kind is unknown."""
    from tradepost.orders.models import Order

    order = (
        Order.objects.select_related("user", "policy_version")
        .prefetch_related("lines")
        .filter(pk=order_id)
        .first()
    )
    if order is None or kind not in SUBJECTS:
        return False
    policy = policy_from_version(order.policy_version)
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "message": message,
        "store": policy.store,
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    text = render_to_string(f"orders/email/{kind}.txt", context)
    html = render_to_string(f"orders/email/{kind}.html", context)
    email = EmailMultiAlternatives(
        subject=f"[{policy.store.name}] " + SUBJECTS[kind].format(number=order.number),
        body=text,
        to=[order.user.email],
        reply_to=[policy.store.support_email],
    )
    email.attach_alternative(html, "text/html")
    email.send()
    return True


def order_email_queue(*, order, kind: str, message: str = "") -> None:
    """Send after the surrounding transaction commits (through Celery when a broker is configured).

    `robust`: a mail server that is down is logged, never turned into an error for a buyer whose order
    has already been committed.
    """
    from tradepost.orders.tasks import send_order_email

    order_id = order.pk
    transaction.on_commit(lambda: send_order_email.delay(order_id, kind, message), robust=True)
