"""Read-mostly admin for inquiries and quotations; spec forms of customizable types are edited here.

State changes (quoting, declining, accepting) go through the quote desk pages and services.
"""

import json

from django import forms
from django.contrib import admin

from tradepost.quotes.models import (
    Attachment,
    Inquiry,
    InquiryEvent,
    InquiryLine,
    Production,
    Quotation,
    QuotationLine,
    SpecTemplate,
)
from tradepost.quotes.specs import template_fields


class SpecTemplateForm(forms.ModelForm):
    class Meta:
        model = SpecTemplate
        fields = ["category", "fields"]

    def clean_category(self):
        category = self.cleaned_data["category"]
        if category is not None and not category.customizable:
            raise forms.ValidationError("Mark the category as customizable first.")
        return category

    def clean_fields(self):
        raw = self.cleaned_data["fields"]
        try:
            template_fields(raw)
        except ValueError as exc:
            raise forms.ValidationError(f"Not a valid spec form: {exc}") from None
        return raw


@admin.register(SpecTemplate)
class SpecTemplateAdmin(admin.ModelAdmin):
    form = SpecTemplateForm
    list_display = ["category", "field_keys", "updated_at"]
    autocomplete_fields = ["category"]

    @admin.display(description="fields")
    def field_keys(self, obj):
        return ", ".join(item.get("key", "?") for item in obj.fields if isinstance(item, dict))


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class InquiryLineInline(ReadOnlyInline):
    model = InquiryLine
    fields = ["sku", "mpn", "manufacturer", "quantity", "target_price"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["name", "content_type", "size", "uploaded_by", "created_at"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = InquiryEvent
    fields = ["created_at", "kind", "actor", "actor_role", "message", "buyer_visible"]
    readonly_fields = fields


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "kind",
        "status",
        "user",
        "received_at",
        "due_at",
        "first_quoted_at",
        "assigned_to",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["number", "user__email", "part_number"]
    list_select_related = ["user", "assigned_to"]
    inlines = [InquiryLineInline, AttachmentInline, EventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="spec")
    def spec_json(self, obj):
        return json.dumps(obj.spec, ensure_ascii=False)


class QuotationLineInline(ReadOnlyInline):
    model = QuotationLine
    fields = ["sku", "mpn", "title", "quantity", "unit_price", "line_total", "lead_time_days"]
    readonly_fields = fields


@admin.register(Quotation)
class QuotationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "goods_total", "sent_at", "valid_until", "order"]
    list_filter = ["status"]
    search_fields = ["inquiry__number"]
    list_select_related = ["inquiry", "order"]
    inlines = [QuotationLineInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Production)
class ProductionAdmin(admin.ModelAdmin):
    list_display = ["order", "promised_ship_date", "state_label", "ready_at"]
    list_select_related = ["order"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False
