"""Campaigns, their codes, the coupons in buyers' wallets, their audit rows and what each order took."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class CouponKind(models.TextChoices):
    PRODUCT = "product", "Product discount"
    SHIPPING = "shipping", "Shipping discount"


class ValueType(models.TextChoices):
    FIXED = "fixed", "Fixed amount"
    PERCENT = "percent", "Percent of goods"
    FULL_SHIPPING = "full_shipping", "All of the shipping fee"


class Campaign(models.Model):
    """A coupon template and how buyers get it: a shared coupon code, single-use promotion codes, grants."""

    class Kind(models.TextChoices):
        COUPON_CODE = "coupon_code", "Coupon code (once per buyer)"
        PROMOTION_CODE = "promotion_code", "Promotion codes (one coupon per code)"
        GRANT = "grant", "Granted by staff or a membership"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    coupon_kind = models.CharField(max_length=10, choices=CouponKind.choices)
    value_type = models.CharField(max_length=15, choices=ValueType.choices)
    value = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, help_text="USD, or percent for a percent coupon."
    )
    min_spend = models.DecimalField(max_digits=12, decimal_places=2, default=0, help_text="Goods subtotal.")
    # Coupon codes and grants: the coupons' fixed window. Promotion codes: the window the code can be
    # exchanged in; the coupon itself lasts the policy's promotion_code_validity_days from the exchange.
    valid_from = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most coupons this campaign may issue; empty: no limit."
    )
    issued = models.PositiveIntegerField(default=0, editable=False)
    active = models.BooleanField(default=True)
    members_only = models.BooleanField(
        default=False, help_text="Only buyers with a current paid membership may redeem its codes."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(issued__lte=F("usage_limit")),
                name="promo_campaign_issued_within_limit",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="promo_campaign_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(value_type="percent") | Q(value__lte=100), name="promo_campaign_percent_max_100"
            ),
            models.CheckConstraint(
                condition=~Q(value_type="full_shipping") | Q(coupon_kind="shipping"),
                name="promo_campaign_full_shipping_is_shipping",
            ),
            models.CheckConstraint(
                condition=~Q(value_type="percent") | Q(coupon_kind="product"),
                name="promo_campaign_percent_is_product",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignCode(models.Model):
    """A long random code; only its SHA-256 is stored (like API tokens), so a database leak redeems nothing.

    A coupon-code campaign usually has one code shared by many buyers; a promotion-code campaign has
    many codes, each exchanged once (`redeemed_by` is set by a conditional UPDATE).
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=8, help_text="The last characters, to tell codes apart.")
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    redeemed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"…{self.hint}"


class CouponState(models.TextChoices):
    AVAILABLE = "available", "Available"
    USED = "used", "Used"
    REVOKED = "revoked", "Revoked"


class Coupon(models.Model):
    """A coupon in a buyer's wallet. Expired is derived (valid_until < now), never stored."""

    class Source(models.TextChoices):
        COUPON_CODE = "coupon_code", "Coupon code"
        PROMOTION_CODE = "promotion_code", "Promotion code"
        GRANT = "grant", "Grant"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coupons")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20, choices=Source.choices)
    kind = models.CharField(max_length=10, choices=CouponKind.choices)
    value_type = models.CharField(max_length=15, choices=ValueType.choices)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    min_spend = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=CouponState.choices, default=CouponState.AVAILABLE)
    used_by_order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    used_at = models.DateTimeField(null=True, blank=True)
    amount_applied = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # Given as a membership's welcome package: cancelling that membership may revoke or charge it.
    membership = models.ForeignKey(
        "memberships.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="coupons"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["valid_until", "pk"]
        indexes = [models.Index(fields=["owner", "state"])]
        constraints = [
            # One redemption per buyer of a coupon-code campaign, even when two requests race.
            models.UniqueConstraint(
                fields=["owner", "campaign"],
                condition=Q(source="coupon_code"),
                name="promo_coupon_one_per_buyer_per_code_campaign",
            ),
            # Used means used by exactly one order; any other state has none.
            models.CheckConstraint(
                condition=(Q(state="used") & Q(used_by_order__isnull=False))
                | (~Q(state="used") & Q(used_by_order__isnull=True)),
                name="promo_coupon_used_iff_order",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="promo_coupon_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Coupon {self.pk} ({self.kind})"

    def is_expired(self, now=None) -> bool:
        return self.valid_until is not None and self.valid_until < (now or timezone.now())

    def display_state(self, now=None) -> str:
        """available | used | revoked | expired (derived) | not_yet_valid (derived)."""
        if self.state != CouponState.AVAILABLE:
            return self.state
        now = now or timezone.now()
        if self.is_expired(now):
            return "expired"
        if self.valid_from > now:
            return "not_yet_valid"
        return "available"

    @property
    def face_value(self):
        """What the coupon is worth: its amount, or what it took when it covers all of the shipping."""
        if self.value_type == ValueType.FULL_SHIPPING:
            return self.amount_applied or 0
        return self.value

    @property
    def label(self) -> str:
        if self.value_type == ValueType.PERCENT:
            amount = f"{self.value.normalize():f}% off goods"
        elif self.value_type == ValueType.FULL_SHIPPING:
            amount = "Free shipping"
        else:
            amount = f"${self.value} off {'goods' if self.kind == CouponKind.PRODUCT else 'shipping'}"
        if self.min_spend:
            amount += f" (min. spend ${self.min_spend})"
        return amount


class CouponEvent(models.Model):
    """Audit trail of a coupon: who did what, when."""

    class Kind(models.TextChoices):
        ISSUED = "issued", "Issued"
        USED = "used", "Used by an order"
        RELEASED = "released", "Returned after cancellation"
        REVOKED = "revoked", "Revoked"

    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class OrderDiscount(models.Model):
    """Which coupon took how much off an order; the order's discount_total is their sum."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="discounts")
    coupon = models.ForeignKey(Coupon, null=True, on_delete=models.SET_NULL, related_name="+")
    applies_to = models.CharField(max_length=10, choices=[("goods", "Goods"), ("shipping", "Shipping")])
    label = models.CharField(max_length=120)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="promo_discount_not_negative")]

    def __str__(self) -> str:
        return f"{self.label}: -{self.amount}"
