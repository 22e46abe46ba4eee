"""Reads of reviews: a product's published reviews, a buyer's own, an order's lines, the moderation queue.

A buyer reaches only their own reviews and lines; anything else is the same 404.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Min, QuerySet, Window

from tradepost.core.exceptions import NotFound
from tradepost.orders.models import Order, OrderLine
from tradepost.orders.models import OrderStatus as S
from tradepost.orders.services import order_policy
from tradepost.reviews.eligibility import Refusal, review_refusal
from tradepost.reviews.models import Review, ReviewEvent, ReviewStatus

PRODUCT_PAGE_REVIEWS = 10
_DELIVERED_ORDER = frozenset({S.DELIVERED, S.COMPLETED})


@dataclass
class ProductReviews:
    count: int
    average: Decimal | None  # one decimal place; None without reviews
    reviews: list[Review] = field(default_factory=list)


def product_reviews(*, product_id: int, offset: int = 0, limit: int = PRODUCT_PAGE_REVIEWS) -> ProductReviews:
    """A product's approved reviews, newest first, with their count and average rating: one query.

    The count and the average ride on each row as window aggregates, so the page needs no second query.
    A page past the end has no rows to carry them; only then is the summary counted on its own.
    """
    rows = list(
        Review.objects.filter(product_id=product_id, status=ReviewStatus.APPROVED)
        .select_related("user")
        .annotate(total=Window(Count("id")), mean=Window(Avg("rating")))
        .order_by("-created_at", "-id")[offset : offset + limit]
    )
    if rows:
        count, mean = rows[0].total, rows[0].mean
    elif offset:
        summary = Review.objects.filter(product_id=product_id, status=ReviewStatus.APPROVED).aggregate(
            total=Count("id"), mean=Avg("rating")
        )
        count, mean = summary["total"], summary["mean"]
    else:
        count, mean = 0, None
    return ProductReviews(count=count, average=_one_place(mean), reviews=rows)


def _one_place(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def reviews_for_buyer(*, user) -> QuerySet[Review]:
    return (
        Review.objects.filter(user=user)
        .select_related("order_line", "order_line__order", "product")
        .order_by("-created_at", "-id")
    )


def review_for_buyer(*, user, review_id) -> Review:
    review = None
    if user is not None and user.is_authenticated and isinstance(review_id, int):
        review = reviews_for_buyer(user=user).filter(pk=review_id).first()
    if review is None:
        raise NotFound("No such review.", code="review_not_found")
    return review


def line_for_buyer(*, user, number: str, line_id) -> OrderLine:
    """One line of the buyer's own order, with its order and policy version; anyone else's is 404."""
    line = None
    if (
        user is not None
        and user.is_authenticated
        and isinstance(number, str)
        and "\x00" not in number
        and isinstance(line_id, int)
    ):
        line = (
            OrderLine.objects.select_related("order", "order__policy_version", "order__user")
            .filter(pk=line_id, order__number=number, order__user=user)
            .first()
        )
    if line is None:
        raise NotFound("No such order line.", code="order_line_not_found")
    return line


def delivered_at_by_line(order: Order) -> dict[int, datetime]:
    """When each line first arrived: its earliest delivered parcel (one query).

    An order marked delivered as a whole counts for every line that shipped, parcels or not.
    """
    from tradepost.shipping.models import ShipmentLine

    arrived = dict(
        ShipmentLine.objects.filter(shipment__order=order, shipment__delivered_at__isnull=False)
        .values("order_line_id")
        .annotate(at=Min("shipment__delivered_at"))
        .values_list("order_line_id", "at")
    )
    if order.status in _DELIVERED_ORDER and order.delivered_at is not None:
        for line in order.lines.all():
            if line.quantity_shipped:
                arrived.setdefault(line.pk, order.delivered_at)
    return arrived


def line_delivered_at(line: OrderLine) -> datetime | None:
    from tradepost.shipping.models import ShipmentLine

    at = ShipmentLine.objects.filter(order_line=line, shipment__delivered_at__isnull=False).aggregate(
        at=Min("shipment__delivered_at")
    )["at"]
    order = line.order
    if at is None and order.status in _DELIVERED_ORDER and line.quantity_shipped:
        at = order.delivered_at
    return at


@dataclass(frozen=True)
class LineReview:
    """What the order page offers for one line: the buyer's review, or why there is none yet."""

    review: Review | None
    refusal: Refusal | None

    @property
    def can_write(self) -> bool:
        return self.review is None and self.refusal is None


def line_reviews(order: Order) -> dict[int, LineReview]:
    """Each line's review state for the order page: two queries (reviews, delivered parcels)."""
    policy = order_policy(order)
    reviews = {r.order_line_id: r for r in Review.objects.filter(order_line__order=order)}
    if not policy.reviews.enabled and not reviews:
        return {}
    delivered = delivered_at_by_line(order)
    return {
        line.pk: LineReview(
            review=reviews.get(line.pk),
            refusal=review_refusal(policy=policy, line=line, delivered_at=delivered.get(line.pk)),
        )
        for line in order.lines.all()
    }


# --- The moderation desk -------------------------------------------------------------------------------


def moderation_queue(*, status: str = ReviewStatus.PENDING) -> QuerySet[Review]:
    """Reviews in one status; the pending ones oldest first (first come, first moderated)."""
    queryset = Review.objects.filter(status=status).select_related(
        "user", "order_line", "order_line__order", "product", "moderated_by"
    )
    if status == ReviewStatus.PENDING:
        return queryset.order_by("created_at", "id")
    return queryset.order_by("-updated_at", "-id")


def review_for_staff(*, review_id) -> Review:
    review = None
    if isinstance(review_id, int):
        review = (
            Review.objects.select_related(
                "user", "order_line", "order_line__order", "product", "moderated_by"
            )
            .filter(pk=review_id)
            .first()
        )
    if review is None:
        raise NotFound("No such review.", code="review_not_found")
    return review


def review_history(review: Review) -> list[ReviewEvent]:
    return list(review.events.select_related("actor").order_by("created_at", "id"))


def product_reviews_for_sku(
    *, sku: str, offset: int = 0, limit: int = PRODUCT_PAGE_REVIEWS
) -> ProductReviews:
    """product_reviews() of a product the storefront shows, by SKU; unknown or hidden SKUs are 404."""
    from tradepost.catalog.models import Product, ProductStatus

    product_id = None
    if isinstance(sku, str) and "\x00" not in sku:
        product_id = (
            Product.objects.filter(sku=sku)
            .exclude(status=ProductStatus.NOT_FOR_SALE)
            .values_list("pk", flat=True)
            .first()
        )
    if product_id is None:
        raise NotFound(f"No product with SKU {sku}.", code="product_not_found")
    return product_reviews(product_id=product_id, offset=offset, limit=limit)


def review_of_line(*, user, line: OrderLine) -> Review | None:
    """The buyer's review of this line, if written."""
    return Review.objects.filter(order_line=line, user=user).first()


def rating_summary(*, product_id: int) -> dict:
    """{"average": Decimal | None, "count": int} of a product's published reviews: one query."""
    summary = Review.objects.filter(product_id=product_id, status=ReviewStatus.APPROVED).aggregate(
        count=Count("id"), mean=Avg("rating")
    )
    return {"average": _one_place(summary["mean"]), "count": summary["count"]}


def line_refusal(line: OrderLine) -> Refusal | None:
    """Why this line cannot be reviewed yet (or at all), under its order's policy; None when it can."""
    return review_refusal(policy=order_policy(line.order), line=line, delivered_at=line_delivered_at(line))
