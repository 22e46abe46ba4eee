"""Paid membership: plans with their welcome coupon package, each buyer's membership periods, their audit."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Plan(models.Model):
    """What a buyer can buy: a number of days of membership for a price; staff edit plans in the admin."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=40, unique=True)
    description = models.CharField(max_length=300, blank=True)
    duration_days = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(3660)])
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))], help_text="USD."
    )
    active = models.BooleanField(
        default=True, help_text="Offered to buyers; members of a retired plan keep it."
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "price", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="memberships_plan_price_positive"),
            models.CheckConstraint(condition=Q(duration_days__gte=1), name="memberships_plan_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_days} days, {self.price} USD)"


class WelcomeCoupon(models.Model):
    """Part of a plan's welcome package: this many coupons of a grant campaign, given at activation."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="welcome")
    campaign = models.ForeignKey("promotions.Campaign", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "campaign"], name="memberships_welcome_once_per_campaign"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="memberships_welcome_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.campaign}"


class Membership(models.Model):
    """One paid period of membership. Expired and upcoming are derived from the dates, never stored.

    pending (its order awaits payment) -> active (paid: dates set, welcome coupons given)
    -> cancelled (by the member, with a prorated refund); pending -> void (the order lapsed or was cancelled).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        ACTIVE = "active", "Paid"
        CANCELLED = "cancelled", "Cancelled"
        VOID = "void", "Not paid"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="memberships")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="membership")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # The plan as bought: a later edit of the plan changes no one's membership.
    plan_name = models.CharField(max_length=80)
    plan_days = models.PositiveIntegerField()
    price_paid = models.DecimalField(max_digits=10, decimal_places=2)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The cancellation as calculated and shown to the member (lines and amounts), and the refund it owes.
    cancellation = models.JSONField(default=dict, blank=True)
    refund = models.ForeignKey(
        "payments.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "status", "ends_at"], name="memberships_user_current")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "void"])
                | (Q(starts_at__isnull=False) & Q(ends_at__isnull=False) & Q(activated_at__isnull=False)),
                name="memberships_paid_has_dates",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="memberships_cancelled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_name} for {self.user_id} ({self.status})"

    def state(self, now=None) -> str:
        """pending | upcoming | active | expired | cancelled | void, as the buyer and staff see it."""
        if self.status != self.Status.ACTIVE:
            return self.status
        now = now or timezone.now()
        if self.starts_at > now:
            return "upcoming"
        if self.ends_at <= now:
            return "expired"
        return "active"

    def state_label(self, now=None) -> str:
        return {
            "pending": "Awaiting payment",
            "upcoming": "Starts later",
            "active": "Active",
            "expired": "Expired",
            "cancelled": "Cancelled",
            "void": "Not paid",
        }[self.state(now)]

    def days_left(self, now=None) -> int:
        """Whole days still to run; the day under way counts as used. A period not started has them all."""
        from tradepost.memberships.calculations import days_remaining

        if self.status != self.Status.ACTIVE:
            return 0
        return days_remaining(
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            now=now or timezone.now(),
            plan_days=self.plan_days,
        )


class MembershipEvent(models.Model):
    """The audit trail of a membership: who changed what, when."""

    class Kind(models.TextChoices):
        CREATED = "created", "Bought, awaiting payment"
        ACTIVATED = "activated", "Paid and activated"
        WELCOME = "welcome", "Welcome coupons"
        CANCELLED = "cancelled", "Cancelled"
        VOIDED = "voided", "Order not paid"

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=16)  # buyer | staff | system | provider
    message = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
