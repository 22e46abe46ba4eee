"""Read-only admin for invoices: they are issued only by invoices.services and never change afterwards."""

import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from tradepost.core.admin import ReadOnlyAdmin
from tradepost.invoices.models import Invoice, InvoiceSequence


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "order", "issued_at", "incoterm", "requested_at", "has_pdf"]
    list_filter = ["year", "incoterm"]
    list_select_related = ["order"]
    search_fields = ["=number", "=order__number"]
    date_hierarchy = "issued_at"
    fields = [
        "number",
        "order",
        "issued_at",
        "issued_by",
        "requested_at",
        "requested_by",
        "incoterm",
        "pdf_sha256",
        "pdf_rendered_at",
        "download",
        "document",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf")

    @admin.display(boolean=True, description="PDF rendered")
    def has_pdf(self, obj) -> bool:
        return bool(obj.pdf_sha256)

    @admin.display(description="PDF")
    def download(self, obj) -> str:
        url = reverse("backoffice:order_invoice_pdf", args=[obj.order.number])
        return format_html('<a href="{}">{}.pdf</a>', url, obj.number)

    @admin.display(description="Frozen document data")
    def document(self, obj) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=2, ensure_ascii=False))


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(ReadOnlyAdmin):
    list_display = ["year", "last_number"]
