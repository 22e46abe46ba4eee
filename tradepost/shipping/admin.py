"""Shipping admin: staff edit carriers, services, zones and rate bands; parcels and tracking are read-only.

Shipments and tracking events change only through shipping.services (the shipping desk calls them).
Whole rate tables are easier to replace with the CSV import on the shipping desk.
"""

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from tradepost.core.admin import ReadOnlyAdmin, ReadOnlyAdminMixin
from tradepost.shipping.models import (
    Carrier,
    CarrierService,
    Rate,
    Shipment,
    ShipmentLine,
    TrackingEvent,
    Zone,
    ZoneCountry,
)


class CarrierServiceInlineForm(forms.ModelForm):
    """Model validation leaves out an inline's parent key, so the one-code-per-carrier constraint would
    only fail at the database (a 500); check it here against the carrier being edited."""

    class Meta:
        model = CarrierService
        fields = [
            "code",
            "name",
            "transit_min_working_days",
            "transit_max_working_days",
            "volumetric_divisor",
            "active",
        ]

    def validate_unique(self):
        super().validate_unique()
        code = self.cleaned_data.get("code")
        carrier_id = self.instance.carrier_id
        if code and carrier_id and "code" not in self.errors:
            taken = CarrierService.objects.filter(carrier_id=carrier_id, code=code)
            if taken.exclude(pk=self.instance.pk).exists():
                self.add_error("code", "This carrier already has a service with this code.")


class CarrierServiceInline(admin.TabularInline):
    model = CarrierService
    form = CarrierServiceInlineForm
    extra = 0
    fields = [
        "code",
        "name",
        "transit_min_working_days",
        "transit_max_working_days",
        "volumetric_divisor",
        "active",
    ]
    show_change_link = True


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "active", "tracking_url"]
    list_filter = ["active"]
    search_fields = ["name", "code"]
    inlines = [CarrierServiceInline]


@admin.register(CarrierService)
class CarrierServiceAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "method_code",
        "transit_min_working_days",
        "transit_max_working_days",
        "volumetric_divisor",
        "active",
    ]
    list_filter = ["carrier", "active"]
    list_select_related = ["carrier"]
    search_fields = ["code", "name", "carrier__code", "carrier__name"]


class ZoneCountryInline(admin.TabularInline):
    model = ZoneCountry
    extra = 1


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "country_list"]
    search_fields = ["name", "code"]
    inlines = [ZoneCountryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("countries")

    @admin.display(description="Countries")
    def country_list(self, zone: Zone) -> str:
        return " ".join(str(row.country.code) for row in zone.countries.all())


@admin.register(Rate)
class RateAdmin(admin.ModelAdmin):
    list_display = ["service", "zone", "max_weight_grams", "price"]
    list_filter = ["service", "zone"]
    list_select_related = ["service__carrier", "zone"]
    list_editable = ["price"]
    list_per_page = 200
    ordering = ["service__carrier__code", "service__code", "zone__code", "max_weight_grams"]


class ShipmentLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ShipmentLine
    extra = 0
    fields = ["order_line", "quantity"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order_line")


class TrackingEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TrackingEvent
    extra = 0
    fields = ["occurred_at", "status", "location", "description", "carrier_event_id", "source", "recorded_by"]
    readonly_fields = fields
    ordering = ["-occurred_at", "-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "order",
        "carrier",
        "service",
        "tracking",
        "shipped_at",
        "last_status",
        "last_event_at",
        "delivered_at",
    ]
    list_filter = ["carrier", "last_status"]
    list_select_related = ["order", "carrier", "service__carrier"]
    search_fields = ["=number", "=tracking_number", "=order__number"]
    date_hierarchy = "shipped_at"
    inlines = [ShipmentLineInline, TrackingEventInline]

    @admin.display(description="Tracking number")
    def tracking(self, shipment: Shipment) -> str:
        if shipment.tracking_link:
            return format_html(
                '<a href="{}" rel="noopener">{}</a>', shipment.tracking_link, shipment.tracking_number
            )
        return shipment.tracking_number or "—"


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnlyAdmin):
    list_display = ["shipment", "occurred_at", "status", "location", "description", "source", "recorded_at"]
    list_filter = ["status", "source", "carrier"]
    list_select_related = ["shipment"]
    search_fields = ["=shipment__number", "=shipment__tracking_number", "=carrier_event_id"]
    date_hierarchy = "occurred_at"
