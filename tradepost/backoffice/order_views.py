"""Order desk: the review queue, order search, and one page per order with every review action.

Fulfilment desk only (superusers sit at every desk): anonymous visitors are sent to sign in, anyone else
gets a plain 404. Each action is a POST form that calls one service; what the service refuses is shown
as form errors on the order page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial, wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tradepost.accounts.roles import Desk, user_has_desk
from tradepost.catalog.models import Product
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.invoices.selectors import invoice_status
from tradepost.orders import services
from tradepost.orders.models import CancelReason, Order, OrderStatus
from tradepost.orders.selectors import open_proposal, order_for_staff, order_timeline, review_queue
from tradepost.orders.states import BUYER_CANCELLABLE, CHANGEABLE, can_transition
from tradepost.shipping.selectors import SHIPPABLE, shipments_for_order

PAGE_SIZE = 50


def desk_required(desk: Desk):
    """Anonymous visitors sign in first; a signed-in person without the desk finds nothing (404)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_desk(request.user, desk.value):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def show_errors(form: forms.Form, exc: ApplicationError, fields: dict[str, str] | None = None) -> None:
    """Put a service's field errors on the form (`fields` renames service fields to form fields).

    An error for a field the form lacks, or one without a field, goes on top of the form.
    """
    if not exc.errors:
        form.add_error(None, exc.message)
    for error in exc.errors:
        name = (fields or {}).get(error.field, error.field)
        form.add_error(name if name in form.fields else None, error.message)


def _labelled(sku: str, text: str, **attrs) -> dict:
    return {"aria-label": f"{sku}: {text}", **attrs}


def _textarea(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- Forms: each shapes the input of one service call; the rules stay in the service ----------------------


class StartReviewForm(forms.Form):
    pass


class ApproveForm(forms.Form):
    note = forms.CharField(label="Internal note (optional)", required=False, widget=_textarea())


class HoldForm(forms.Form):
    message = forms.CharField(
        label="Message to the buyer", widget=_textarea(3), help_text="Sent by email and shown on their order."
    )
    note = forms.CharField(label="Internal note (optional)", required=False, widget=_textarea())


class CompleteForm(forms.Form):
    note = forms.CharField(label="Internal note (optional)", required=False, widget=_textarea())


class NoteForm(forms.Form):
    note = forms.CharField(label="Internal note", widget=_textarea(3), help_text="Staff only.")


class WithdrawForm(forms.Form):
    proposal = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label="Ground")
    consent = forms.CharField(
        label="Buyer's consent",
        required=False,
        widget=_textarea(),
        help_text="Required with the buyer's consent: how and when they agreed, e.g. “email of 20 Nov”.",
    )
    message = forms.CharField(label="Message to the buyer (optional)", required=False, widget=_textarea())

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(str(r), CancelReason(str(r)).label) for r in reasons]


PROPOSAL_ACTIONS = [
    ("", "No change"),
    ("reduce", "Reduce to quantity"),
    ("cancel", "Cancel the line"),
    ("substitute", "Substitute SKU at price"),
    ("wait", "Wait until date"),
]
PROPOSAL_INPUTS = ("quantity", "substitute_sku", "unit_price", "wait_until")


@dataclass
class ProposalRow:
    line: object
    action: forms.BoundField
    quantity: forms.BoundField
    substitute_sku: forms.BoundField
    unit_price: forms.BoundField
    wait_until: forms.BoundField


class ProposalForm(forms.Form):
    """One row per open line; rows left at "No change" are not part of the proposal."""

    message = forms.CharField(label="Message to the buyer", widget=_textarea(3))

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if not line.cancelled]
        self.error_fields: dict[str, str] = {}
        for line in self.lines:
            name = f"line_{line.pk}_"
            labelled = partial(_labelled, line.sku)
            self.fields[name + "action"] = forms.ChoiceField(
                choices=PROPOSAL_ACTIONS, required=False, widget=forms.Select(attrs=labelled("change"))
            )
            self.fields[name + "quantity"] = forms.IntegerField(
                min_value=1, required=False, widget=forms.NumberInput(attrs=labelled("quantity"))
            )
            self.fields[name + "substitute_sku"] = forms.CharField(
                max_length=64, required=False, widget=forms.TextInput(attrs=labelled("substitute SKU"))
            )
            self.fields[name + "unit_price"] = forms.DecimalField(
                min_value=0,
                max_digits=14,
                decimal_places=4,
                required=False,
                widget=forms.TextInput(attrs=labelled("unit price", inputmode="decimal")),
            )
            self.fields[name + "wait_until"] = forms.DateField(
                required=False, widget=forms.DateInput(attrs=labelled("wait until", type="date"))
            )

    def rows(self) -> list[ProposalRow]:
        return [
            ProposalRow(line, *(self[f"line_{line.pk}_{name}"] for name in ("action", *PROPOSAL_INPUTS)))
            for line in self.lines
        ]

    def changes(self) -> list[dict]:
        """The `changes` list for `proposal_create`; remembers which row each entry came from."""
        changes: list[dict] = []
        for line in self.lines:
            prefix = f"line_{line.pk}_"
            action = self.cleaned_data.get(prefix + "action")
            if not action:
                continue
            n = len(changes)
            change: dict = {"line": line.pk, "action": action}
            for name in PROPOSAL_INPUTS:
                value = self.cleaned_data.get(prefix + name)
                if isinstance(value, date):
                    value = value.isoformat()
                elif isinstance(value, Decimal):
                    value = str(value)
                if value not in (None, ""):
                    change[name] = value
                self.error_fields[f"changes.{n}.{name}"] = prefix + name
            for where in (f"changes.{n}", f"changes.{n}.line", f"changes.{n}.action"):
                self.error_fields[where] = prefix + "action"
            changes.append(change)
        return changes


# --- Actions: slug -> the form it reads and the one service it calls -------------------------------------


def _start_review(order, actor, form) -> str:
    services.order_review_start(order=order, actor=actor)
    return f"You are reviewing {order.number}."


def _approve(order, actor, form) -> str:
    services.order_approve(order=order, actor=actor, note=form.cleaned_data["note"])
    return f"{order.number} is approved for dispatch."


def _hold(order, actor, form) -> str:
    data = form.cleaned_data
    services.order_hold(order=order, actor=actor, message=data["message"], note=data["note"])
    return f"{order.number} is on hold; the buyer has been told why."


def _propose(order, actor, form) -> str:
    services.proposal_create(
        order=order, actor=actor, message=form.cleaned_data["message"], changes=form.changes()
    )
    return f"The change was proposed to the buyer; {order.number} waits for their answer."


def _withdraw(order, actor, form) -> str:
    proposal = next((p for p in order.proposals.all() if p.pk == form.cleaned_data["proposal"]), None)
    if proposal is None:
        raise NotFound("This order has no such proposal.", code="proposal_not_found")
    services.proposal_withdraw(proposal=proposal, actor=actor)
    return "The proposal was withdrawn."


def _cancel(order, actor, form) -> str:
    data = form.cleaned_data
    services.order_cancel(
        order=order, actor=actor, reason=data["reason"], message=data["message"], consent=data["consent"]
    )
    return f"{order.number} is cancelled."


def _complete(order, actor, form) -> str:
    services.order_complete(order=order, actor=actor, note=form.cleaned_data["note"])
    return f"{order.number} is completed."


def _note(order, actor, form) -> str:
    services.order_note_add(order=order, actor=actor, note=form.cleaned_data["note"])
    return "Note added."


@dataclass(frozen=True)
class Action:
    form: Callable[..., forms.Form]  # (data, order, policy) -> form
    run: Callable[[Order, object, forms.Form], str]  # calls one service; returns the success message


ACTIONS: dict[str, Action] = {
    "review": Action(lambda data, order, policy: StartReviewForm(data, prefix="review"), _start_review),
    "approve": Action(lambda data, order, policy: ApproveForm(data, prefix="approve"), _approve),
    "hold": Action(lambda data, order, policy: HoldForm(data, prefix="hold"), _hold),
    "propose": Action(
        lambda data, order, policy: ProposalForm(data, prefix="propose", lines=order.lines.all()), _propose
    ),
    "withdraw": Action(lambda data, order, policy: WithdrawForm(data, prefix="withdraw"), _withdraw),
    "cancel": Action(
        lambda data, order, policy: CancelForm(
            data, prefix="cancel", reasons=policy.orders.staff_cancel_requires
        ),
        _cancel,
    ),
    "complete": Action(lambda data, order, policy: CompleteForm(data, prefix="complete"), _complete),
    "note": Action(lambda data, order, policy: NoteForm(data, prefix="note"), _note),
}


# --- Pages ---------------------------------------------------------------------------------------------


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@desk_required(Desk.FULFILMENT)
@require_GET
def review_queue_page(request):
    page = _page(request, review_queue())
    return render(request, "backoffice/orders/queue.html", {"page": page, "now": timezone.now()})


class OrderSearchForm(forms.Form):
    q = forms.CharField(label="Order number or buyer email", required=False, max_length=254)
    status = forms.ChoiceField(choices=[("", "Any status"), *OrderStatus.choices], required=False)


@desk_required(Desk.FULFILMENT)
@require_GET
def order_list(request):
    form = OrderSearchForm(request.GET)
    orders = Order.objects.select_related("user").order_by("-placed_at", "-id")
    if form.is_valid():
        if q := form.cleaned_data["q"].strip():
            orders = orders.filter(Q(number__icontains=q) | Q(user__email__icontains=q))
        if status := form.cleaned_data["status"]:
            orders = orders.filter(status=status)
    return render(
        request,
        "backoffice/orders/list.html",
        {"form": form, "page": _page(request, orders), "now": timezone.now(), "undispatched": CHANGEABLE},
    )


def _order(number: str) -> Order:
    try:
        return order_for_staff(number=number)
    except NotFound:
        raise Http404 from None


def _render_order(request, order: Order, *, failed: tuple[str, forms.Form] | None = None, status: int = 200):
    policy = services.order_policy(order)
    prefetch_related_objects(
        [order],
        "proposals__created_by",
        "transactions__recorded_by",
        "payments__decided_by",
        "refunds__sent_by",
    )
    lines = list(order.lines.all())
    stock = dict(
        Product.objects.filter(pk__in=[line.product_id for line in lines]).values_list("pk", "stock")
    )
    for line in lines:
        line.stock_now = stock.get(line.product_id)
    labels = dict(OrderStatus.choices)
    timeline = order_timeline(order, staff=True)
    for event in timeline:
        event.from_label = labels.get(event.from_status, event.from_status)
        event.to_label = labels.get(event.to_status, event.to_status)
    proposal = open_proposal(order)
    forms_ = {name: action.form(None, order, policy) for name, action in ACTIONS.items()}
    if proposal is not None:
        forms_["withdraw"] = WithdrawForm(initial={"proposal": proposal.pk}, prefix="withdraw")
    if failed:
        forms_[failed[0]] = failed[1]
    current = order.status
    offered = {
        "review": current != OrderStatus.IN_REVIEW and can_transition(current, OrderStatus.IN_REVIEW),
        "approve": can_transition(current, OrderStatus.APPROVED) and proposal is None,
        "hold": can_transition(current, OrderStatus.ON_HOLD),
        "propose": current in CHANGEABLE and proposal is None,
        "withdraw": proposal is not None,
        "cancel": current in BUYER_CANCELLABLE,
        "complete": can_transition(current, OrderStatus.COMPLETED) and current == OrderStatus.DELIVERED,
        "note": True,
    }
    if failed:
        offered[failed[0]] = True  # the refused form stays in view with its errors, whatever the state now
    context = {
        "order": order,
        "policy": policy,
        "lines": lines,
        "timeline": timeline,
        "proposal": proposal,
        "forms": forms_,
        "offered": offered,
        "failed": failed[0] if failed else "",
        "now": timezone.now(),
        "undispatched": CHANGEABLE,
        "invoice_status": invoice_status(order=order),
        "shipments": shipments_for_order(order),
        "shippable": SHIPPABLE,
        "completes_at": services.completes_at(order) if current == OrderStatus.DELIVERED else None,
    }
    return render(request, "backoffice/orders/detail.html", context, status=status)


@desk_required(Desk.FULFILMENT)
@require_GET
def order_detail(request, number: str):
    return _render_order(request, _order(number))


@desk_required(Desk.FULFILMENT)
@require_POST
def order_act(request, number: str, action: str):
    """Run one action from the order page; success redirects back, a refusal shows on its form."""
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise Http404
    order = _order(number)
    form = chosen.form(request.POST, order, services.order_policy(order))
    if form.is_valid():
        try:
            done = chosen.run(order, request.user, form)
        except ApplicationError as exc:
            show_errors(form, exc, getattr(form, "error_fields", None))
        else:
            messages.success(request, done)
            return redirect("backoffice:order_detail", number=order.number)
    # The page shows the order as it is now, with the refused form and its errors.
    return _render_order(request, _order(number), failed=(action, form), status=400)
