"""After-sales desk: the RMA queue by state, refunds near or past due, one page per RMA with its photos,
the order's tracking history (for lost parcels), the full timeline and one form per step.

After-sales desk only (superusers sit at every desk); anyone else gets 404. Each form posts to one service.
"""

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tradepost.accounts.roles import Desk
from tradepost.aftersales import selectors, services
from tradepost.aftersales.documents import rma_form_pdf
from tradepost.aftersales.models import Resolution, RmaPhoto, RmaState
from tradepost.backoffice.order_views import desk_required, show_errors
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.orders.services import order_policy
from tradepost.shipping.selectors import shipments_for_order

SHOWN = 200


def _area(rows=2):
    return forms.Textarea(attrs={"rows": rows})


class ApproveForm(forms.Form):
    return_address = forms.CharField(
        required=False, widget=_area(4), help_text="Empty: the policy's address."
    )
    note = forms.CharField(required=False, widget=_area(), label="Internal note (optional)")


class RejectForm(forms.Form):
    reason = forms.CharField(widget=_area(), label="Why, for the claimant")


class ReceiveForm(forms.Form):
    restock = forms.BooleanField(required=False, label="Sellable: put the units back in stock")
    note = forms.CharField(required=False, widget=_area(), label="Internal note (optional)")


class InspectForm(forms.Form):
    condition = forms.CharField(
        widget=_area(), help_text="For a lost parcel: what the tracking history shows."
    )
    exclusion = forms.ChoiceField(required=False, help_text="A warranty exclusion rejects the claim.")


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(choices=Resolution.choices)
    amount = forms.CharField(
        required=False, max_length=32, label="Refund amount (USD)", help_text="Empty: the goods' share paid."
    )
    note = forms.CharField(
        required=False, widget=_area(), help_text="For the claimant; required for replacement and reject."
    )
    replacement_sku = forms.CharField(
        required=False,
        max_length=64,
        label="Replacement SKU (optional)",
        help_text="Empty: the same product. Another product must not be worth more.",
    )


FORMS = {
    "approve": ApproveForm,
    "reject": RejectForm,
    "receive": ReceiveForm,
    "inspect": InspectForm,
    "resolve": ResolveForm,
}


def _forms_for(rma, refused: tuple[str, forms.Form] | None) -> dict:
    """The forms that fit the RMA's state, with a refused one put back in its place."""
    state = rma.state
    names = {
        RmaState.REQUESTED: ["approve", "reject"],
        RmaState.APPROVED: ["receive"] if rma.needs_return else ["inspect"],
        RmaState.RETURN_SHIPPED: ["receive"],
        RmaState.RECEIVED: ["inspect"],
        RmaState.INSPECTED: ["resolve"],
    }.get(state, [])
    out = {}
    for name in names:
        form = refused[1] if refused and refused[0] == name else FORMS[name](prefix=name)
        if name == "inspect":
            exclusions = order_policy(rma.order).warranty.exclusions if rma.remedy == "warranty" else []
            form.fields["exclusion"].choices = [("", "None")] + [(e.key, e.label) for e in exclusions]
        if name == "approve" and not form.is_bound:
            form.initial["return_address"] = services.default_return_address(rma.order)
        if name == "resolve" and not form.is_bound:
            form.initial["amount"] = services.rma_refund_amount(rma)
            form.initial["resolution"] = rma.preferred_resolution or None
        out[name] = form
    return out


def _rma(number):
    try:
        return selectors.rma_for_staff(number=number)
    except NotFound:
        raise Http404 from None


@desk_required(Desk.AFTERSALES)
@require_GET
def queue_page(request):
    state = request.GET.get("state") or None
    if state not in RmaState.values:
        state = None
    context = {
        "rmas": list(selectors.desk_queue(state=state)[:SHOWN]),
        "state": state,
        "states": RmaState.choices,
        "refunds": selectors.refunds_watch(),
    }
    return render(request, "backoffice/aftersales/queue.html", context)


def _render_rma(request, rma, *, refused=None, status=200):
    context = {
        "rma": rma,
        "timeline": selectors.rma_timeline(rma, staff=True),
        "photos": list(rma.photos.all()),
        "shipments": shipments_for_order(rma.order) if not rma.needs_return else [],
        "forms": _forms_for(rma, refused),
        "failed": refused is not None,
    }
    return render(request, "backoffice/aftersales/detail.html", context, status=status)


@desk_required(Desk.AFTERSALES)
@require_GET
def rma_page(request, number: str):
    return _render_rma(request, _rma(number))


@desk_required(Desk.AFTERSALES)
@require_POST
def rma_act(request, number: str, action: str):
    rma = _rma(number)
    if action not in FORMS:
        raise Http404
    form = FORMS[action](request.POST, prefix=action)
    if action == "inspect":
        form.fields["exclusion"].choices = [("", "None")] + [
            (e.key, e.label) for e in order_policy(rma.order).warranty.exclusions
        ]
    if form.is_valid():
        call = {
            "approve": services.rma_approve,
            "reject": services.rma_reject,
            "receive": services.rma_receive,
            "inspect": services.rma_inspect,
            "resolve": services.rma_resolve,
        }[action]
        try:
            rma = call(rma=rma, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, f"{rma.number}: {rma.get_state_display()}.")
            return redirect("backoffice:aftersales_rma", number=rma.number)
    return _render_rma(request, rma, refused=(action, form), status=400)


@desk_required(Desk.AFTERSALES)
@require_GET
def rma_pdf(request, number: str):
    rma = _rma(number)
    if rma.approved_at is None or not rma.needs_return:
        raise Http404
    response = HttpResponse(rma_form_pdf(rma), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{rma.number}.pdf"'
    return response


@desk_required(Desk.AFTERSALES)
@require_GET
def photo(request, pk: int):
    row = RmaPhoto.objects.filter(pk=pk).first()
    if row is None or not row.image:
        raise Http404
    return FileResponse(row.image.open("rb"))
