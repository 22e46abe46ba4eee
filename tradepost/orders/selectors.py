"""Reads of orders for buyers and staff. A buyer reaches only their own orders; anything else is 404."""

from decimal import Decimal

from django.db.models import DecimalField, Prefetch, QuerySet

from tradepost.core.exceptions import NotFound
from tradepost.core.prepared import Prepared
from tradepost.orders.models import ChangeProposal, Order, OrderEvent
from tradepost.orders.models import OrderStatus as S
from tradepost.orders.states import REVIEWABLE


def orders_for_buyer(*, user) -> QuerySet[Order]:
    return Order.objects.filter(user=user).order_by("-placed_at", "-id")


def _detail_query() -> QuerySet[Order]:
    # The version's rules come from this process's cache of parsed policies (by digest), so its document
    # is read only if that misses.
    return (
        Order.objects.select_related("policy_version", "user")
        .defer("policy_version__document")
        .prefetch_related(
            "lines",
            Prefetch("proposals", queryset=ChangeProposal.objects.order_by("-created_at")),
            "payments",
            "refunds",
            "transactions",
        )
    )


# Every order page and order API call reads one: prepared (core/prepared.py).
_buyer_order = Prepared(
    lambda user_id, number: _detail_query().filter(number=number, user_id=user_id).order_by("pk")[:1],
    user_id=-1,
    number="<order number>",
)
_staff_order = Prepared(
    lambda number: _detail_query().filter(number=number).order_by("pk")[:1], number="<order number>"
)


def _storable(number) -> bool:
    """Whether an order number from a URL can even be looked up (no database stores NUL)."""
    return isinstance(number, str) and "\x00" not in number


def order_for_buyer(*, user, number: str) -> Order:
    """The buyer's own order with lines, payments and proposals; another buyer's is the same 404."""
    if user is None or not user.is_authenticated or not _storable(number):
        raise NotFound("No such order.", code="order_not_found")
    order = _buyer_order.first(user_id=user.pk, number=number)
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    return order


def order_for_staff(*, number: str) -> Order:
    order = _staff_order.first(number=number) if _storable(number) else None
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    return order


# What order_for_buyer reads along with an order, and what else refers to one (render_order reads them all).
_WRITTEN_WITH = ("lines", "events", "proposals", "payments", "refunds", "transactions", "shipments")


def order_as_written(order: Order, *, lines: list, events: list, policy_version) -> Order:
    """An order this request has just created with `lines` and `events`, ready for render_order and the
    order emails without reading it back: nothing else refers to it yet (no proposal, payment, refund,
    transaction or shipment). `policy_version` may leave its document deferred."""
    for instance in (order, *lines, *events):
        _as_stored(instance)
    order.policy_version = policy_version
    written = {"lines": lines, "events": events}
    order._prefetched_objects_cache = {}
    for name in _WRITTEN_WITH:
        queryset = getattr(order, name).all()
        queryset._result_cache = list(written.get(name, []))  # as prefetch_related leaves it
        queryset._prefetch_done = True
        order._prefetched_objects_cache[name] = queryset
    return order


def _as_stored(instance) -> None:
    """Decimals with the places their column keeps, as a read would return them ("0.00", not "0")."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, DecimalField):
            value = getattr(instance, field.attname)
            if isinstance(value, Decimal | int):  # a default of 0 is an int
                places = Decimal(1).scaleb(-field.decimal_places)
                setattr(instance, field.attname, Decimal(value).quantize(places))


def order_timeline(order: Order, *, staff: bool = False) -> list[OrderEvent]:
    """The buyer's timeline (what they are told), or the full audit trail for staff."""
    if "events" in getattr(order, "_prefetched_objects_cache", {}):
        found = sorted(order.events.all(), key=lambda e: (e.created_at, e.id))
        return [e for e in found if staff or e.buyer_visible]
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
