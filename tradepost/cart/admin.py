"""Read-only admin for carts: buyers change their carts through cart.services, never staff."""

from django.contrib import admin
from django.db.models import Count

from tradepost.cart.models import Cart, CartLine
from tradepost.core.admin import ReadOnlyAdmin, ReadOnlyAdminMixin


class CartLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CartLine
    extra = 0
    fields = ["product", "quantity", "added_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")


@admin.register(Cart)
class CartAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "line_count", "created_at", "updated_at"]
    list_filter = [("user", admin.EmptyFieldListFilter), "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "=token"]
    inlines = [CartLineInline]
    readonly_fields = ["token", "created_at", "updated_at"]  # not editable, so listed to be shown

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(line_count=Count("lines"))

    @admin.display(description="lines", ordering="line_count")
    def line_count(self, obj: Cart) -> int:
        return obj.line_count
