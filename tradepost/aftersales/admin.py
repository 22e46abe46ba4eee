"""After-sales admin: troubleshooting guides are edited here; RMAs and end customers are read-only, since
they change only through services (the after-sales desk pages call them)."""

from django.contrib import admin

from tradepost.aftersales.models import EndCustomer, Rma, RmaEvent, TroubleshootingGuide
from tradepost.core.admin import ReadOnlyAdmin, ReadOnlyAdminMixin


@admin.register(TroubleshootingGuide)
class TroubleshootingGuideAdmin(admin.ModelAdmin):
    list_display = ["title", "product", "category", "updated_at"]
    list_select_related = ["product", "category"]
    search_fields = ["title", "=product__sku", "category__name"]
    autocomplete_fields = ["product", "category"]


class RmaEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RmaEvent
    extra = 0
    fields = [
        "created_at",
        "kind",
        "actor",
        "actor_role",
        "from_state",
        "to_state",
        "message",
        "internal_note",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Rma)
class RmaAdmin(ReadOnlyAdmin):
    list_display = ["number", "order", "reason", "remedy", "requester", "requested_at", "resolution"]
    list_filter = ["reason", "remedy", "requester", "resolution"]
    list_select_related = ["order"]
    search_fields = ["=number", "=order__number", "end_customer_email"]
    date_hierarchy = "requested_at"
    exclude = ["access_token_hash"]
    inlines = [RmaEventInline]


@admin.register(EndCustomer)
class EndCustomerAdmin(ReadOnlyAdmin):
    list_display = ["order", "line", "name", "email", "serial", "created_at"]
    list_select_related = ["order", "line"]
    search_fields = ["=order__number", "email", "=serial"]
