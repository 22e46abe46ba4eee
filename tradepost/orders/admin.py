"""Read-only admin for orders: every change goes through orders.services (the staff desk calls them)."""

from django.contrib import admin

from tradepost.core.admin import ReadOnlyAdmin, ReadOnlyAdminMixin
from tradepost.orders.models import ChangeProposal, Order, OrderEvent, OrderLine
from tradepost.payments.models import Refund, Transaction


class OrderLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = [
        "sku",
        "mpn",
        "manufacturer",
        "title",
        "quantity",
        "quantity_shipped",
        "unit_price",
        "line_total",
        "cancelled",
    ]
    readonly_fields = fields


class OrderEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderEvent
    extra = 0
    fields = [
        "created_at",
        "kind",
        "from_status",
        "to_status",
        "actor",
        "actor_role",
        "message",
        "internal_note",
        "buyer_visible",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class ChangeProposalInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ChangeProposal
    extra = 0
    fields = [
        "created_at",
        "created_by",
        "status",
        "message",
        "changes",
        "total_before",
        "total_after",
        "decided_at",
        "buyer_reply",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


class TransactionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Transaction
    extra = 0
    fields = [
        "created_at",
        "kind",
        "source",
        "external_id",
        "amount",
        "currency",
        "occurred_on",
        "recorded_by",
        "note",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


class RefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Refund
    extra = 0
    fields = ["created_at", "amount", "reason", "destination", "status", "due_at", "sent_at", "external_id"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "user",
        "status",
        "payment_method",
        "total",
        "amount_paid",
        "placed_at",
        "dispatch_due_at",
        "commercial_invoice_requested",
    ]
    list_filter = ["status", "payment_method", "commercial_invoice_requested", "cancel_reason", "placed_at"]
    list_select_related = ["user"]
    search_fields = ["=number", "user__email", "ship_name", "ship_company"]
    date_hierarchy = "placed_at"
    show_full_result_count = False
    inlines = [OrderLineInline, TransactionInline, RefundInline, ChangeProposalInline, OrderEventInline]
    readonly_fields = ["number", "updated_at"]  # not editable, so listed to be shown

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "policy_version")


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "order",
        "kind",
        "from_status",
        "to_status",
        "actor",
        "actor_role",
        "buyer_visible",
    ]
    list_filter = ["kind", "actor_role", "buyer_visible"]
    list_select_related = ["order", "actor"]
    search_fields = ["=order__number", "actor__email", "message", "internal_note"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(ChangeProposal)
class ChangeProposalAdmin(ReadOnlyAdmin):
    list_display = [
        "order",
        "status",
        "total_before",
        "total_after",
        "created_by",
        "created_at",
        "decided_at",
    ]
    list_filter = ["status"]
    list_select_related = ["order", "created_by"]
    search_fields = ["=order__number", "message", "buyer_reply"]
