"""Back-office admin for accounts: read-mostly; agreement publishing and desk seating go through services."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from tradepost.accounts import services
from tradepost.accounts.models import (
    AccountEvent,
    Address,
    AgreementAcceptance,
    ApiToken,
    User,
    UserAgreement,
)
from tradepost.accounts.roles import Desk, user_desks
from tradepost.core.admin import ReadOnlyAdmin


class UserChangeForm(forms.ModelForm):
    desks = forms.MultipleChoiceField(
        choices=Desk.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The staff desks this person works at. Seating someone at a desk makes them staff.",
    )

    class Meta:
        model = User
        fields = ["full_name", "company", "country", "account_type", "is_active", "is_staff"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["desks"].initial = (
                sorted(user_desks(self.instance)) if not self.instance.is_superuser else []
            )


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = ["label", "full_name", "line1", "city", "country", "phone", "is_default"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    ordering = ["-date_joined"]
    list_display = ["email", "full_name", "country", "account_type", "is_staff", "date_joined"]
    list_filter = ["account_type", "is_staff", "is_active", "groups"]
    search_fields = ["email", "full_name", "company"]
    readonly_fields = ["email", "date_joined", "last_login", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "company", "country", "account_type"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "desks"]}),
        ("Dates", {"fields": ["date_joined", "last_login"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "full_name", "country", "password1", "password2"]})]
    inlines = [AddressInline]
    filter_horizontal = []

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            return super().get_form(request, obj, **kwargs)
        kwargs["form"] = UserChangeForm
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "desks" in form.cleaned_data and not obj.is_superuser:
            services.staff_set_desks(actor=request.user, user=obj, desks=form.cleaned_data["desks"])


class AgreementForm(forms.ModelForm):
    class Meta:
        model = UserAgreement
        fields = ["title", "body", "summary_of_changes"]


@admin.register(UserAgreement)
class UserAgreementAdmin(admin.ModelAdmin):
    """New versions are published, never edited: the add form publishes through the service."""

    form = AgreementForm
    list_display = ["version", "title", "published_at", "published_by"]
    readonly_fields = ["version", "published_at", "published_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        published = services.agreement_publish(
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            summary_of_changes=form.cleaned_data.get("summary_of_changes", ""),
            actor=request.user,
        )
        obj.pk = published.pk
        obj.version = published.version


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["user", "agreement", "accepted_at", "ip_address"]
    list_select_related = ["user", "agreement"]
    search_fields = ["user__email"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "name", "prefix"]
    exclude = ["key_hash"]


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "user", "actor", "ip_address"]
    list_filter = ["kind"]
    list_select_related = ["user", "actor"]
    search_fields = ["user__email", "actor__email"]
