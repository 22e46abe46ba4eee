"""Orders: what was bought, at which prices, under which policy version, and every change since."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from tradepost.policies.schema import PaymentMethod

_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone


def new_order_number() -> str:
    return "TP-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))


class OrderStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
    PAID = "paid", "Paid"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    ON_HOLD = "on_hold", "On hold"
    PARTIALLY_SHIPPED = "partially_shipped", "Partially shipped"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class CancelReason(models.TextChoices):
    BUYER = "buyer", "Cancelled by the buyer"
    BUYER_CONSENT = "buyer_consent", "Cancelled by staff with the buyer's consent"
    NON_PAYMENT = "non_payment", "Not paid in time"


class PaymentMethodChoices(models.TextChoices):
    """Labels for the policy's payment methods (`policies.schema.PaymentMethod`)."""

    PAYPAL = PaymentMethod.PAYPAL.value, "PayPal"
    CARD = PaymentMethod.CARD.value, "Credit or debit card (through PayPal)"
    WIRE_TRANSFER = PaymentMethod.WIRE_TRANSFER.value, "Wire transfer"
    WESTERN_UNION = PaymentMethod.WESTERN_UNION.value, "Western Union"


class OrderKind(models.TextChoices):
    GOODS = "goods", "Goods"
    MEMBERSHIP = "membership", "Membership"


class Order(models.Model):
    number = models.CharField(max_length=16, unique=True, default=new_order_number, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(
        max_length=24, choices=OrderStatus.choices, default=OrderStatus.AWAITING_PAYMENT, db_index=True
    )
    # Goods are shipped; a membership order has no lines and nothing to ship (memberships app).
    kind = models.CharField(max_length=12, choices=OrderKind.choices, default=OrderKind.GOODS)
    policy_version = models.ForeignKey("policies.PolicyVersion", on_delete=models.PROTECT, related_name="+")
    # Decided when the order is placed: a membership bought or lapsed later changes nothing.
    member_benefits = models.BooleanField(
        default=False, help_text="The buyer was a member when ordering (member guarantee days)."
    )
    # A retried submit with the same key returns this order instead of placing a second one.
    idempotency_key = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, default="USD")
    goods_total = models.DecimalField(max_digits=14, decimal_places=2)
    discount_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    shipping_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    duties_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    # Money received (captures, confirmed transfers) less money sent back; kept by payments services.
    amount_paid = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    payment_method = models.CharField(max_length=24, choices=PaymentMethodChoices.choices)
    shipping_method = models.CharField(max_length=40)
    shipping_method_label = models.CharField(max_length=120)
    # The shipping choice as quoted at checkout: carrier and service codes (blank: the store picks per
    # parcel), the transit window in working days after dispatch, the incoterm, the weight charged for.
    shipping_carrier = models.CharField(max_length=30, blank=True)
    shipping_service = models.CharField(max_length=30, blank=True)
    transit_min_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    transit_max_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    incoterm = models.CharField(max_length=3, choices=[("DDP", "DDP"), ("DAP", "DAP")], default="DAP")
    chargeable_weight_grams = models.PositiveIntegerField(default=0)
    # The shipping address as it was at checkout; later address-book edits don't change it.
    ship_name = models.CharField(max_length=150)
    ship_company = models.CharField(max_length=200, blank=True)
    ship_line1 = models.CharField(max_length=200)
    ship_line2 = models.CharField(max_length=200, blank=True)
    ship_city = models.CharField(max_length=100)
    ship_region = models.CharField(max_length=100, blank=True)
    ship_postal_code = models.CharField(max_length=20, blank=True)
    ship_country = CountryField()
    ship_phone = models.CharField(max_length=32)
    remark = models.TextField(blank=True)
    commercial_invoice_requested = models.BooleanField(default=False)
    placed_at = models.DateTimeField()
    payment_due_at = models.DateTimeField(help_text="An unpaid order lapses at this time.")
    paid_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    dispatch_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The delivery window promised when the dispatch clock started; later policy changes don't move it.
    delivery_earliest_at = models.DateTimeField(null=True, blank=True)
    delivery_latest_at = models.DateTimeField(null=True, blank=True)
    first_shipped_at = models.DateTimeField(
        null=True, blank=True, help_text="When the first parcel left; money-back windows count from here."
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=24, choices=CancelReason.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="orders_one_order_per_key"),
            models.CheckConstraint(condition=Q(total__gte=0), name="orders_total_not_negative"),
            models.CheckConstraint(
                condition=Q(status="cancelled") | Q(cancel_reason=""),
                name="orders_reason_only_when_cancelled",
            ),
        ]
        indexes = [models.Index(fields=["user", "-placed_at"], name="orders_user_placed")]

    def __str__(self) -> str:
        return self.number

    @property
    def balance_due(self):
        """What the buyer still owes; nothing once the order is cancelled."""
        if self.status == OrderStatus.CANCELLED:
            return Decimal("0.00")
        return max(self.total - self.amount_paid, Decimal("0.00"))

    @property
    def overpaid(self):
        return max(self.amount_paid - self.total, Decimal("0.00"))

    @property
    def shipping_address_lines(self) -> list[str]:
        parts = [
            self.ship_name,
            self.ship_company,
            self.ship_line1,
            self.ship_line2,
            " ".join(p for p in (self.ship_postal_code, self.ship_city) if p),
            self.ship_region,
            self.ship_country.name,
            self.ship_phone,
        ]
        return [p for p in parts if p]


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # Empty for a part the catalog does not list (a quoted unlisted or customized part).
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the buyer saw when ordering, kept even if the catalog changes.
    sku = models.CharField(max_length=64)
    mpn = models.CharField(max_length=80)
    manufacturer = models.CharField(max_length=150)
    title = models.CharField(max_length=255)
    warranty_class = models.CharField(max_length=64, blank=True)
    # Customs data for the commercial invoice and the weight for shipping rates, as at checkout.
    hs_code = models.CharField("HS code", max_length=12, blank=True)
    country_of_origin = CountryField(blank=True)
    weight_grams = models.PositiveIntegerField(default=0)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    line_total = models.DecimalField(max_digits=14, decimal_places=2)
    quantity_shipped = models.PositiveIntegerField(default=0)
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orders_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_shipped__lte=models.F("quantity")), name="orders_line_not_over_shipped"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"

    @property
    def quantity_to_ship(self) -> int:
        """Units still to send: none for a cancelled line."""
        return 0 if self.cancelled else self.quantity - self.quantity_shipped


class OrderEvent(models.Model):
    """The audit trail: every change of an order, who made it (None: the system) and when."""

    class Kind(models.TextChoices):
        PLACED = "placed", "Order placed"
        PAYMENT = "payment", "Payment recorded"
        STATUS = "status", "Status changed"
        NOTE = "note", "Note"
        PROPOSAL = "proposal", "Change proposed"
        PROPOSAL_DECIDED = "proposal_decided", "Proposal answered"
        CHANGED = "changed", "Order changed"
        REFUND = "refund", "Refund"
        SHIPMENT = "shipment", "Parcel shipped"
        TRACKING = "tracking", "Tracking update"
        INVOICE = "invoice", "Commercial invoice"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=16)  # buyer | staff | system | provider
    message = models.TextField(blank=True, help_text="Shown to the buyer.")
    internal_note = models.TextField(blank=True, help_text="Staff only.")
    buyer_visible = models.BooleanField(default=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class ChangeProposal(models.Model):
    """A staff proposal to change an order that can't ship as bought (stock shortfall).

    The order changes only when the buyer accepts. `changes` is a list of
    {"line": id, "action": "reduce"|"cancel"|"substitute"|"wait", "quantity": n, "substitute_sku": s,
    "unit_price": "0.1234", "wait_until": "YYYY-MM-DD"}.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for the buyer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="proposals")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED)
    message = models.TextField()
    changes = models.JSONField()
    total_before = models.DecimalField(max_digits=14, decimal_places=2)
    total_after = models.DecimalField(max_digits=14, decimal_places=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    buyer_reply = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="proposed"), name="orders_one_open_proposal"
            )
        ]

    def __str__(self) -> str:
        return f"proposal {self.pk} for order {self.order_id} ({self.status})"
