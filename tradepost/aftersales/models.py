"""After-sales: troubleshooting guides, end customers of resellers, RMAs with their events and photos.

An RMA's state is derived from its timestamps (requested_at, approved_at, ...); every change is also an
RmaEvent row with the actor, their role and the time, which the buyer reads as a timeline.
"""

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from tradepost.aftersales.calculations import Remedy

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_rma_number() -> str:
    return "RMA-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


class TroubleshootingGuide(models.Model):
    """Steps a claimant tries before a warranty claim, for one product or a whole category."""

    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=200)
    steps = models.TextField(help_text="One step per line, in the order to try them.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(product__isnull=False) & Q(category__isnull=True))
                | (Q(product__isnull=True) & Q(category__isnull=False)),
                name="aftersales_guide_product_xor_category",
            ),
            models.UniqueConstraint(fields=["product"], name="aftersales_one_guide_per_product"),
            models.UniqueConstraint(fields=["category"], name="aftersales_one_guide_per_category"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def step_list(self) -> list[str]:
        return [step.strip() for step in self.steps.splitlines() if step.strip()]


class EndCustomer(models.Model):
    """A reseller's customer for goods of one order: who may claim directly with order number + serial
    or email."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="end_customers")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=150)
    email = models.EmailField()
    serial = models.CharField(max_length=80, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "serial"], condition=~Q(serial=""), name="aftersales_serial_once_per_line"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class RmaReason(models.TextChoices):
    DEFECTIVE = "defective", "Defective"
    WRONG_ITEM = "wrong_item", "Wrong item"
    NOT_AS_DESCRIBED = "not_as_described", "Not as described"
    CHANGED_MIND = "changed_mind", "Changed my mind"
    LOST_PARCEL = "lost_parcel", "Parcel lost"
    OTHER = "other", "Other"


class RemedyChoices(models.TextChoices):
    QUALITY_GUARANTEE = Remedy.QUALITY_GUARANTEE, "Quality guarantee"
    WARRANTY = Remedy.WARRANTY, "Warranty"
    MONEY_BACK = Remedy.MONEY_BACK, "Money-back guarantee"
    RETURNS = Remedy.RETURNS, "Return"


class Requester(models.TextChoices):
    BUYER = "buyer", "The buyer"
    RESELLER = "reseller", "A reseller for their customer"
    END_CUSTOMER = "end_customer", "A reseller's customer"


class Resolution(models.TextChoices):
    REFUND = "refund", "Refund"
    REPLACEMENT = "replacement", "Replacement"
    REPAIR = "repair", "Repair"
    REJECT = "reject", "Rejected"


class RmaState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved: send the goods back"
    REJECTED = "rejected", "Rejected"
    RETURN_SHIPPED = "return_shipped", "On its way back"
    RECEIVED = "received", "Received"
    INSPECTED = "inspected", "Inspected"
    RESOLVED = "resolved", "Resolved"


class Rma(models.Model):
    """A return merchandise authorization: a claim on some units of one order line under one remedy."""

    number = models.CharField(max_length=16, unique=True, default=new_rma_number, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="rmas")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="rmas")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    reason = models.CharField(max_length=20, choices=RmaReason.choices)
    remedy = models.CharField(max_length=20, choices=RemedyChoices.choices)
    # The window the claim was accepted under, as computed at submission.
    window_rule = models.CharField(max_length=300)
    window_ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: lifetime.")
    description = models.TextField()
    # What the claimant would like (money-back: refund or a replacement); staff decide at resolution.
    preferred_resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True)
    requester = models.CharField(max_length=16, choices=Requester.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_customer_name = models.CharField(max_length=150, blank=True)
    end_customer_email = models.EmailField(blank=True)
    end_customer_phone = models.CharField(max_length=32, blank=True)
    # The follow-up link of an end customer without an account: only its SHA-256 is kept.
    access_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    troubleshooting_seen_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    return_address = models.TextField(blank=True)
    return_carrier = models.CharField(max_length=80, blank=True)
    return_tracking_number = models.CharField(max_length=40, blank=True)
    return_shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    restocked_at = models.DateTimeField(null=True, blank=True)
    inspected_at = models.DateTimeField(null=True, blank=True)
    condition = models.TextField(blank=True)
    exclusion = models.CharField(max_length=50, blank=True)
    exclusion_label = models.CharField(max_length=200, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(blank=True)
    # Replacement or repair: the order that sends the goods back, free, through the shipping desk.
    follow_up_order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="rma_follow_up"
    )
    refund = models.OneToOneField(
        "payments.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="rma"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="aftersales_rma_quantity_positive"),
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | Q(rejected_at__isnull=True),
                name="aftersales_rma_approved_xor_rejected",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | ~Q(resolution=""),
                name="aftersales_rma_resolution_when_resolved",
            ),
        ]
        indexes = [models.Index(fields=["order", "line"], name="aftersales_rma_order_line")]

    def __str__(self) -> str:
        return self.number

    @property
    def state(self) -> str:
        """Where the RMA stands, read from its timestamps."""
        if self.resolved_at:
            return RmaState.RESOLVED
        if self.rejected_at:
            return RmaState.REJECTED
        if self.inspected_at:
            return RmaState.INSPECTED
        if self.received_at:
            return RmaState.RECEIVED
        if self.return_shipped_at:
            return RmaState.RETURN_SHIPPED
        if self.approved_at:
            return RmaState.APPROVED
        return RmaState.REQUESTED

    def get_state_display(self) -> str:
        return RmaState(self.state).label

    @property
    def is_open(self) -> bool:
        return self.state not in (RmaState.RESOLVED, RmaState.REJECTED)

    @property
    def needs_return(self) -> bool:
        """A lost parcel has nothing to send back."""
        return self.reason != RmaReason.LOST_PARCEL

    @property
    def contact_email(self) -> str:
        if self.requester == Requester.END_CUSTOMER:
            return self.end_customer_email
        return self.order.user.email


class RmaPhoto(models.Model):
    rma = models.ForeignKey(Rma, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="rma/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class RmaEvent(models.Model):
    """The RMA's audit trail: who did what, in which role, when; the buyer sees buyer_visible rows."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        RETURN_SHIPPED = "return_shipped", "Return shipped"
        RECEIVED = "received", "Received"
        INSPECTED = "inspected", "Inspected"
        RESOLVED = "resolved", "Resolved"
        REFUND_SENT = "refund_sent", "Refund sent"
        NOTE = "note", "Note"

    rma = models.ForeignKey(Rma, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=16)  # buyer | reseller | end_customer | staff | system
    message = models.TextField(blank=True)
    internal_note = models.TextField(blank=True)
    buyer_visible = models.BooleanField(default=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.rma_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"
