"""Catalog admin: categories through the service (it keeps tree paths); products read-mostly."""

from django.contrib import admin

from tradepost.catalog import services
from tradepost.catalog.models import (
    Category,
    Manufacturer,
    PriceBreak,
    Product,
    ProductImage,
    ProductSpec,
    SpecAttribute,
)
from tradepost.core.admin import ReadOnlyAdminMixin


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent", "depth", "warranty_class", "customizable", "position"]
    list_filter = ["depth", "customizable", "warranty_class"]
    search_fields = ["name", "slug"]
    fields = ["name", "slug", "parent", "description", "warranty_class", "customizable", "position"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a node would rewrite its subtree's paths; the tree is reshaped by import, not here.
        return ["parent", "slug"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.category_create(
            name=obj.name,
            slug=obj.slug,
            parent=obj.parent,
            warranty_class=obj.warranty_class,
            customizable=obj.customizable,
            position=obj.position,
            description=obj.description,
        )
        obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth


@admin.register(Manufacturer)
class ManufacturerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SpecAttribute)
class SpecAttributeAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "kind", "unit", "position"]


class PriceBreakInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PriceBreak
    extra = 0


class SpecInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProductSpec
    extra = 0


class ImageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProductImage
    extra = 0


@admin.register(Product)
class ProductAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Products change through CSV import, the API or services, which validate every field together."""

    list_display = ["sku", "mpn", "manufacturer", "category", "stock", "price_from", "status"]
    list_filter = ["status"]
    list_select_related = ["manufacturer", "category"]
    search_fields = ["=sku", "mpn_normalized"]
    show_full_result_count = False
    inlines = [PriceBreakInline, SpecInline, ImageInline]
    raw_id_fields = ["manufacturer", "category"]

    def get_search_results(self, request, queryset, search_term):
        from tradepost.catalog.normalize import normalize_part_number

        normalized = normalize_part_number(search_term)
        if not normalized:
            return queryset, False
        return queryset.filter(sku=search_term.strip()) | queryset.filter(
            mpn_normalized__startswith=normalized
        ), False
