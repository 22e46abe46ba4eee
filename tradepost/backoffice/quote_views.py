"""Quote desk (sales): the queue by due time, one page per inquiry (assign, notes, messages, compose or
revise a quotation, decline), SLA figures and inquiry files; and, for the dispatch desk, customized
orders by promised ship date with "ready" once made.

Sales desk only for the quote pages, fulfilment for production (superusers sit at every desk): anonymous
visitors sign in, anyone else gets a plain 404. Each POST calls one service; what it refuses is shown
on the form.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tradepost.accounts.models import User
from tradepost.accounts.roles import GROUP_PREFIX, Desk
from tradepost.backoffice.order_views import desk_required, show_errors
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.quotes import selectors, services
from tradepost.quotes.models import InquiryKind, InquiryStatus
from tradepost.quotes.services import MAX_QUANTITY, MAX_TEXT, LineInput
from tradepost.storefront.views.quotes import attachment_response

PAGE_SIZE = 50
EXTRA_LINES = 2


def _textarea(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Assign to")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(
            is_staff=True, is_active=True, groups__name=GROUP_PREFIX + Desk.SALES
        ).order_by("full_name")
        self.fields["assignee"].empty_label = "Nobody"


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Internal note", max_length=MAX_TEXT, widget=_textarea(2), help_text="Staff only."
    )


class MessageForm(forms.Form):
    message = forms.CharField(
        label="Message to the buyer", max_length=MAX_TEXT, widget=_textarea(3), help_text="Emailed and shown."
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(label="Reason told to the buyer", max_length=MAX_TEXT, widget=_textarea(2))


class LineForm(forms.Form):
    sku = forms.CharField(required=False, max_length=64, label="SKU (catalog)")
    mpn = forms.CharField(required=False, max_length=80, label="Part number (free text)")
    manufacturer = forms.CharField(required=False, max_length=150)
    title = forms.CharField(required=False, max_length=255, label="Description (free text)")
    quantity = forms.IntegerField(required=False, min_value=1, max_value=MAX_QUANTITY)
    unit_price = forms.DecimalField(
        required=False, min_value=0, max_digits=14, decimal_places=4, label="Unit price"
    )
    lead_time_days = forms.IntegerField(
        required=False, min_value=0, max_value=services.MAX_LEAD_DAYS, initial=0
    )
    weight_grams = forms.IntegerField(
        required=False, min_value=0, max_value=10_000_000, initial=0, label="g/unit"
    )
    notes = forms.CharField(required=False, max_length=500)

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not any(
            data.get(k) not in (None, "") for k in ("sku", "mpn", "title", "quantity", "unit_price")
        )


LineFormSet = forms.formset_factory(LineForm, extra=0, max_num=services.MAX_QUOTATION_LINES, absolute_max=250)


class QuotationForm(forms.Form):
    valid_until = forms.DateField(
        required=False,
        label="Valid until (store date)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Blank: the policy's validity.",
    )
    promised_ship_date = forms.DateField(
        required=False, label="Promised ship date", widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        required=False, max_length=MAX_TEXT, widget=_textarea(2), label="Notes to the buyer"
    )


def _inquiry(number: str):
    try:
        return selectors.inquiry_for_staff(number=number)
    except NotFound:
        raise Http404 from None


def _initial_lines(inquiry) -> list[dict]:
    """Start from the last quotation (a revision), else from what the buyer asked for."""
    last = next(iter(inquiry.quotations.all()), None)
    if last is not None:
        return [
            {
                "sku": line.sku if line.product_id else "",
                "mpn": "" if line.product_id else line.mpn,
                "manufacturer": "" if line.product_id else line.manufacturer,
                "title": "" if line.product_id else line.title,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "lead_time_days": line.lead_time_days,
                "weight_grams": line.weight_grams,
                "notes": line.notes,
            }
            for line in last.lines.all()
        ]
    if inquiry.kind == InquiryKind.INQUIRY_CART:
        return [
            {"sku": line.sku, "quantity": line.quantity, "unit_price": line.target_price}
            for line in inquiry.lines.all()
        ]
    title = inquiry.category.name if inquiry.category_id else ""
    if inquiry.spec:
        title = f"{title}: " + ", ".join(f"{k} {v}" for k, v in inquiry.spec.items())
    mpn = inquiry.part_number or (f"{inquiry.category.slug}-custom"[:80] if inquiry.category_id else "")
    return [
        {
            "mpn": mpn,
            "manufacturer": inquiry.manufacturer,
            "title": title[:255] or inquiry.part_number,
            "quantity": inquiry.quantity,
            "unit_price": inquiry.target_price,
        }
    ]


def _render(request, inquiry, *, forms_in=None, failed=False, status=200):
    forms_in = forms_in or {}
    now = timezone.now()
    initial = _initial_lines(inquiry)
    context = {
        "inquiry": inquiry,
        "now": now,
        "quotations": [(q, q.display_state(now)) for q in inquiry.quotations.all()],
        "timeline": selectors.inquiry_timeline(inquiry, staff=True),
        "spec": selectors.spec_rows(inquiry),
        "assign_form": forms_in.get("assign") or AssignForm(initial={"assignee": inquiry.assigned_to_id}),
        "note_form": forms_in.get("note") or NoteForm(),
        "message_form": forms_in.get("message") or MessageForm(),
        "decline_form": forms_in.get("decline") or DeclineForm(),
        "quotation_form": forms_in.get("quotation") or QuotationForm(),
        "lines": forms_in.get("lines") or LineFormSet(initial=initial + [{}] * EXTRA_LINES, prefix="lines"),
        "overdue": inquiry.is_open and inquiry.first_quoted_at is None and inquiry.due_at < now,
        "failed": failed,
        "customized": inquiry.kind == InquiryKind.CUSTOMIZED,
    }
    return render(request, "backoffice/quotes/detail.html", context, status=status)


@desk_required(Desk.SALES)
@require_GET
def queue_page(request):
    """Open inquiries, the nearest due time first; overdue and nearly due are marked."""
    now = timezone.now()
    status = request.GET.get("status", "open")
    if status != "open" and status not in InquiryStatus.values:
        status = "open"
    mine = request.GET.get("mine") == "1"
    queue = selectors.quote_queue(now=now, status=status, mine=request.user if mine else None)
    counts = dict(selectors.quote_queue(now=now).order_by().values_list("clock").annotate(n=Count("id")))
    context = {
        "page": Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page")),
        "overdue": counts.get("overdue", 0),
        "nearly_due": counts.get("nearly_due", 0),
        "nearly_due_hours": int(selectors.NEARLY_DUE.total_seconds() // 3600),
        "status": status,
        "statuses": [("open", "Open"), *InquiryStatus.choices],
        "mine": mine,
        "now": now,
    }
    return render(request, "backoffice/quotes/queue.html", context)


@desk_required(Desk.SALES)
@require_http_methods(["GET", "POST"])
def inquiry_page(request, number: str):
    inquiry = _inquiry(number)
    if request.method == "GET":
        return _render(request, inquiry)
    action = request.POST.get("action")
    try:
        if action == "assign":
            form = AssignForm(request.POST)
            if not form.is_valid():
                return _render(request, inquiry, forms_in={"assign": form}, failed=True, status=400)
            services.inquiry_assign(
                inquiry=inquiry, actor=request.user, assignee=form.cleaned_data["assignee"]
            )
            messages.success(request, "Assignment saved.")
        elif action == "note":
            form = NoteForm(request.POST)
            if not form.is_valid():
                return _render(request, inquiry, forms_in={"note": form}, failed=True, status=400)
            services.inquiry_note_add(inquiry=inquiry, actor=request.user, note=form.cleaned_data["note"])
        elif action == "message":
            form = MessageForm(request.POST)
            if not form.is_valid():
                return _render(request, inquiry, forms_in={"message": form}, failed=True, status=400)
            services.inquiry_message_add(
                inquiry=inquiry, actor=request.user, message=form.cleaned_data["message"]
            )
            messages.success(request, "Message sent to the buyer.")
        elif action == "decline":
            form = DeclineForm(request.POST)
            if not form.is_valid():
                return _render(request, inquiry, forms_in={"decline": form}, failed=True, status=400)
            services.inquiry_decline(inquiry=inquiry, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, f"Inquiry {inquiry.number} declined; the buyer is told why.")
        elif action == "quote":
            return _quote(request, inquiry)
        else:
            raise Http404
    except ApplicationError as exc:
        form = {"assign": AssignForm, "note": NoteForm, "message": MessageForm, "decline": DeclineForm}[
            action
        ](request.POST)
        form.is_valid()
        show_errors(form, exc)
        return _render(request, inquiry, forms_in={action: form}, failed=True, status=400)
    return redirect("backoffice:quote_detail", number=inquiry.number)


def _quote(request, inquiry):
    form = QuotationForm(request.POST)
    lines = LineFormSet(request.POST, prefix="lines")
    valid = form.is_valid() & lines.is_valid()
    if not valid:
        return _render(
            request, inquiry, forms_in={"quotation": form, "lines": lines}, failed=True, status=400
        )
    rows = [(n, f) for n, f in enumerate(lines.forms) if not f.is_blank()]
    inputs = [
        LineInput(
            sku=(f.cleaned_data["sku"] or "").strip(),
            mpn=f.cleaned_data["mpn"],
            manufacturer=f.cleaned_data["manufacturer"],
            title=f.cleaned_data["title"],
            quantity=f.cleaned_data["quantity"],
            unit_price=f.cleaned_data["unit_price"] if f.cleaned_data["unit_price"] is not None else "",
            lead_time_days=f.cleaned_data["lead_time_days"] or 0,
            weight_grams=f.cleaned_data["weight_grams"] or 0,
            notes=f.cleaned_data["notes"],
        )
        for _, f in rows
    ]
    try:
        quotation = services.quotation_send(
            inquiry=inquiry,
            actor=request.user,
            lines=inputs,
            valid_until=form.cleaned_data["valid_until"],
            promised_ship_date=form.cleaned_data["promised_ship_date"],
            notes=form.cleaned_data["notes"],
        )
    except ApplicationError as exc:
        for error in exc.errors:
            # "lines[i].field" -> the form of the i-th non-blank row.
            if error.field.startswith("lines[") and "]." in error.field:
                index, name = error.field[6:].split("].", 1)
                if index.isdigit() and int(index) < len(rows):
                    row = rows[int(index)][1]
                    row.add_error(name if name in row.fields else None, error.message)
                    continue
            form.add_error(error.field if error.field in form.fields else None, error.message)
        if not exc.errors:
            form.add_error(None, exc.message)
        return _render(
            request, inquiry, forms_in={"quotation": form, "lines": lines}, failed=True, status=400
        )
    messages.success(
        request, f"Quotation v{quotation.version} sent to {inquiry.user.email}: {quotation.goods_total} USD."
    )
    return redirect("backoffice:quote_detail", number=inquiry.number)


@desk_required(Desk.SALES)
@require_GET
def metrics_page(request):
    metrics = selectors.sla_metrics()
    median = metrics.median_time_to_quote
    context = {
        "metrics": metrics,
        "weeks": list(reversed(metrics.weeks)),
        "median_hours": round(Decimal(median.total_seconds()) / 3600, 1) if median is not None else None,
    }
    return render(request, "backoffice/quotes/metrics.html", context)


@desk_required(Desk.SALES)
@require_GET
def file_download(request, attachment_id: int):
    try:
        return attachment_response(selectors.attachment_for(user=request.user, attachment_id=attachment_id))
    except NotFound:
        raise Http404 from None


# --- Production of customized goods (dispatch desk) -------------------------------------------------------


@desk_required(Desk.FULFILMENT)
@require_GET
def production_page(request):
    """Customized orders not shipped yet, the earliest promised ship date first; late ones marked."""
    today = selectors.store_today()
    rows = list(selectors.productions_for_dispatch()[:500])
    context = {
        "rows": [(p, p.is_late(today)) for p in rows],
        "late": sum(p.is_late(today) for p in rows),
        "today": today,
    }
    return render(request, "backoffice/quotes/production.html", context)


@desk_required(Desk.FULFILMENT)
@require_POST
def production_ready(request, number: str):
    try:
        production = selectors.production_for_order(number=number)
    except NotFound:
        raise Http404 from None
    try:
        services.production_mark_ready(production=production, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, f"{number}: {exc.message}")
    else:
        messages.success(request, f"{number}: ready to ship.")
    return redirect("backoffice:production")
