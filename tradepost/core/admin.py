"""Admin building blocks shared by every app."""

from django.contrib import admin


class ReadOnlyAdminMixin:
    """For rows that change only through services (audit rows, versions): view, never add, edit or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass
