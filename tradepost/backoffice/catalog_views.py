"""Catalog desk: upload a product CSV and read its import report; download the catalog as CSV.

Fulfilment desk only (superusers sit at every desk); anyone else gets a plain 404.
"""

from functools import wraps

from django import forms
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tradepost.accounts.roles import Desk, user_has_desk
from tradepost.catalog.exports import catalog_export_chunks
from tradepost.catalog.imports import COLUMNS, REQUIRED_COLUMNS, catalog_import

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
SHOWN_ERRORS = 500


def fulfilment_desk_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not user_has_desk(request.user, Desk.FULFILMENT.value):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


class CatalogUploadForm(forms.Form):
    file = forms.FileField(
        label="Product CSV",
        help_text=f"A .csv file in UTF-8, at most {filesizeformat(MAX_UPLOAD_BYTES)}.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Choose a .csv file.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {filesizeformat(MAX_UPLOAD_BYTES)}.")
        return upload


@fulfilment_desk_required
@require_http_methods(["GET", "POST"])
def catalog_upload(request):
    context = {"columns": COLUMNS, "required": REQUIRED_COLUMNS, "max_bytes": MAX_UPLOAD_BYTES}
    if request.method == "GET":
        return render(request, "backoffice/catalog/import.html", {**context, "form": CatalogUploadForm()})
    # Refuse an oversized upload from its announced length, before Django spools it to disk.
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES + 64 * 1024:
        refused = f"The file is larger than {filesizeformat(MAX_UPLOAD_BYTES)}."
        context.update(form=CatalogUploadForm(), refused=refused)
        return render(request, "backoffice/catalog/import.html", context, status=400)
    form = CatalogUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "backoffice/catalog/import.html", {**context, "form": form}, status=400)
    upload = form.cleaned_data["file"]
    report = catalog_import(source=upload)
    context.update(
        form=CatalogUploadForm(),
        filename=upload.name,
        report=report,
        errors=report.errors[:SHOWN_ERRORS],
        hidden_errors=max(len(report.errors) - SHOWN_ERRORS, 0),
    )
    return render(request, "backoffice/catalog/import.html", context)


@fulfilment_desk_required
@require_GET
def catalog_download(request):
    """Every product as an import CSV, streamed; with a byte order mark so spreadsheets read it as UTF-8."""
    response = StreamingHttpResponse(catalog_export_chunks(bom=True), content_type="text/csv; charset=utf-8")
    filename = f"catalog-{timezone.now():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
