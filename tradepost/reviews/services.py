"""Review state changes: submit, edit, approve, reject. Each is one transaction with its audit row; the
buyer's email about a moderation decision goes out after commit."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from tradepost.core.exceptions import Conflict, FieldError, NotFound, ValidationFailed
from tradepost.orders.models import OrderLine
from tradepost.orders.services import order_policy
from tradepost.reviews.eligibility import review_refusal
from tradepost.reviews.emails import review_email_queue
from tradepost.reviews.models import (
    BUYER_EDITABLE,
    COMMENT_MAX,
    MODERATION,
    RATING_MAX,
    RATING_MIN,
    REASON_MAX,
    TITLE_MAX,
    Review,
    ReviewEvent,
    ReviewStatus,
)
from tradepost.reviews.selectors import line_delivered_at


class ReviewRefused(Conflict):
    code = "review_refused"


class AlreadyReviewed(Conflict):
    code = "already_reviewed"


class InvalidModeration(Conflict):
    code = "invalid_moderation"


def _clean(*, rating, title, comment) -> tuple[int, str, str]:
    """The review's fields, checked together so the buyer sees every problem at once."""
    errors = []
    if isinstance(rating, str):
        rating = rating.strip() or None
    if rating is None:
        errors.append(
            FieldError("rating", f"Choose a rating from {RATING_MIN} to {RATING_MAX} stars.", "required")
        )
    elif isinstance(rating, bool) or not (
        isinstance(rating, int) or (isinstance(rating, str) and rating.isascii() and rating.isdigit())
    ):
        errors.append(FieldError("rating", "A rating is a whole number of stars.", "invalid"))
    elif not RATING_MIN <= int(rating) <= RATING_MAX:
        errors.append(
            FieldError("rating", f"A rating is {RATING_MIN} to {RATING_MAX} stars.", "out_of_range")
        )
    title = (title or "").strip()
    comment = (comment or "").strip()
    for name, value, limit in (("title", title, TITLE_MAX), ("comment", comment, COMMENT_MAX)):
        if len(value) > limit:
            errors.append(FieldError(name, f"At most {limit} characters (this is {len(value)}).", "too_long"))
        elif "\x00" in value:
            errors.append(FieldError(name, "Null characters are not allowed.", "invalid"))
    if errors:
        raise ValidationFailed(errors[0].message, errors=errors)
    return int(rating), title, comment


def _event(
    review: Review, kind: str, *, actor, role: str, from_status: str = "", reason: str = "", data=None
):
    return ReviewEvent.objects.create(
        review=review,
        kind=kind,
        from_status=from_status,
        to_status=review.status,
        actor=actor,
        actor_role=role,
        reason=reason,
        data=data or {},
        created_at=review.updated_at,
    )


def review_submit(*, user, line: OrderLine, rating, title: str = "", comment: str = "") -> Review:
    """The buyer rates and comments on one delivered line of their own order, once.

    Locks the order line row, so a double submit waits and is then refused (the unique constraint on
    the line is the last guard). Safe to retry: a second call is refused as already reviewed.
    """
    rating, title, comment = _clean(rating=rating, title=title, comment=comment)
    try:
        with transaction.atomic():
            line = (
                OrderLine.objects.select_for_update(of=("self",))
                .select_related("order", "order__policy_version")
                .filter(pk=line.pk, order__user=user)
                .first()
            )
            if line is None:
                raise NotFound("No such order line.", code="order_line_not_found")
            if Review.objects.filter(order_line=line).exists():
                raise AlreadyReviewed("You have already reviewed this part of the order.")
            refusal = review_refusal(
                policy=order_policy(line.order), line=line, delivered_at=line_delivered_at(line)
            )
            if refusal is not None:
                raise ReviewRefused(refusal.message, code=refusal.code)
            now = timezone.now()
            review = Review.objects.create(
                order_line=line,
                user=user,
                product_id=line.product_id,
                rating=rating,
                title=title,
                comment=comment,
                created_at=now,
                updated_at=now,
            )
            _event(review, ReviewEvent.Kind.SUBMITTED, actor=user, role="buyer")
    except IntegrityError:
        # Only the one-review-per-line constraint can fail here: a racing submit got in first.
        if Review.objects.filter(order_line_id=line.pk).exists():
            raise AlreadyReviewed("You have already reviewed this part of the order.") from None
        raise
    return review


def _lock(review: Review) -> Review:
    """Re-read the review under a row lock (SELECT ... FOR UPDATE)."""
    locked = (
        Review.objects.select_for_update(of=("self",))
        .select_related("user", "order_line", "order_line__order__policy_version", "product")
        .filter(pk=review.pk)
        .first()
    )
    if locked is None:
        raise NotFound("No such review.", code="review_not_found")
    return locked


def review_update(*, user, review: Review, rating, title: str = "", comment: str = "") -> Review:
    """The buyer edits their review while it is not yet published; editing a rejected one submits it again.

    Locks the review row; safe to retry (an unchanged review records nothing).
    """
    rating, title, comment = _clean(rating=rating, title=title, comment=comment)
    with transaction.atomic():
        review = _lock(review)
        if review.user_id != getattr(user, "pk", None):
            raise NotFound("No such review.", code="review_not_found")
        if review.status not in BUYER_EDITABLE:
            raise Conflict(
                "A published review can no longer be changed; contact us if it needs correcting.",
                code="review_published",
            )
        if (rating, title, comment) == (review.rating, review.title, review.comment):
            return review
        before = {"rating": review.rating, "title": review.title, "comment": review.comment}
        from_status = review.status
        review.rating, review.title, review.comment = rating, title, comment
        review.status, review.rejection_reason = ReviewStatus.PENDING, ""
        review.updated_at = timezone.now()
        review.save(update_fields=["rating", "title", "comment", "status", "rejection_reason", "updated_at"])
        _event(
            review, ReviewEvent.Kind.EDITED, actor=user, role="buyer", from_status=from_status, data=before
        )
    return review


def _moderate(review: Review, target: str, *, actor, reason: str) -> Review:
    review = _lock(review)
    if target not in MODERATION.get(review.status, frozenset()):
        raise InvalidModeration(
            f"A review that is {ReviewStatus(review.status).label.lower()} cannot be "
            f"{'approved' if target == ReviewStatus.APPROVED else 'rejected'}."
        )
    from_status = review.status
    now = timezone.now()
    review.status = target
    review.rejection_reason = reason if target == ReviewStatus.REJECTED else ""
    review.moderated_at = review.updated_at = now
    review.moderated_by = actor
    review.save(update_fields=["status", "rejection_reason", "moderated_at", "moderated_by", "updated_at"])
    kind = ReviewEvent.Kind.APPROVED if target == ReviewStatus.APPROVED else ReviewEvent.Kind.REJECTED
    _event(review, kind, actor=actor, role="staff", from_status=from_status, reason=reason)
    review_email_queue(review=review, kind=kind)
    return review


def review_approve(*, review: Review, actor) -> Review:
    """Staff publish a pending (or wrongly rejected) review; the buyer is told. Locks the review row."""
    with transaction.atomic():
        return _moderate(review, ReviewStatus.APPROVED, actor=actor, reason="")


def review_reject(*, review: Review, actor, reason: str) -> Review:
    """Staff refuse (or take down) a review with a reason the buyer reads. Locks the review row."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Tell the buyer why.", field="reason", code="required")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"At most {REASON_MAX} characters.", field="reason", code="too_long")
    if "\x00" in reason:
        raise ValidationFailed("Null characters are not allowed.", field="reason", code="invalid")
    with transaction.atomic():
        return _moderate(review, ReviewStatus.REJECTED, actor=actor, reason=reason)
