"""Reviews in the admin: read-only; approving and rejecting go through the moderation desk (services)."""

from django.contrib import admin

from tradepost.reviews.models import Review, ReviewEvent


class ReviewEventInline(admin.TabularInline):
    model = ReviewEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "from_status", "to_status", "actor", "actor_role", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("id", "order_line", "user", "rating", "status", "created_at", "moderated_at")
    list_filter = ("status", "rating")
    search_fields = ("user__email", "order_line__sku", "order_line__order__number", "comment")
    list_select_related = ("order_line", "user")
    readonly_fields = [f.name for f in Review._meta.fields]
    inlines = [ReviewEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
