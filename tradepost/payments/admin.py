"""Read-only admin for payments: money moves only through payments.services (the finance desk calls them)."""

from django.contrib import admin

from tradepost.core.admin import ReadOnlyAdmin, ReadOnlyAdminMixin
from tradepost.payments.models import Payment, Refund, Transaction


class PaymentTransactionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Transaction
    extra = 0
    fields = ["created_at", "kind", "source", "external_id", "amount", "currency", "recorded_by", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "order",
        "method",
        "status",
        "amount",
        "sender_name",
        "mtcn",
        "created_at",
        "decided_at",
    ]
    list_filter = ["method", "status"]
    list_select_related = ["order"]
    search_fields = ["=order__number", "=mtcn", "=provider_order_id", "sender_name"]
    date_hierarchy = "created_at"
    inlines = [PaymentTransactionInline]
    # Not editable (or a URL field, whose form field warns), so listed to be shown as text.
    readonly_fields = ["request_id", "approve_url", "created_at", "updated_at"]


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "order",
        "kind",
        "source",
        "external_id",
        "amount",
        "currency",
        "occurred_on",
        "recorded_by",
    ]
    list_filter = ["kind", "source"]
    list_select_related = ["order", "recorded_by"]
    search_fields = ["=order__number", "external_id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = ["created_at"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["order", "amount", "status", "destination", "due_at", "sent_at", "external_id", "reason"]
    list_filter = ["status", "destination"]
    list_select_related = ["order"]
    search_fields = ["=order__number", "external_id", "reason"]
    date_hierarchy = "due_at"
    readonly_fields = ["request_id"]
