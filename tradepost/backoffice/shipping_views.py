"""Shipping desk: orders to dispatch, the ship form, parcels, stale parcels, tracking and rate CSV uploads.

Fulfilment desk only, like the order desk (superusers sit at every desk): anonymous visitors are sent to
sign in, anyone else gets a plain 404. Each page calls one selector or service of tradepost.shipping; what
a service refuses is shown on the form field it names.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tradepost.accounts.roles import Desk
from tradepost.backoffice.order_views import desk_required, show_errors
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.orders.models import Order, OrderLine
from tradepost.orders.selectors import order_for_staff
from tradepost.shipping import imports
from tradepost.shipping.models import CarrierService, TrackingStatus
from tradepost.shipping.selectors import (
    SHIPPABLE,
    STALE_DAYS_DEFAULT,
    STALE_DAYS_MAX,
    STALE_DAYS_MIN,
    dispatch_queue,
    services_active,
    shipment_for_staff,
    shipments_recent,
    stale_shipments,
)
from tradepost.shipping.services import MAX_BATCH, shipment_create, shipment_mark_delivered

PAGE_SIZE = 50
RECENT_SHIPMENTS = 100
SHOWN_ERRORS = 500


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _order(number: str) -> Order:
    try:
        return order_for_staff(number=number)
    except NotFound:
        raise Http404 from None


# --- The dispatch queue ----------------------------------------------------------------------------------


@desk_required(Desk.FULFILMENT)
@require_GET
def queue_page(request):
    """Paid orders not fully shipped, the nearest dispatch deadline first (so the overdue come first)."""
    now = timezone.now()
    queue = dispatch_queue(now=now)
    counts = dict(queue.order_by().values_list("clock").annotate(n=Count("id")))
    context = {
        "page": _page(request, queue),
        "overdue": counts.get("overdue", 0),
        "due_soon": counts.get("due_soon", 0),
        "waiting": sum(counts.values()),
        "shippable": SHIPPABLE,
        "now": now,
    }
    return render(request, "backoffice/shipping/queue.html", context)


# --- Shipping a parcel -----------------------------------------------------------------------------------


@dataclass
class LineRow:
    line: OrderLine
    quantity: forms.BoundField


class ShipForm(forms.Form):
    """The input of `shipment_create`: one quantity per line still to ship, everything left by default."""

    service = forms.ChoiceField(label="Carrier service")
    tracking_number = forms.CharField(
        label="Tracking number",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    note = forms.CharField(
        label="Internal note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when the parcel goes with another carrier than the buyer chose: say why.",
    )

    def __init__(self, *args, order: Order, services: list[CarrierService], **kwargs):
        super().__init__(*args, **kwargs)
        chosen = f"{order.shipping_carrier}.{order.shipping_service}" if order.shipping_carrier else ""
        choices = [("", "Choose a carrier service")]
        for service in services:
            days = f"{service.transit_min_working_days}–{service.transit_max_working_days}"
            label = f"{service} ({days} working days)"
            if service.method_code == chosen:
                label += " — the buyer's choice"
            choices.append((service.method_code, label))
        self.fields["service"].choices = choices
        if chosen and any(code == chosen for code, _ in choices):
            self.fields["service"].initial = chosen
        self.lines = [line for line in order.lines.all() if line.quantity_to_ship > 0]
        self.error_fields = {}
        for line in self.lines:
            name = f"line_{line.pk}"
            self.fields[name] = forms.IntegerField(
                label=f"{line.sku} units in this parcel",
                min_value=0,
                required=False,
                initial=line.quantity_to_ship,
                widget=forms.NumberInput(attrs={"aria-label": f"{line.sku}: units in this parcel"}),
            )
            self.error_fields[f"lines.{line.pk}"] = name

    def rows(self) -> list[LineRow]:
        return [LineRow(line, self[f"line_{line.pk}"]) for line in self.lines]

    def carrier_and_service(self) -> tuple[str, str]:
        carrier, _, service = self.cleaned_data["service"].partition(".")
        return carrier, service

    def quantities(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data.get(f"line_{line.pk}") or 0 for line in self.lines}


@desk_required(Desk.FULFILMENT)
@require_http_methods(["GET", "POST"])
def ship_order(request, number: str):
    order = _order(number)
    services = services_active()  # whether one may carry this order is shipment_create's decision
    if request.method == "GET":
        form = ShipForm(order=order, services=services)
        return _render_ship(request, order, form)
    form = ShipForm(request.POST, order=order, services=services)
    if form.is_valid():
        carrier, service = form.carrier_and_service()
        try:
            shipment = shipment_create(
                order=order,
                actor=request.user,
                carrier=carrier,
                service=service,
                tracking_number=form.cleaned_data["tracking_number"],
                quantities=form.quantities(),
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            show_errors(form, exc, form.error_fields)
        else:
            units = sum(line.quantity for line in shipment.lines.all())
            tracking = f", tracking number {shipment.tracking_number}" if shipment.tracking_number else ""
            messages.success(
                request,
                f"Parcel {shipment.number} shipped with {shipment.service}{tracking}: "
                f"{units} unit{'s' if units != 1 else ''}. The buyer has been emailed.",
            )
            return redirect("backoffice:order_detail", number=order.number)
    return _render_ship(request, _order(number), form, status=400)


def _render_ship(request, order: Order, form: ShipForm, status: int = 200):
    left = sum(line.quantity_to_ship for line in order.lines.all())
    shippable = order.status in SHIPPABLE and left > 0
    # A refused form stays in view with its errors, whatever the order's state is now.
    context = {"order": order, "form": form, "shippable": shippable, "show_form": shippable or form.is_bound}
    return render(request, "backoffice/shipping/ship.html", context, status=status)


# --- Parcels ----------------------------------------------------------------------------------------------


class DeliveredForm(forms.Form):
    note = forms.CharField(label="How do you know?", required=False, max_length=500)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


@desk_required(Desk.FULFILMENT)
@require_GET
def shipments_page(request):
    context = {"shipments": shipments_recent(limit=RECENT_SHIPMENTS), "limit": RECENT_SHIPMENTS}
    return render(request, "backoffice/shipping/shipments.html", context)


@desk_required(Desk.FULFILMENT)
@require_POST
def shipment_delivered(request, number: str):
    """Staff confirm a parcel arrived (for carriers that send no tracking feed); back to where they were."""
    try:
        shipment = shipment_for_staff(number=number)
    except NotFound:
        raise Http404 from None
    form = DeliveredForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        back = ""
    back = back or reverse("backoffice:order_detail", args=[shipment.order.number]) + "#shipments"
    if not form.is_valid():
        messages.error(request, f"{shipment.number}: " + " ".join(form.errors.get("note", [])))
        return redirect(back)
    try:
        shipment_mark_delivered(shipment=shipment, actor=request.user, note=form.cleaned_data["note"])
    except ApplicationError as exc:
        details = " ".join(error.message for error in exc.errors if error.message != exc.message)
        messages.error(request, f"{shipment.number}: {exc.message} {details}".strip())
    else:
        messages.success(request, f"Parcel {shipment.number} is marked delivered.")
    return redirect(back)


class StaleForm(forms.Form):
    days = forms.IntegerField(
        label="No tracking news for at least (days)",
        min_value=STALE_DAYS_MIN,
        max_value=STALE_DAYS_MAX,
        required=False,
        initial=STALE_DAYS_DEFAULT,
    )


@desk_required(Desk.FULFILMENT)
@require_GET
def stale_page(request):
    """Undelivered parcels with no tracking news for N days: lost-parcel suspects."""
    form = StaleForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "days": None, "page": None}
        return render(request, "backoffice/shipping/stale.html", context, status=400)
    days = (form.cleaned_data.get("days") if form.is_bound else None) or STALE_DAYS_DEFAULT
    page = _page(request, stale_shipments(days=days))
    return render(request, "backoffice/shipping/stale.html", {"form": form, "days": days, "page": page})


# --- CSV uploads ------------------------------------------------------------------------------------------


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=f"A .csv file in UTF-8, at most {filesizeformat(imports.MAX_BYTES)}.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Choose a .csv file.")
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {filesizeformat(imports.MAX_BYTES)}.")
        return upload


class RatesUploadForm(CsvUploadForm):
    dry_run = forms.BooleanField(label="Only check the file, change nothing", required=False)


def _upload_context(report) -> dict:
    return {
        "report": report,
        "errors": report.errors[:SHOWN_ERRORS],
        "hidden_errors": max(len(report.errors) - SHOWN_ERRORS, 0),
    }


@desk_required(Desk.FULFILMENT)
@require_http_methods(["GET", "POST"])
def tracking_upload(request):
    context = {"columns": imports.TRACKING_COLUMNS, "statuses": TrackingStatus.choices, "max_rows": MAX_BATCH}
    if request.method == "GET":
        return render(request, "backoffice/shipping/tracking.html", {**context, "form": CsvUploadForm()})
    form = CsvUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "backoffice/shipping/tracking.html", {**context, "form": form}, status=400)
    upload = form.cleaned_data["file"]
    report = imports.tracking_events_import(source=upload, actor=request.user)
    context.update(form=CsvUploadForm(), filename=upload.name, **_upload_context(report))
    return render(request, "backoffice/shipping/tracking.html", context, status=200 if report.ok else 400)


@desk_required(Desk.FULFILMENT)
@require_http_methods(["GET", "POST"])
def rates_upload(request):
    context = {"columns": imports.RATE_COLUMNS}
    if request.method == "GET":
        return render(request, "backoffice/shipping/rates.html", {**context, "form": RatesUploadForm()})
    form = RatesUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "backoffice/shipping/rates.html", {**context, "form": form}, status=400)
    upload = form.cleaned_data["file"]
    report = imports.rates_import(source=upload, actor=request.user, dry_run=form.cleaned_data["dry_run"])
    context.update(form=RatesUploadForm(), filename=upload.name, **_upload_context(report))
    return render(request, "backoffice/shipping/rates.html", context, status=200 if report.ok else 400)


@desk_required(Desk.FULFILMENT)
@require_GET
def rates_download(request):
    """The rate tables as an import CSV, with a byte order mark so spreadsheets read it as UTF-8."""
    response = HttpResponse("\ufeff" + imports.rates_export(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rates-{timezone.now():%Y%m%d-%H%M}.csv"'
    return response
