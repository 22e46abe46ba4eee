"""Carriers and their services, destination zones, rate tables, shipments and tracking events."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField

DEFAULT_VOLUMETRIC_DIVISOR = 5000  # cm³ per kg, what express carriers use
# A sanity limit on what staff type, not a promise: half a year of working days is beyond any parcel
# service, and far larger numbers would carry promised dates past what a date can hold.
MAX_TRANSIT_WORKING_DAYS = 120
TRACKING_PLACEHOLDER = "{tracking_number}"


class Carrier(models.Model):
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=80)
    tracking_url = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where buyers follow a parcel; {tracking_number} is replaced by the number.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        url = (self.tracking_url or "").strip()
        if url:
            if not url.lower().startswith(("https://", "http://")):
                raise ValidationError(
                    {"tracking_url": "Start the address with https:// (or http://)."}, code="invalid"
                )
            if TRACKING_PLACEHOLDER not in url:
                raise ValidationError(
                    {"tracking_url": f"Put {TRACKING_PLACEHOLDER} where the parcel's number goes."},
                    code="placeholder",
                )
        self.tracking_url = url

    def tracking_link(self, tracking_number: str) -> str:
        if not self.tracking_url or not tracking_number:
            return ""
        return self.tracking_url.replace(TRACKING_PLACEHOLDER, tracking_number)


class CarrierService(models.Model):
    """One way a carrier moves parcels (express, economy ...), with its transit window in working days."""

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="services")
    code = models.SlugField(max_length=30)
    name = models.CharField(max_length=80)
    transit_min_working_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    transit_max_working_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    volumetric_divisor = models.PositiveIntegerField(
        default=DEFAULT_VOLUMETRIC_DIVISOR,
        validators=[MinValueValidator(1)],
        help_text="Cubic centimetres per kilogram of volumetric weight (5000 for most express services).",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["carrier__name", "transit_min_working_days", "name"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "code"], name="shipping_service_code_per_carrier"),
            models.CheckConstraint(
                condition=Q(transit_min_working_days__lte=F("transit_max_working_days")),
                name="shipping_service_transit_window",
            ),
            models.CheckConstraint(condition=Q(volumetric_divisor__gt=0), name="shipping_service_divisor"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier.name} {self.name}"

    def clean(self) -> None:
        """The transit window as field errors (the check constraint alone names no field)."""
        errors = {}
        for name in ("transit_min_working_days", "transit_max_working_days"):
            value = getattr(self, name)
            if value is not None and value > MAX_TRANSIT_WORKING_DAYS:
                errors[name] = f"At most {MAX_TRANSIT_WORKING_DAYS} working days."
        low, high = self.transit_min_working_days, self.transit_max_working_days
        if not errors and low is not None and high is not None and low > high:
            errors["transit_max_working_days"] = (
                f"The slowest delivery cannot be faster than the quickest ({low} working days)."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def method_code(self) -> str:
        """The code a buyer's choice is stored under: `<carrier>.<service>`."""
        return f"{self.carrier.code}.{self.code}"


class Zone(models.Model):
    """Destinations priced alike; a country belongs to at most one zone."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ZoneCountry(models.Model):
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="countries")
    country = CountryField(unique=True)

    class Meta:
        ordering = ["country"]
        verbose_name_plural = "zone countries"

    def __str__(self) -> str:
        return f"{self.country} in {self.zone.code}"


class Rate(models.Model):
    """One band of a rate table: a parcel up to `max_weight_grams` (chargeable) costs `price` USD."""

    service = models.ForeignKey(CarrierService, on_delete=models.CASCADE, related_name="rates")
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="rates")
    max_weight_grams = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["service", "zone", "max_weight_grams"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "zone", "max_weight_grams"], name="shipping_rate_one_band_per_weight"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="shipping_rate_price_not_negative"),
            models.CheckConstraint(condition=Q(max_weight_grams__gt=0), name="shipping_rate_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.zone.code} ≤{self.max_weight_grams} g: {self.price}"


class TrackingStatus(models.TextChoices):
    """Carrier events mapped onto one vocabulary."""

    INFO = "info", "Information received"
    PICKED_UP = "picked_up", "Picked up"
    IN_TRANSIT = "in_transit", "In transit"
    CUSTOMS = "customs", "In customs"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    EXCEPTION = "exception", "Delivery problem"
    RETURNED = "returned", "Returned to sender"


class Shipment(models.Model):
    """One parcel: which order lines and quantities left, with which carrier, under which number."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="shipments")
    number = models.CharField(max_length=24, unique=True)  # <order number>-<n>
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="shipments")
    service = models.ForeignKey(CarrierService, on_delete=models.PROTECT, related_name="shipments")
    tracking_number = models.CharField(max_length=40, blank=True, db_index=True)
    shipped_at = models.DateTimeField()
    shipped_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The service's transit window from shipped_at, on the store calendar.
    estimated_delivery_earliest_at = models.DateTimeField()
    estimated_delivery_latest_at = models.DateTimeField()
    last_event_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=20, choices=TrackingStatus.choices, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["shipped_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"],
                condition=~Q(tracking_number=""),
                name="shipping_tracking_number_per_carrier",
            )
        ]
        indexes = [models.Index(fields=["delivered_at", "last_event_at"], name="shipping_undelivered")]

    def __str__(self) -> str:
        return self.number

    @property
    def tracking_link(self) -> str:
        return self.carrier.tracking_link(self.tracking_number)


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="shipment_lines"
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shipment", "order_line"], name="shipping_line_once_per_parcel"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shipping_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line.sku}"


class TrackingEvent(models.Model):
    """What the carrier reported; `carrier_event_id` makes a replayed report change nothing."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="+")
    carrier_event_id = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=TrackingStatus.choices)
    location = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10)  # api | csv | staff

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "carrier_event_id"], name="shipping_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment.number} {self.status} {self.occurred_at:%Y-%m-%d %H:%M}"
