"""Inquiries and quotations for buyers: the inquiry cart, asking for a part not listed or for customized
goods (spec form from the product type's data, drawings attached), My inquiries with their quotations,
and checkout of an accepted quotation at the quoted prices. Another buyer's inquiry or file is 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tradepost.accounts.selectors import address_list
from tradepost.checkout.services import MAX_REMARK, checkout_place_quotation, checkout_quotation_preview
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.orders.models import PaymentMethodChoices
from tradepost.quotes import selectors, services
from tradepost.quotes.models import QuotationStatus
from tradepost.quotes.services import MAX_FILES, MAX_QUANTITY, MAX_TEXT, Upload
from tradepost.storefront.forms import apply_errors
from tradepost.storefront.views.cart import page_status

PER_PAGE = 20
FILE_ACCEPT = ".pdf,.png,.jpg,.jpeg,.zip,.dxf,.step,.stp,.txt,.csv"


def attachment_response(attachment) -> FileResponse:
    """An inquiry file as a download (never rendered inline: the browser must not run what was uploaded)."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound("No such file.", code="file_not_found") from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files in one input; the service checks each one's type and size."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": FILE_ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"At most {MAX_FILES} files.")
        return [super(FilesField, self).clean(item, initial) for item in files]


def uploads(files, limit: int | None = None) -> list[Upload]:
    """Read uploaded files for the service; an oversized one is left unread (the service refuses it)."""
    from tradepost.quotes.services import _max_bytes

    limit = limit or _max_bytes()
    result = []
    for item in files or []:
        data = item.read(limit + 1)
        result.append(Upload(name=item.name or "", content_type=item.content_type or "", data=data))
    return result


def _price_field(label: str = "Target unit price, USD (optional)") -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, min_value=0, max_digits=14, decimal_places=4)


def _quantity_field() -> forms.IntegerField:
    return forms.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class CartLineForm(forms.Form):
    sku = forms.CharField(max_length=64, widget=forms.HiddenInput)
    quantity = _quantity_field()
    target_price = _price_field()


class SubmitForm(forms.Form):
    notes = forms.CharField(
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Notes for the sales desk (optional)",
        help_text="Delivery schedule, alternatives you accept, packaging …",
    )


class UnlistedForm(forms.Form):
    part_number = forms.CharField(max_length=80, label="Part number")
    manufacturer = forms.CharField(max_length=120, required=False)
    quantity = _quantity_field()
    target_price = _price_field()
    notes = forms.CharField(required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    files = FilesField(
        label="Datasheets or photos (optional)", help_text="PDF, images, ZIP, DXF, STEP; 10 MB each."
    )


def spec_form_class(fields):
    """A form for one product type's spec form (data), then the common quantity, price, notes, drawings."""
    attrs = {}
    for field in fields:
        name = f"spec_{field.key}"
        label = f"{field.label} ({field.unit})" if field.unit else field.label
        # Not required here: the service checks every answer and names each field, all at once.
        help_text = field.help or ("Required." if field.required else "Optional.")
        common = {"label": label, "required": False, "help_text": help_text}
        if field.kind == "choice":
            choices = [("", "Choose")] + [(c, c) for c in field.choices]
            attrs[name] = forms.ChoiceField(choices=choices, **common)
        elif field.kind in ("number", "integer"):
            # Text, not NumberInput: the service checks range and whole numbers and names the field.
            attrs[name] = forms.CharField(max_length=40, **common)
        else:
            attrs[name] = forms.CharField(max_length=field.max_length, **common)
    attrs["quantity"] = _quantity_field()
    attrs["target_price"] = _price_field()
    attrs["notes"] = forms.CharField(
        required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    attrs["files"] = FilesField(
        label="Drawings (optional)", help_text="PDF, images, ZIP, DXF, STEP; 10 MB each."
    )
    return type("SpecForm", (forms.Form,), attrs)


class MessageForm(forms.Form):
    message = forms.CharField(max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}), label="Message")


class AttachForm(forms.Form):
    files = FilesField(label="Add files", required=True)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}), label="Why (optional)"
    )


class QuotationCheckoutForm(forms.Form):
    address_id = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label="Ship to")
    shipping_method = forms.ChoiceField(widget=forms.RadioSelect, label="Shipping")
    payment_method = forms.ChoiceField(widget=forms.RadioSelect, label="Payment")
    remark = forms.CharField(
        required=False, max_length=MAX_REMARK, widget=forms.Textarea(attrs={"rows": 2}), label="Order remark"
    )
    expected_total = forms.DecimalField(widget=forms.HiddenInput, max_digits=14, decimal_places=2)

    def __init__(self, *args, addresses, preview, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address_id"].choices = [(a.pk, a) for a in addresses]
        self.fields["shipping_method"].choices = [(o.code, o) for o in preview.shipping]
        self.fields["payment_method"].choices = [
            (m, PaymentMethodChoices(m).label) for m in preview.payment_methods
        ]


def _sent(inquiry) -> str:
    return f"Inquiry {inquiry.number} sent. Our quotation is due by {inquiry.due_at:%Y-%m-%d %H:%M} UTC."


def _own(request, number: str):
    try:
        return selectors.inquiry_for_buyer(user=request.user, number=number)
    except NotFound:
        raise Http404 from None


# --- The inquiry cart -------------------------------------------------------------------------------------


def _cart_page(request, *, submit_form=None, line_errors=None, status=200):
    return render(
        request,
        "storefront/quotes/cart.html",
        {
            "lines": selectors.inquiry_cart_lines(user=request.user),
            "submit_form": submit_form or SubmitForm(),
            "line_errors": line_errors or {},
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_cart(request):
    """The inquiry cart: change a line, remove it, or send the whole cart as one inquiry."""
    if request.method == "GET":
        return _cart_page(request)
    action = request.POST.get("action")
    if action == "submit":
        form = SubmitForm(request.POST)
        if not form.is_valid():
            return _cart_page(request, submit_form=form, status=400)
        try:
            inquiry = services.inquiry_cart_submit(user=request.user, notes=form.cleaned_data["notes"])
        except ApplicationError as exc:
            apply_errors(form, exc)
            return _cart_page(request, submit_form=form, status=page_status(exc))
        messages.success(request, _sent(inquiry))
        return redirect("storefront:inquiry_detail", number=inquiry.number)
    sku = request.POST.get("sku", "")
    try:
        if action == "remove":
            services.inquiry_cart_line_remove(user=request.user, sku=sku)
        else:
            form = CartLineForm(request.POST)
            if not form.is_valid():
                errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
                return _cart_page(request, line_errors={sku: errors}, status=400)
            services.inquiry_cart_line_set(user=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        return _cart_page(request, line_errors={sku: exc.message}, status=page_status(exc))
    return redirect("storefront:inquiry_cart")


@login_required
@require_POST
def inquiry_cart_add(request):
    """From a product page: add the part to the inquiry cart (quantities add up)."""
    form = CartLineForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if not form.is_valid():
        messages.error(request, "Enter a quantity of at least 1 (and a target price of 0 or more).")
        return redirect(back or "storefront:inquiry_cart")
    try:
        line = services.inquiry_cart_line_set(user=request.user, add=True, **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back or "storefront:inquiry_cart")
    messages.success(request, f"{line.product.mpn} is in your inquiry cart ({line.quantity}).")
    return redirect("storefront:inquiry_cart")


# --- New inquiries ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_new_unlisted(request):
    form = UnlistedForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                inquiry = services.inquiry_unlisted_create(
                    user=request.user, **{**data, "files": uploads(data.pop("files"))}
                )
            except ApplicationError as exc:
                apply_errors(form, exc)
                status = page_status(exc)
            else:
                messages.success(request, _sent(inquiry))
                return redirect("storefront:inquiry_detail", number=inquiry.number)
        else:
            status = 400
    return render(request, "storefront/quotes/new_unlisted.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_new_customized(request):
    """Choose a customizable product type, then fill its spec form."""
    types = services.customizable_types()
    slug = request.POST.get("product_type") or request.GET.get("type")
    chosen = next(((c, f) for c, f in types if c.slug == slug), None)
    if chosen is None:
        status = 404 if slug else 200
        return render(
            request, "storefront/quotes/new_customized.html", {"types": types, "form": None}, status=status
        )
    category, fields = chosen
    form = spec_form_class(fields)(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            spec = {f.key: data.get(f"spec_{f.key}", "") for f in fields}
            try:
                inquiry = services.inquiry_customized_create(
                    user=request.user,
                    product_type=category.slug,
                    spec=spec,
                    quantity=data["quantity"],
                    target_price=data["target_price"],
                    notes=data["notes"],
                    files=uploads(data["files"]),
                )
            except ApplicationError as exc:
                for error in exc.errors:
                    name = error.field.replace("spec.", "spec_", 1)
                    form.add_error(name if name in form.fields else None, error.message)
                if not exc.errors:
                    form.add_error(None, exc.message)
                status = page_status(exc)
            else:
                messages.success(request, _sent(inquiry))
                return redirect("storefront:inquiry_detail", number=inquiry.number)
        else:
            status = 400
    return render(
        request,
        "storefront/quotes/new_customized.html",
        {"types": types, "category": category, "form": form},
        status=status,
    )


# --- My inquiries -----------------------------------------------------------------------------------------


@login_required
@require_GET
def inquiry_list(request):
    page = Paginator(selectors.inquiries_for_buyer(user=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "storefront/quotes/list.html", {"page": page, "now": timezone.now()})


def _production(inquiry):
    ordered = next((q for q in inquiry.quotations.all() if q.order_id), None)
    return selectors.production_for_quotation(ordered) if ordered is not None else None


def _detail(request, inquiry, *, message_form=None, attach_form=None, error="", status=200):
    now = timezone.now()
    quotations = [(q, q.display_state(now)) for q in inquiry.quotations.all()]
    return render(
        request,
        "storefront/quotes/detail.html",
        {
            "inquiry": inquiry,
            "quotations": quotations,
            "timeline": selectors.inquiry_timeline(inquiry),
            "spec": selectors.spec_rows(inquiry),
            "message_form": message_form or MessageForm(),
            "attach_form": attach_form or AttachForm(),
            "decline_form": DeclineForm(),
            "error": error,
            "now": now,
            "overdue": inquiry.is_open and inquiry.first_quoted_at is None and inquiry.due_at < now,
            "production": _production(inquiry),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_detail(request, number: str):
    """The inquiry, its quotations and timeline; POST writes a message or attaches files."""
    inquiry = _own(request, number)
    if request.method == "GET":
        return _detail(request, inquiry)
    if request.POST.get("action") == "attach":
        form = AttachForm(request.POST, request.FILES)
        if not form.is_valid():
            return _detail(request, inquiry, attach_form=form, status=400)
        try:
            services.inquiry_attach(
                inquiry=inquiry, user=request.user, files=uploads(form.cleaned_data["files"])
            )
        except ApplicationError as exc:
            apply_errors(form, exc)
            return _detail(request, inquiry, attach_form=form, status=page_status(exc))
        messages.success(request, "Files attached.")
        return redirect("storefront:inquiry_detail", number=inquiry.number)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _detail(request, inquiry, message_form=form, status=400)
    try:
        services.inquiry_message_add(
            inquiry=inquiry, actor=request.user, message=form.cleaned_data["message"]
        )
    except ApplicationError as exc:
        apply_errors(form, exc)
        return _detail(request, inquiry, message_form=form, status=page_status(exc))
    messages.success(request, "Message sent to the sales desk.")
    return redirect("storefront:inquiry_detail", number=inquiry.number)


@login_required
@require_GET
def inquiry_file(request, attachment_id: int):
    try:
        return attachment_response(selectors.attachment_for(user=request.user, attachment_id=attachment_id))
    except NotFound:
        raise Http404 from None


def _quotation(request, quotation_id: int):
    try:
        return selectors.quotation_for_buyer(user=request.user, quotation_id=quotation_id)
    except NotFound:
        raise Http404 from None


@login_required
@require_POST
def quotation_decline(request, quotation_id: int):
    quotation = _quotation(request, quotation_id)
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.quotation_decline(quotation=quotation, user=request.user, reason=reason)
    except ApplicationError as exc:
        inquiry = _own(request, quotation.inquiry.number)
        return _detail(request, inquiry, error=exc.message, status=page_status(exc))
    messages.success(request, f"You declined quotation v{quotation.version}.")
    return redirect("storefront:inquiry_detail", number=quotation.inquiry.number)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def quotation_checkout(request, quotation_id: int):
    """Accept a quotation: choose address, shipping and payment; the order is placed at the quoted prices.

    Placing twice (a double click, a second tab) returns the order the first one placed.
    """
    quotation = _quotation(request, quotation_id)
    if quotation.order_id:
        return redirect("storefront:order_detail", number=quotation.order.number)
    addresses = list(address_list(user=request.user))
    data = request.POST if request.method == "POST" else {}
    default = next((a for a in addresses if a.is_default), addresses[0] if addresses else None)
    address_id = _int_or_none(data.get("address_id")) or (default.pk if default else None)
    preview = checkout_quotation_preview(
        user=request.user,
        quotation=quotation,
        address_id=address_id,
        shipping_method=data.get("shipping_method") or None,
        payment_method=data.get("payment_method") or None,
    )
    if request.method == "POST" and data.get("action") != "review":
        form = QuotationCheckoutForm(data, addresses=addresses, preview=preview)
        if form.is_valid():
            try:
                order, _created = checkout_place_quotation(
                    user=request.user, quotation_id=quotation.pk, **form.cleaned_data
                )
            except ApplicationError as exc:
                # Show the total as it is now, so a second click confirms what the buyer sees.
                form = QuotationCheckoutForm(
                    {**data.dict(), "expected_total": str(preview.totals.total)},
                    addresses=addresses,
                    preview=preview,
                )
                form.is_valid()
                apply_errors(form, exc)
                status = page_status(exc)
            else:
                messages.success(request, f"Order {order.number} placed at the quoted prices.")
                return redirect("storefront:order_detail", number=order.number)
        else:
            status = 400
    else:
        initial = {
            "address_id": address_id,
            "shipping_method": preview.shipping_choice.code if preview.shipping_choice else None,
            "payment_method": data.get("payment_method"),
            "remark": data.get("remark", ""),
            "expected_total": preview.totals.total,
        }
        form = QuotationCheckoutForm(initial=initial, addresses=addresses, preview=preview)
        status = 200
    quotation_problem = next((e.message for e in preview.errors if e.field == "quotation"), "")
    return render(
        request,
        "storefront/quotes/checkout.html",
        {
            "quotation": quotation,
            "inquiry": quotation.inquiry,
            "preview": preview,
            "form": form,
            "totals": preview.totals,
            "quotation_problem": quotation_problem,
            "live": quotation.status == QuotationStatus.SENT and not quotation_problem,
            "shipping_problem": preview.quote.problem if preview.address and not preview.shipping else "",
        },
        status=409 if quotation_problem and request.method == "GET" else status,
    )
