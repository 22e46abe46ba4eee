"""Reviews: a buyer's rating and comment on one delivered order line, moderated by the after-sales desk."""

from django.conf import settings
from django.db import models
from django.db.models import Q

RATING_MIN, RATING_MAX = 1, 5
TITLE_MAX = 120
COMMENT_MAX = 4000
REASON_MAX = 1000


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Waiting for moderation"
    APPROVED = "approved", "Published"
    REJECTED = "rejected", "Not published"


# status -> statuses staff may move a review to. An approved review can still be taken down (with a
# reason), and a rejection made in error can be undone.
MODERATION: dict[str, frozenset[str]] = {
    ReviewStatus.PENDING: frozenset({ReviewStatus.APPROVED, ReviewStatus.REJECTED}),
    ReviewStatus.APPROVED: frozenset({ReviewStatus.REJECTED}),
    ReviewStatus.REJECTED: frozenset({ReviewStatus.APPROVED}),
}
# The buyer may edit until the review is published; editing a rejected review submits it again.
BUYER_EDITABLE = frozenset({ReviewStatus.PENDING, ReviewStatus.REJECTED})


class Review(models.Model):
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    # The line's catalog product; empty for a part the catalog does not list (shown on no product page).
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    comment = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    rejection_reason = models.TextField(blank=True, help_text="Shown to the buyer.")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order_line"], name="reviews_one_per_order_line"),
            models.CheckConstraint(
                condition=Q(rating__gte=RATING_MIN) & Q(rating__lte=RATING_MAX), name="reviews_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(status="rejected") | Q(rejection_reason=""),
                name="reviews_reason_only_when_rejected",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "status", "-created_at"], name="reviews_product_status"),
            models.Index(fields=["user", "-created_at"], name="reviews_user_created"),
            models.Index(fields=["status", "created_at"], name="reviews_status_created"),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} of line {self.order_line_id} ({self.status})"

    @property
    def buyer_may_edit(self) -> bool:
        return self.status in BUYER_EDITABLE

    @property
    def author_label(self) -> str:
        """How the product page names the reviewer: first name and an initial, never the full name."""
        parts = (self.user.full_name or "").split()
        if not parts:
            return "A buyer"
        return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."


class ReviewEvent(models.Model):
    """The audit trail of a review: submitted, edited, approved, rejected; who (None: the system), when."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        EDITED = "edited", "Edited by the buyer"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=16)  # buyer | staff | system
    reason = models.TextField(blank=True)
    # What an edit replaced: {"rating": 4, "title": "...", "comment": "..."}.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"review {self.review_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"
