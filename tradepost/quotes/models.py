"""Inquiries (an inquiry cart, a part the catalog does not list, customized goods) and the quotations
staff send for them; the production of customized goods once such an order is paid."""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone


def new_inquiry_number() -> str:
    return "RQ-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))


def attachment_path(instance: "Attachment", filename: str) -> str:
    # A random directory per file: the stored name never collides and is never guessable from the URL.
    return f"quotes/{secrets.token_hex(16)}/{PurePath(filename).name}"


class InquiryKind(models.TextChoices):
    INQUIRY_CART = "inquiry_cart", "Inquiry cart"
    UNLISTED_PART = "unlisted_part", "Part not listed"
    CUSTOMIZED = "customized", "Customized goods"


class InquiryStatus(models.TextChoices):
    RECEIVED = "received", "Waiting for a quotation"
    QUOTED = "quoted", "Quotation sent"
    ORDERED = "ordered", "Ordered"
    DECLINED = "declined", "Declined by the store"
    CLOSED = "closed", "Closed by the buyer"


OPEN_STATUSES = (InquiryStatus.RECEIVED, InquiryStatus.QUOTED)


class InquiryCart(models.Model):
    """The buyer's list of catalog parts to ask a price for; kept across visits until sent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inquiry_cart"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"inquiry cart of {self.user_id}"


class InquiryCartLine(models.Model):
    cart = models.ForeignKey(InquiryCart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    target_price = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, help_text="Unit price the buyer hopes for."
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="quotes_cart_line_one_per_product"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="quotes_cart_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x product {self.product_id}"


class SpecTemplate(models.Model):
    """The spec form of a customizable product type, as data: a list of fields (see quotes.specs)."""

    category = models.OneToOneField(
        "catalog.Category", on_delete=models.CASCADE, related_name="spec_template"
    )
    fields = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"spec form for {self.category}"


class Inquiry(models.Model):
    number = models.CharField(max_length=16, unique=True, default=new_inquiry_number, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inquiries")
    kind = models.CharField(max_length=16, choices=InquiryKind.choices)
    status = models.CharField(
        max_length=12, choices=InquiryStatus.choices, default=InquiryStatus.RECEIVED, db_index=True
    )
    # The SLA is the one of the policy in force when the inquiry arrived.
    policy_version = models.ForeignKey("policies.PolicyVersion", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True, help_text="A quotation is promised by this time.")
    first_quoted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decline_reason = models.TextField(blank=True)
    # A part not listed (and the quantity and target price of customized goods).
    part_number = models.CharField(max_length=80, blank=True)
    manufacturer = models.CharField(max_length=120, blank=True)
    quantity = models.PositiveIntegerField(null=True, blank=True)
    target_price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    # Customized goods: the product type and the filled spec form.
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    spec = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "inquiries"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="customized") | Q(category__isnull=False), name="quotes_customized_has_type"
            ),
            models.CheckConstraint(
                condition=~Q(kind="unlisted_part") | ~Q(part_number=""), name="quotes_unlisted_has_part"
            ),
        ]
        indexes = [models.Index(fields=["user", "-received_at"], name="quotes_inquiry_user")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class InquiryLine(models.Model):
    """A catalog part of an inquiry cart, as the buyer asked for it."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    mpn = models.CharField(max_length=80)
    manufacturer = models.CharField(max_length=150)
    title = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    target_price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class Attachment(models.Model):
    """A drawing or datasheet sent with an inquiry; downloadable by its owner and the sales desk only."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    name = models.CharField(max_length=150)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class InquiryEvent(models.Model):
    """The audit trail of an inquiry and its quotations: who did what and when."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Inquiry received"
        ATTACHMENT = "attachment", "File attached"
        ASSIGNED = "assigned", "Assigned"
        NOTE = "note", "Internal note"
        MESSAGE = "message", "Message"
        QUOTED = "quoted", "Quotation sent"
        REVISED = "revised", "Quotation revised"
        DECLINED = "declined", "Declined by the store"
        QUOTATION_DECLINED = "quotation_declined", "Quotation declined by the buyer"
        ACCEPTED = "accepted", "Quotation accepted"
        REMINDED = "reminded", "Expiry reminder sent"

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=16)  # buyer | staff | system
    message = models.TextField(blank=True)
    buyer_visible = models.BooleanField(default=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.inquiry_id} {self.kind}"


class QuotationStatus(models.TextChoices):
    SENT = "sent", "Waiting for your answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined by the buyer"
    SUPERSEDED = "superseded", "Superseded by a revision"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Quotation(models.Model):
    """One version of the store's offer. Only the newest sent version can be ordered, until valid_until."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="quotations")
    version = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=QuotationStatus.choices, default=QuotationStatus.SENT)
    valid_until = models.DateTimeField(help_text="The quoted prices can be ordered until this time.")
    promised_ship_date = models.DateField(null=True, blank=True, help_text="Customized goods: ships by.")
    notes = models.TextField(blank=True)
    goods_total = models.DecimalField(max_digits=14, decimal_places=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    # Set once, in the transaction that places the order: a second accept finds it and places nothing.
    order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="quotation"
    )
    expiry_notice_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["inquiry", "version"], name="quotes_one_version_number"),
            models.UniqueConstraint(
                fields=["inquiry"], condition=Q(status="sent"), name="quotes_one_live_quotation"
            ),
            models.CheckConstraint(
                condition=Q(order__isnull=True) | Q(status="accepted"), name="quotes_order_only_when_accepted"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inquiry.number}/v{self.version}"

    def is_expired(self, now) -> bool:
        return self.status == QuotationStatus.SENT and self.valid_until <= now

    def display_state(self, now) -> str:
        """The status a person reads: a sent quotation past its validity is "expired" (derived)."""
        return "expired" if self.is_expired(now) else self.status


class QuotationLine(models.Model):
    quotation = models.ForeignKey(Quotation, on_delete=models.CASCADE, related_name="lines")
    # Empty for a free-text part (unlisted or customized): the snapshot fields describe it.
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sku = models.CharField(max_length=64)
    mpn = models.CharField(max_length=80)
    manufacturer = models.CharField(max_length=150, blank=True)
    title = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    line_total = models.DecimalField(max_digits=14, decimal_places=2)
    lead_time_days = models.PositiveSmallIntegerField(default=0, help_text="Working days before it ships.")
    weight_grams = models.PositiveIntegerField(default=0, help_text="Per unit, for shipping rates.")
    notes = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="quotes_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quotes_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class ProductionState(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", "Waiting for payment"
    IN_PRODUCTION = "in_production", "In production"
    READY = "ready", "Ready to ship"
    SHIPPED = "shipped", "Shipped"
    CANCELLED = "cancelled", "Cancelled"


class Production(models.Model):
    """Making the customized goods of an order. The state is derived from times, never a flag:
    paid -> in production, ready_at -> ready, the order's first parcel -> shipped."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="production")
    quotation = models.OneToOneField(Quotation, on_delete=models.PROTECT, related_name="production")
    promised_ship_date = models.DateField(db_index=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    ready_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["promised_ship_date", "id"]

    def __str__(self) -> str:
        return f"production of {self.order_id}"

    @property
    def state(self) -> str:
        order = self.order
        if order.status == "cancelled":
            return ProductionState.CANCELLED
        if order.first_shipped_at:
            return ProductionState.SHIPPED
        if self.ready_at:
            return ProductionState.READY
        if order.paid_at:
            return ProductionState.IN_PRODUCTION
        return ProductionState.AWAITING_PAYMENT

    @property
    def state_label(self) -> str:
        return ProductionState(self.state).label

    def is_late(self, today) -> bool:
        """Not shipped and the promised ship date (a store-local date) has passed."""
        done = (ProductionState.SHIPPED, ProductionState.CANCELLED)
        return self.state not in done and self.promised_ship_date < today
