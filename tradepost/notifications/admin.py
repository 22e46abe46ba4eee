"""The outbox in the admin: read-only, with one action that requeues messages that failed for good."""

from django.contrib import admin, messages

from tradepost.notifications.models import Notification, NotificationState
from tradepost.notifications.services import notification_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to_email", "subject", "state", "attempts", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("to_email", "subject")
    actions = ["requeue"]
    exclude = ("private_text", "private_html")  # a guest's secret link never shows in the admin
    readonly_fields = [f.name for f in Notification._meta.fields if not f.name.startswith("private_")]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Send failed messages again")
    def requeue(self, request, queryset):
        count = 0
        for row in queryset.filter(state=NotificationState.FAILED):
            notification_retry(notification=row, actor=request.user)
            count += 1
        messages.info(request, f"{count} messages queued again.")
