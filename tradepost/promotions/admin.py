"""Back office for promotions: campaigns are edited here; coupons are read-only, revoked via the service."""

import csv

from django.contrib import admin, messages
from django.http import HttpResponse

from tradepost.core.admin import ReadOnlyAdmin, ReadOnlyAdminMixin
from tradepost.core.exceptions import ApplicationError
from tradepost.promotions.models import Campaign, CampaignCode, Coupon, CouponEvent, OrderDiscount
from tradepost.promotions.services import campaign_codes_generate, coupon_revoke


class CampaignCodeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CampaignCode
    extra = 0
    fields = ["hint", "redeemed_by", "redeemed_at", "created_at"]
    readonly_fields = fields
    max_num = 0
    show_change_link = False

    def get_queryset(self, request):
        # One query for the codes and who redeemed them, not one per code (a campaign may hold thousands).
        return super().get_queryset(request).select_related("redeemed_by")


def _codes_csv(campaign: Campaign, codes: list[str]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-codes.csv"'
    writer = csv.writer(response)
    writer.writerow(["campaign", "code"])
    for code in codes:
        writer.writerow([campaign.name, code])
    return response


def _generate(count: int):
    def action(modeladmin, request, queryset):
        if queryset.count() != 1:
            modeladmin.message_user(request, "Choose exactly one campaign.", messages.ERROR)
            return None
        campaign = queryset.get()
        if campaign.kind == Campaign.Kind.GRANT:
            modeladmin.message_user(request, "Grant campaigns have no codes.", messages.ERROR)
            return None
        # Only hashes are stored: this download is the one time the codes can be seen.
        return _codes_csv(campaign, campaign_codes_generate(campaign=campaign, count=count))

    action.__name__ = f"generate_{count}_codes"
    action.short_description = f"Generate {count} code{'s' if count > 1 else ''} (CSV download, shown once)"
    return action


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "coupon_kind",
        "value_type",
        "value",
        "min_spend",
        "issued",
        "usage_limit",
        "active",
        "members_only",
        "valid_from",
        "valid_until",
    ]
    list_filter = ["kind", "coupon_kind", "active", "members_only"]
    search_fields = ["name"]
    readonly_fields = ["issued", "created_at", "updated_at"]
    inlines = [CampaignCodeInline]
    actions = [_generate(1), _generate(10), _generate(100), _generate(1000)]

    def has_delete_permission(self, request, obj=None):
        return False  # coupons keep pointing at their campaign; deactivate instead


class CouponEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CouponEvent
    extra = 0
    fields = ["created_at", "kind", "actor", "message"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "owner",
        "kind",
        "value_type",
        "value",
        "state",
        "valid_until",
        "used_by_order",
        "amount_applied",
    ]
    list_filter = ["kind", "state", "source"]
    search_fields = ["owner__email", "used_by_order__number"]
    list_select_related = ["owner", "used_by_order"]
    inlines = [CouponEventInline]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected available coupons")
    def revoke(self, request, queryset):
        done = 0
        for coupon in queryset:
            try:
                coupon_revoke(coupon=coupon, actor=request.user, reason="Revoked in the back office.")
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"Coupon {coupon.pk}: {exc.message}", messages.WARNING)
        self.message_user(request, f"Revoked {done} coupon(s).")

    def get_actions(self, request):
        # ReadOnlyAdmin hides actions with the change permission; revoking goes through the service,
        # so it is offered to those who hold that permission (not to every staff member who can view).
        actions = super().get_actions(request)
        if request.user.has_perm("promotions.change_coupon") and "revoke" not in actions:
            actions["revoke"] = self.get_action("revoke")
        return actions


@admin.register(OrderDiscount)
class OrderDiscountAdmin(ReadOnlyAdmin):
    list_display = ["order", "coupon", "applies_to", "label", "amount"]
    list_select_related = ["order", "coupon"]
    search_fields = ["order__number"]
