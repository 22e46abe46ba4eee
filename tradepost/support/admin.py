"""Canned replies are kept here; tickets and inbound emails are read-only (the desk changes tickets)."""

from django.contrib import admin

from tradepost.support.models import CannedReply, InboundEmail, Ticket, TicketEvent, TicketMessage


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "active")
    list_filter = ("topic", "active")
    search_fields = ("title", "body")


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MessageInline(admin.TabularInline):
    model = TicketMessage
    fields = ("created_at", "kind", "author_email", "via", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = TicketEvent
    fields = ("created_at", "kind", "actor", "actor_role", "from_status", "to_status", "data")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(_ReadOnly):
    list_display = ("reference", "topic", "status", "email", "due_at", "assigned_to", "created_at")
    list_filter = ("status", "topic")
    search_fields = ("reference", "email", "subject")
    inlines = [MessageInline, EventInline]


@admin.register(InboundEmail)
class InboundEmailAdmin(_ReadOnly):
    list_display = ("received_at", "from_email", "subject", "status", "ticket")
    list_filter = ("status",)
    search_fields = ("from_email", "subject", "message_id")
