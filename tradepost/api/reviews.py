"""Reviews API: a product's published reviews, the buyer's own reviews, and the moderation desk."""

from datetime import datetime
from decimal import Decimal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from tradepost.accounts.roles import Desk
from tradepost.api.auth import member, require_desk
from tradepost.api.schemas import In, page_of
from tradepost.reviews import selectors, services
from tradepost.reviews.models import (
    COMMENT_MAX,
    RATING_MAX,
    RATING_MIN,
    REASON_MAX,
    TITLE_MAX,
    ReviewStatus,
)

router = Router(tags=["reviews"])
MAX_PER_PAGE = 100


class PublishedReviewOut(Schema):
    id: int
    rating: int = Field(description="1 to 5 stars.")
    title: str
    comment: str
    author: str = Field(description="First name and initial of the buyer.")
    created_at: datetime


class ProductReviewsOut(Schema):
    sku: str
    average_rating: Decimal | None = Field(description="Of the published reviews, one decimal; null: none.")
    count: int = Field(description="Published reviews.")
    items: list[PublishedReviewOut]
    page: int
    per_page: int


class ReviewOut(Schema):
    id: int
    order: str = Field(description="The order number.")
    line_id: int
    sku: str
    mpn: str
    title_of_part: str
    rating: int
    title: str
    comment: str
    status: str = Field(description="pending, approved (published) or rejected.")
    rejection_reason: str = Field(description="Why it was not published (when rejected).")
    editable: bool = Field(description="The buyer may still change it (pending or rejected).")
    created_at: datetime
    updated_at: datetime
    moderated_at: datetime | None


class ReviewPageOut(Schema):
    items: list[ReviewOut]
    page: int
    per_page: int
    total: int


class ReviewEventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    actor: str | None = Field(description="Email of who acted; null: the system.")
    actor_role: str
    reason: str
    created_at: datetime


class StaffReviewOut(ReviewOut):
    buyer_email: str
    product_sku: str | None = Field(description="null: the part is not (or no longer) in the catalog.")
    moderated_by: str | None
    events: list[ReviewEventOut] = []


class StaffReviewPageOut(Schema):
    items: list[StaffReviewOut]
    page: int
    per_page: int
    total: int


class ReviewIn(In):
    rating: int = Field(ge=RATING_MIN, le=RATING_MAX, description="1 to 5 stars.")
    title: str = Field("", max_length=TITLE_MAX)
    comment: str = Field("", max_length=COMMENT_MAX)


class ReviewCreateIn(ReviewIn):
    order: str = Field(max_length=16, description="The order number.")
    line_id: int = Field(description="The order line to review (it must have been delivered).")


class RejectIn(In):
    reason: str = Field(max_length=REASON_MAX, description="Shown to the buyer.")


def review_out(review) -> dict:
    line = review.order_line
    return {
        "id": review.pk,
        "order": line.order.number,
        "line_id": line.pk,
        "sku": line.sku,
        "mpn": line.mpn,
        "title_of_part": line.title,
        "rating": review.rating,
        "title": review.title,
        "comment": review.comment,
        "status": review.status,
        "rejection_reason": review.rejection_reason,
        "editable": review.buyer_may_edit,
        "created_at": review.created_at,
        "updated_at": review.updated_at,
        "moderated_at": review.moderated_at,
    }


def staff_review_out(review, *, events: bool = False) -> dict:
    return {
        **review_out(review),
        "buyer_email": review.user.email,
        "product_sku": review.product.sku if review.product_id else None,
        "moderated_by": review.moderated_by.email if review.moderated_by_id else None,
        "events": [
            {
                "kind": e.kind,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor.email if e.actor_id else None,
                "actor_role": e.actor_role,
                "reason": e.reason,
                "created_at": e.created_at,
            }
            for e in selectors.review_history(review)
        ]
        if events
        else [],
    }


@router.get(
    "/products/{sku}/reviews", response=ProductReviewsOut, auth=None, summary="A product's published reviews"
)
def product_reviews(
    request, sku: str, page: int = Query(1, ge=1, le=10_000), per_page: int = Query(10, ge=1, le=MAX_PER_PAGE)
):
    shown = selectors.product_reviews_for_sku(sku=sku, offset=(page - 1) * per_page, limit=per_page)
    items = [
        {
            "id": r.pk,
            "rating": r.rating,
            "title": r.title,
            "comment": r.comment,
            "author": r.author_label,
            "created_at": r.created_at,
        }
        for r in shown.reviews
    ]
    return {
        "sku": sku,
        "average_rating": shown.average,
        "count": shown.count,
        "items": items,
        "page": page,
        "per_page": per_page,
    }


# --- The buyer's reviews --------------------------------------------------------------------------------


@router.get("/reviews", response=ReviewPageOut, auth=member, summary="My reviews, newest first")
def review_list(
    request, page: int = Query(1, ge=1, le=10_000), per_page: int = Query(20, ge=1, le=MAX_PER_PAGE)
):

    reviews, total = page_of(selectors.reviews_for_buyer(user=request.auth), page, per_page)
    return {"items": [review_out(r) for r in reviews], "page": page, "per_page": per_page, "total": total}


@router.post("/reviews", response={201: ReviewOut}, auth=member, summary="Review a delivered order line")
def review_create(request, payload: ReviewCreateIn):
    """Once per order line; it is published after moderation. Refused (409) before delivery."""
    line = selectors.line_for_buyer(user=request.auth, number=payload.order, line_id=payload.line_id)
    review = services.review_submit(
        user=request.auth, line=line, rating=payload.rating, title=payload.title, comment=payload.comment
    )
    return Status(201, review_out(selectors.review_for_buyer(user=request.auth, review_id=review.pk)))


@router.get("/reviews/{review_id}", response=ReviewOut, auth=member, summary="One of my reviews")
def review_detail(request, review_id: int):
    return review_out(selectors.review_for_buyer(user=request.auth, review_id=review_id))


@router.put("/reviews/{review_id}", response=ReviewOut, auth=member, summary="Change my review")
def review_update(request, review_id: int, payload: ReviewIn):
    """Allowed while pending or rejected (a rejected review is then moderated again); 409 once published."""
    review = selectors.review_for_buyer(user=request.auth, review_id=review_id)
    services.review_update(
        user=request.auth, review=review, rating=payload.rating, title=payload.title, comment=payload.comment
    )
    return review_out(selectors.review_for_buyer(user=request.auth, review_id=review_id))


# --- The moderation desk (after-sales) --------------------------------------------------------------------


@router.get(
    "/desk/reviews", response=StaffReviewPageOut, auth=member, tags=["desk"], summary="Reviews to moderate"
)
def desk_review_list(
    request,
    status: ReviewStatus = ReviewStatus.PENDING,
    page: int = Query(1, ge=1, le=10_000),
    per_page: int = Query(50, ge=1, le=MAX_PER_PAGE),
):
    """Pending reviews oldest first; approved or rejected ones most recently changed first."""

    require_desk(request, Desk.AFTERSALES)
    reviews, total = page_of(selectors.moderation_queue(status=status), page, per_page)
    return {
        "items": [staff_review_out(r) for r in reviews],
        "page": page,
        "per_page": per_page,
        "total": total,
    }


def _desk_review(request, review_id: int):
    require_desk(request, Desk.AFTERSALES)
    return selectors.review_for_staff(review_id=review_id)


@router.get(
    "/desk/reviews/{review_id}",
    response=StaffReviewOut,
    auth=member,
    tags=["desk"],
    summary="A review's record",
)
def desk_review_detail(request, review_id: int):
    return staff_review_out(_desk_review(request, review_id), events=True)


@router.post(
    "/desk/reviews/{review_id}/approve",
    response=StaffReviewOut,
    auth=member,
    tags=["desk"],
    summary="Publish a review",
)
def desk_review_approve(request, review_id: int):
    services.review_approve(review=_desk_review(request, review_id), actor=request.auth)
    return staff_review_out(selectors.review_for_staff(review_id=review_id), events=True)


@router.post(
    "/desk/reviews/{review_id}/reject",
    response=StaffReviewOut,
    auth=member,
    tags=["desk"],
    summary="Refuse or take down a review",
)
def desk_review_reject(request, review_id: int, payload: RejectIn):
    services.review_reject(review=_desk_review(request, review_id), actor=request.auth, reason=payload.reason)
    return staff_review_out(selectors.review_for_staff(review_id=review_id), events=True)
