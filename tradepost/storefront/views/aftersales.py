"""After-sales pages: file an RMA for a shipped line (buyer, or reseller for a customer), my RMAs with
their timeline, the return form PDF; a reseller's end customers; and the public page where a reseller's
customer without an account claims with order number + serial or email, then follows a secret link."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tradepost.accounts.models import AccountType
from tradepost.aftersales import selectors, services
from tradepost.aftersales.calculations import Remedy
from tradepost.aftersales.documents import rma_form_pdf
from tradepost.aftersales.models import RmaReason, RmaState
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.core.http import client_ip
from tradepost.orders import selectors as order_selectors
from tradepost.storefront.forms import apply_errors

MAX_TEXT = services.MAX_TEXT


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(item, initial) for item in files]


def _reason_choices():
    return [("", "Choose a reason"), *list(RmaReason.choices)]


class ClaimForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=10_000_000)
    reason = forms.ChoiceField(choices=_reason_choices)
    remedy = forms.ChoiceField(
        required=False,
        label="Remedy (optional)",
        help_text="Leave empty and we use the first open remedy that covers the reason.",
        choices=[("", "Any open remedy"), *list(Remedy.LABELS.items())],
    )
    description = forms.CharField(max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}))
    preferred_resolution = forms.ChoiceField(
        required=False,
        label="What would you like?",
        choices=[
            ("", "No preference"),
            ("refund", "A refund"),
            ("replacement", "A replacement"),
            ("repair", "A repair"),
        ],
        help_text="What the remedy offers is listed above; we confirm after inspecting the goods.",
    )
    photos = PhotosField(required=False, label="Photos (optional, up to 5)")
    troubleshooting_seen = forms.BooleanField(
        required=False, label="I tried the troubleshooting steps above and the problem remains"
    )

    def claim(self, line_id: int) -> services.Claim:
        data = self.cleaned_data
        return services.Claim(
            line_id=line_id,
            quantity=data["quantity"],
            reason=data["reason"],
            description=data["description"],
            remedy=data["remedy"] or None,
            troubleshooting_seen=data["troubleshooting_seen"],
            preferred_resolution=data["preferred_resolution"],
        )


class ResellerClaimForm(ClaimForm):
    end_customer_name = forms.CharField(required=False, max_length=150, label="Your customer's name")
    end_customer_email = forms.EmailField(required=False, label="Your customer's email")
    end_customer_phone = forms.CharField(required=False, max_length=32, label="Your customer's phone")


class ReturnShippedForm(forms.Form):
    carrier = forms.CharField(max_length=80)
    tracking_number = forms.CharField(max_length=40)


class EndCustomerForm(forms.Form):
    line_id = forms.TypedChoiceField(coerce=int, choices=[], label="Part")
    name = forms.CharField(max_length=150)
    email = forms.EmailField()
    serial = forms.CharField(max_length=80, required=False, label="Serial number (optional)")


class PublicClaimForm(forms.Form):
    order_number = forms.CharField(max_length=16, help_text="From your seller's invoice or delivery note.")
    proof = forms.CharField(
        max_length=254,
        label="Serial number or email",
        help_text="The serial number of the product, or the email your seller recorded for you.",
    )
    quantity = forms.IntegerField(min_value=1, max_value=10_000_000, initial=1)
    reason = forms.ChoiceField(choices=_reason_choices)
    description = forms.CharField(max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}))
    phone = forms.CharField(max_length=32, required=False, label="Phone (optional)")
    photos = PhotosField(required=False, label="Photos (optional, up to 5)")
    troubleshooting_seen = forms.BooleanField(
        required=False, label="I tried the product's troubleshooting steps and the problem remains"
    )


def _order(request, number):
    try:
        return order_selectors.order_for_buyer(user=request.user, number=number)
    except NotFound:
        raise Http404 from None


def _pdf(rma) -> HttpResponse:
    if rma.approved_at is None or not rma.needs_return:
        raise Http404
    response = HttpResponse(rma_form_pdf(rma), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{rma.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def rma_new(request, number: str):
    order = _order(request, number)
    try:
        line_id = int(request.GET.get("line") or request.POST.get("line") or 0)
        item = selectors.line_entitlements(order, line_id)
    except (ValueError, NotFound):
        raise Http404 from None
    reseller = request.user.account_type == AccountType.RESELLER
    form_class = ResellerClaimForm if reseller else ClaimForm
    form = form_class(request.POST or None, request.FILES or None, initial={"quantity": item.claimable or 1})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        end_customer = None
        if reseller and (data["end_customer_name"] or data["end_customer_email"]):
            end_customer = {
                "name": data["end_customer_name"],
                "email": data["end_customer_email"],
                "phone": data["end_customer_phone"],
            }
        try:
            rma = services.rma_request(
                order=order,
                user=request.user,
                claim=form.claim(item.line.pk),
                photos=data["photos"],
                end_customer=end_customer,
            )
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Request {rma.number} sent. We will tell you when it is approved.")
            return redirect("storefront:rma_detail", number=rma.number)
    context = {"order": order, "item": item, "form": form, "reseller": reseller}
    return render(request, "storefront/aftersales/new.html", context, status=400 if form.errors else 200)


@login_required
def rma_list(request):
    return render(
        request,
        "storefront/aftersales/list.html",
        {"rmas": selectors.rmas_for_buyer(user=request.user)[:200]},
    )


def _render_rma(request, rma, *, form=None, public_token: str = "", status=200):
    context = {
        "rma": rma,
        "timeline": selectors.rma_timeline(rma),
        "form": form or ReturnShippedForm(),
        "can_ship_back": rma.state == RmaState.APPROVED and rma.needs_return,
        "public_token": public_token,
    }
    return render(request, "storefront/aftersales/detail.html", context, status=status)


def _buyer_rma(request, number):
    try:
        return selectors.rma_for_buyer(user=request.user, number=number)
    except NotFound:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def rma_detail(request, number: str):
    rma = _buyer_rma(request, number)
    if request.method == "POST":
        form = ReturnShippedForm(request.POST)
        if form.is_valid():
            try:
                services.rma_return_shipped(rma=rma, actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Thank you: we will tell you when the goods arrive.")
                return redirect("storefront:rma_detail", number=rma.number)
        return _render_rma(request, rma, form=form, status=400)
    return _render_rma(request, rma)


@login_required
def rma_pdf(request, number: str):
    return _pdf(_buyer_rma(request, number))


@login_required
@require_http_methods(["GET", "POST"])
def end_customers(request, number: str):
    order = _order(request, number)
    if request.user.account_type != AccountType.RESELLER:
        raise Http404
    form = EndCustomerForm(request.POST or None)
    form.fields["line_id"].choices = [
        (line.pk, f"{line.mpn} · {line.sku}") for line in order.lines.all() if line.quantity_shipped
    ]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.end_customer_register(
                order=order,
                user=request.user,
                line_id=data["line_id"],
                name=data["name"],
                email=data["email"],
                serial=data["serial"],
            )
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                f"Recorded. {data['name']} can now claim with {order.number} and the serial or email.",
            )
            return redirect("storefront:order_end_customers", number=order.number)
    context = {"order": order, "form": form, "customers": order.end_customers.select_related("line")}
    return render(
        request, "storefront/aftersales/end_customers.html", context, status=400 if form.errors else 200
    )


# --- A reseller's customer, without an account --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rma_public_start(request):
    form = PublicClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rma, token = services.rma_request_end_customer(
                order_number=data["order_number"],
                proof=data["proof"],
                claim=services.Claim(
                    line_id=0,
                    quantity=data["quantity"],
                    reason=data["reason"],
                    description=data["description"],
                    troubleshooting_seen=data["troubleshooting_seen"],
                ),
                phone=data["phone"],
                ip=client_ip(request),
                photos=data["photos"],
            )
        except ApplicationError as exc:
            apply_errors(form, exc)
            status = exc.status if exc.status in (400, 403, 409, 422, 429) else 400
            return render(request, "storefront/aftersales/public_start.html", {"form": form}, status=status)
        messages.success(
            request, f"Request {rma.number} sent. We emailed you this page's private link to follow it."
        )
        return redirect("storefront:rma_public", token=token)
    return render(
        request, "storefront/aftersales/public_start.html", {"form": form}, status=400 if form.errors else 200
    )


def _public_rma(token):
    try:
        return selectors.rma_for_token(token=token)
    except NotFound:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def rma_public(request, token: str):
    rma = _public_rma(token)
    if request.method == "POST":
        form = ReturnShippedForm(request.POST)
        if form.is_valid():
            try:
                services.rma_return_shipped(rma=rma, actor=None, **form.cleaned_data)
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Thank you: we will tell you when the goods arrive.")
                return redirect("storefront:rma_public", token=token)
        return _render_rma(request, rma, form=form, public_token=token, status=400)
    return _render_rma(request, rma, public_token=token)


def rma_public_pdf(request, token: str):
    return _pdf(_public_rma(token))
