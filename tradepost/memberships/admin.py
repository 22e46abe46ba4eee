"""Back office for memberships: plans and their welcome packages are edited here; memberships are read-only
(they change through the services: payment activates, the member cancels)."""

from django import forms
from django.contrib import admin

from tradepost.core.admin import ReadOnlyAdmin, ReadOnlyAdminMixin
from tradepost.memberships.models import Membership, MembershipEvent, Plan, WelcomeCoupon
from tradepost.promotions.models import Campaign


class WelcomeCouponForm(forms.ModelForm):
    class Meta:
        model = WelcomeCoupon
        fields = ["campaign", "quantity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(kind=Campaign.Kind.GRANT, active=True)
        self.fields["campaign"].help_text = "A grant campaign (coupons given, not redeemed by code)."

    def clean_campaign(self):
        campaign = self.cleaned_data["campaign"]
        if campaign.kind != Campaign.Kind.GRANT:
            raise forms.ValidationError("Welcome coupons come from a grant campaign.")
        return campaign


class WelcomeCouponInline(admin.TabularInline):
    model = WelcomeCoupon
    form = WelcomeCouponForm
    extra = 1


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "duration_days", "price", "active", "position"]
    list_filter = ["active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [WelcomeCouponInline]

    def has_delete_permission(self, request, obj=None):
        return False  # memberships keep pointing at their plan; retire it (active off) instead


class MembershipEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MembershipEvent
    extra = 0
    fields = ["created_at", "kind", "actor", "actor_role", "message"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["pk", "user", "plan_name", "status", "starts_at", "ends_at", "price_paid", "order"]
    list_filter = ["status", "plan"]
    search_fields = ["user__email", "order__number"]
    list_select_related = ["user", "order"]
    inlines = [MembershipEventInline]
