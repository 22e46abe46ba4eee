"""Audit rows for orders: who did what, when, and what the buyer is told."""

from django.utils import timezone

from tradepost.orders.models import Order, OrderEvent


def actor_role(order: Order, actor) -> str:
    if actor is None:
        return "system"
    if actor.pk == order.user_id:
        return "buyer"
    return "staff"


def order_event_record(
    *,
    order: Order,
    kind: str,
    actor=None,
    role: str | None = None,
    from_status: str = "",
    to_status: str = "",
    message: str = "",
    internal_note: str = "",
    buyer_visible: bool = True,
    data: dict | None = None,
    at=None,
) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        actor=actor,
        actor_role=role or actor_role(order, actor),
        from_status=from_status,
        to_status=to_status,
        message=message,
        internal_note=internal_note,
        buyer_visible=buyer_visible,
        data=data or {},
        created_at=at or timezone.now(),
    )
