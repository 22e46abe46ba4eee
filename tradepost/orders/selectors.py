"""Reads of orders for buyers and staff. A buyer reaches only their own orders; anything else is 404."""

from django.db.models import Prefetch, QuerySet

from tradepost.core.exceptions import NotFound
from tradepost.orders.models import ChangeProposal, Order, OrderEvent
from tradepost.orders.models import OrderStatus as S
from tradepost.orders.states import REVIEWABLE


def orders_for_buyer(*, user) -> QuerySet[Order]:
    return Order.objects.filter(user=user).order_by("-placed_at", "-id")


def _detail_query() -> QuerySet[Order]:
    return Order.objects.select_related("policy_version", "user").prefetch_related(
        "lines",
        Prefetch("proposals", queryset=ChangeProposal.objects.order_by("-created_at")),
        "payments",
        "refunds",
        "transactions",
    )


def _storable(number) -> bool:
    """Whether an order number from a URL can even be looked up (no database stores NUL)."""
    return isinstance(number, str) and "\x00" not in number


def order_for_buyer(*, user, number: str) -> Order:
    """The buyer's own order with lines, payments and proposals; another buyer's is the same 404."""
    if user is None or not user.is_authenticated or not _storable(number):
        raise NotFound("No such order.", code="order_not_found")
    order = _detail_query().filter(number=number, user=user).first()
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    return order


def order_for_staff(*, number: str) -> Order:
    order = _detail_query().filter(number=number).first() if _storable(number) else None
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    return order


def order_timeline(order: Order, *, staff: bool = False) -> list[OrderEvent]:
    """The buyer's timeline (what they are told), or the full audit trail for staff."""
    events = order.events.select_related("actor").order_by("created_at", "id")
    if not staff:
        events = events.filter(buyer_visible=True)
    return list(events)


def review_queue() -> QuerySet[Order]:
    """Paid orders waiting for review or on hold, the nearest dispatch deadline first."""
    from django.db.models import F

    return (
        Order.objects.filter(status__in=REVIEWABLE)
        .select_related("user")
        .order_by(F("dispatch_due_at").asc(nulls_last=True), "paid_at", "id")
    )


def open_proposal(order: Order) -> ChangeProposal | None:
    return next((p for p in order.proposals.all() if p.status == ChangeProposal.Status.PROPOSED), None)


def awaiting_payment() -> QuerySet[Order]:
    return Order.objects.filter(status=S.AWAITING_PAYMENT).select_related("user").order_by("payment_due_at")
